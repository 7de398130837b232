#!/usr/bin/env python3
"""Why: benches/pushdown.sh compares a full read with --pushdown over a slow link (100 Mbit/s, 20 ms each way), and
a kernel without the netem qdisc cannot make one. This is the userspace fallback: a TCP forwarder that, in each
direction, serialises the bytes at RATE (as a link of that rate would, one chunk after another) and then delivers
each chunk DELAY later. A connection's round trip is therefore 2 x DELAY plus the serialisation of what it sends.
All connections share the one link: each direction's RATE is the total over every connection, as on a real link
(recon and data-diff read over several connections at once: a rate per connection multiplied the link).

Usage: link_shaper.py LISTEN_HOST:PORT UPSTREAM_HOST:PORT [--delay-ms 20] [--rate-mbit 100]
Runs until killed; prints "listening" on stdout once it accepts connections.
"""

import argparse
import asyncio

CHUNK = 64 * 1024
# The most a direction may run ahead of its link (seconds of serialisation queued) before it stops reading:
# what a router's queue would hold, and what keeps the forwarder's memory bounded.
QUEUED = 0.25


class Link:
    """One direction of the link: when it will have sent everything given to it so far, by any connection."""

    def __init__(self, rate):
        self.rate = rate
        self.free = 0.0


async def pipe(reader, writer, delay, link):
    """Copies reader to writer as `link` (shared with every other connection's same direction), with `delay` s of
    propagation, would deliver it."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    delivering = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            now = loop.time()
            link.free = max(now, link.free) + len(data) / link.rate
            queue.put_nowait((link.free + delay, data))
            if link.free - now > QUEUED:
                await asyncio.sleep(link.free - now - QUEUED)
    finally:
        queue.put_nowait((0.0, None))
        try:
            await delivering
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass


async def serve(listen, upstream, delay, rate):
    up, down = Link(rate), Link(rate)

    async def connection(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(*upstream)
        except OSError:
            client_writer.close()
            return
        try:
            await asyncio.gather(
                pipe(client_reader, server_writer, delay, up),
                pipe(server_reader, client_writer, delay, down),
            )
        except (ConnectionError, OSError):
            pass
        finally:
            for writer in (client_writer, server_writer):
                writer.close()

    server = await asyncio.start_server(connection, *listen)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


def address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listen", type=address)
    parser.add_argument("upstream", type=address)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--rate-mbit", type=float, default=100.0)
    args = parser.parse_args()
    asyncio.run(serve(args.listen, args.upstream, args.delay_ms / 1000, args.rate_mbit * 1e6 / 8))


if __name__ == "__main__":
    main()
