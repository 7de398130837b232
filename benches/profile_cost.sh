#!/usr/bin/env bash
# Why: says where a column profile's time goes inside PostgreSQL, in server CPU (which a loaded machine inflates
# far less than wall time): the profile's one aggregate statement over lineitem_src against a binary COPY of the
# same table (what a diff makes the server do per side), and each family of statistics alone.
# Usage (from the repo root, after `PGURL=… benches/load_postgres.sh 1`): benches/profile_cost.sh [ROUNDS] (default 3)
# Each statement runs on one backend without parallel workers and without JIT (as recon's profile runs it, JIT
# off); its CPU is the backend's utime + stime from /proc around it, so the server must be on this machine.
# The statement is the one recon writes for lineitem (src/source/sql/aggregate.rs: NOT NULL columns counted as
# rows, char(n) extremes compared as PostgreSQL compares them, distinct values from pg_stats above
# --profile-distinct-limit): keep it in step. Rounds are interleaved; medians printed.
set -euo pipefail

ROUNDS=${1:-3}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
python3 - "$PGURL" "$ROUNDS" <<'EOF'
import os, statistics, subprocess, sys, time

url, rounds = sys.argv[1], int(sys.argv[2])
ints = ["l_orderkey", "l_partkey", "l_suppkey", "l_linenumber"]
nums = ["l_quantity", "l_extendedprice", "l_discount", "l_tax"]
chars = ["l_returnflag", "l_linestatus", "l_shipinstruct", "l_shipmode"]
dates = ["l_shipdate", "l_commitdate", "l_receiptdate"]
groups = {
    "integers: min, max, sum": [f"min({c}), max({c}), sum({c})::numeric" for c in ints],
    "numeric(15,2): min, max": [f"min({c}), max({c})" for c in nums],
    "numeric(15,2): sum": [f"sum({c})::numeric" for c in nums],
    "char(n): min, max": [f'rtrim(min({c} COLLATE "C")), rtrim(max({c} COLLATE "C"))' for c in chars],
    "char(n): length": [f"sum(char_length({c}))" for c in chars],
    "dates: min, max": [f"min({c}), max({c})" for c in dates],
    "varchar: min, max, length": ['min((l_comment)::text COLLATE "C"), max((l_comment)::text COLLATE "C"), '
                                  "sum(char_length(l_comment))"],
}
statements = {"scan alone: count(*)": "SELECT count(*) FROM public.lineitem_src"}
for name, outputs in groups.items():
    statements[name] = f"SELECT count(*), {', '.join(outputs)} FROM public.lineitem_src"
statements["the whole profile statement"] = (
    f"SELECT count(*), {', '.join(o for outputs in groups.values() for o in outputs)} FROM public.lineitem_src")
statements["binary COPY (a diff's read, per side)"] = r"\copy public.lineitem_src to /dev/null with (format binary)"

psql = subprocess.Popen(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True, bufsize=1)

def ask(sql):
    psql.stdin.write(sql + ("\n" if sql.startswith("\\") else ";\n") + "SELECT 'recon-done';\n")
    psql.stdin.flush()
    lines = []
    while (line := psql.stdout.readline()) and line.strip() != "recon-done":
        lines.append(line.strip())
    return lines

ask("SET jit = off"); ask("SET max_parallel_workers_per_gather = 0")
pid, hz = int(ask("SELECT pg_backend_pid()")[0]), os.sysconf("SC_CLK_TCK")
ticks = lambda: sum(map(int, open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[11:13]))
cpu = {name: [] for name in statements}
load = os.getloadavg()
for _ in range(rounds):
    for name, sql in statements.items():
        before = ticks()
        ask(sql)
        cpu[name].append((ticks() - before) / hz)
copy = statistics.median(cpu["binary COPY (a diff's read, per side)"])
scan = statistics.median(cpu["scan alone: count(*)"])
print(f"{rounds} rounds, load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}; server CPU s, median")
for name, values in cpu.items():
    own = statistics.median(values) - (scan if name in groups else 0)
    extra = " (beyond the scan)" if name in groups else ""
    print(f"  {name:40} {statistics.median(values):6.2f}  {own / copy:5.2f} x COPY{extra}")
EOF
