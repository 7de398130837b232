//! The bytes a database side receives from its server, counted on the wire (`--pushdown`'s
//! `bytes_received`). No driver says how many bytes its socket read, so each side's connections go through a
//! forwarder on this machine's loopback that copies both ways and counts what the server sent: catalog reads,
//! fingerprints, rows and read-backs alike, TLS and protocol framing included.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{Error, Result};
use crate::location::{Database, Engine, Location};

/// A forwarder for one side, counting; it stops accepting when dropped (open connections finish on their own).
pub struct Wire {
    received: Arc<AtomicU64>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for Wire {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Wire {
    /// Starts a forwarder to `database`'s server and returns it with the location to connect to instead; `None`
    /// for a server not reached over TCP (SQLite, a Unix socket).
    pub fn start(
        location: &Location,
        database: &Database,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Option<(Wire, Location)>> {
        let Some(upstream) = tcp_server(database) else { return Ok(None) };
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .and_then(|l| Ok((l.local_addr()?, l)))
            .map_err(|e| Error::database(&database.masked, format!("counting received bytes: {e}")));
        let (local, listener) = listener?;
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        let accepting = runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, counter) = (upstream.clone(), counter.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        let mut server = Counted { inner: server, received: counter };
                        let mut client = client;
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        let through = location.through(&format!("127.0.0.1:{}", local.port()));
        Ok(Some((Wire { received, accepting }, through)))
    }

    /// Bytes the server has sent so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

/// The `host:port` a database URL connects to over TCP; `None` for SQLite or a socket directory.
fn tcp_server(database: &Database) -> Option<String> {
    let default = match database.engine {
        Engine::Postgres => 5432,
        Engine::Mysql => 3306,
        Engine::Sqlite => return None,
    };
    let server = database.server();
    if server.is_empty() || server.starts_with('%') || database.url.contains("host=/") {
        return None;
    }
    let has_port =
        server.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) && !server.ends_with(']');
    Some(if has_port { server.to_string() } else { format!("{server}:{default}") })
}

/// A server stream that counts the bytes read from it.
struct Counted {
    inner: TcpStream,
    received: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.received.fetch_add(read, Ordering::Relaxed);
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
