#!/usr/bin/env bash
# Why: times `recon diff` on PostgreSQL tables against the two things it should be judged by: psql's own binary COPY
# (the floor for pulling the rows out) and data-diff's hashdiff (the usual open-source tool for a DB-to-DB diff).
# Usage (from the repo root): benches/db_compare.sh [SF]   (default 1). Loads the tables first (benches/load_postgres.sh).
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon; without it only psql and data-diff run.
# STEPS (default "psql recon_read recon_diff datadiff") picks what runs. One run of each; /usr/bin/time -v gives wall
# seconds and peak RSS (client side only: the PostgreSQL backends' work is in no column). Raw outputs stay in $OUT.
#  (a) extraction: one `psql \copy lineitem_src to /dev/null (format binary)`; two of them at once (recon reads the
#      table twice, source and target side, concurrently); recon diffing lineitem_src against itself.
#  (b) the diff lineitem_src vs lineitem_dst: recon (summary checked against expected.json) vs data-diff --algorithm
#      hashdiff -j 2 (installed in a venv under $RECON_BENCH_DIR; its -/+ rows are counted and classified per key).
set -euo pipefail

SF=${1:-1}
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
STEPS=${STEPS:-psql recon_read recon_diff datadiff}
BENCH=${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}
PG=postgres://postgres@127.0.0.1:5432/test
DD_PG=postgresql://postgres:unused@127.0.0.1:5432/test  # data-diff insists on a password in the URL; trust auth ignores it
DD_TIMEOUT=${DD_TIMEOUT:-1200}
KEY=l_orderkey,l_linenumber

if [ ! -x /usr/bin/time ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; fi
PGURL=$PG "$HERE/load_postgres.sh" "$SF"
EXP=$BENCH/sf$SF/expected.json
OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-db-compare.XXXXXX")

has() { [[ " $STEPS " == *" $1 "* ]]; }
if ! [ -x "$RECON" ] && { has recon_read || has recon_diff; }; then
  echo "recon binary not found at $RECON (set RECON_BIN or build it): recon steps skipped" >&2
  STEPS=$(echo " $STEPS " | sed 's/ recon_read / /; s/ recon_diff / /')
fi

# data-diff 0.11.2 (the last release; the project is archived) in its own venv. dbt-core is pinned below 1.8: newer
# ones pull a dbt parser whose build downloads a wheel from outside the package registry. psycopg2-binary stands in
# for the psycopg2 of data-diff's [postgresql] extra, which would compile against libpq.
DD=$BENCH/venv/bin/data-diff
if has datadiff && ! [ -x "$DD" ]; then
  python3 -m venv "$BENCH/venv"
  "$BENCH/venv/bin/pip" install --quiet data-diff==0.11.2 'dbt-core>=1.7,<1.8' 'pydantic<2' psycopg2-binary
fi

psql_copy() { echo "psql -h 127.0.0.1 -U postgres -d test -X -q -c '\\copy public.$1 to /dev/null with (format binary)'"; }
# Non-key columns, in table order, for data-diff's -c (it compares only the key unless told).
DD_COLS=()
for c in $(psql "$PG" -X -Atc "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'
           AND table_name = 'lineitem_src' AND column_name NOT IN ('l_orderkey', 'l_linenumber') ORDER BY ordinal_position"); do
  DD_COLS+=(-c "$c")
done

# step NAME CMD...: one timed run; stdout -> $OUT/NAME.out, stderr -> .err, /usr/bin/time -v -> .time, exit code -> .rc
step() {
  local name=$1; shift
  echo "running $name: $*" | cut -c1-400 >&2
  local rc=0
  /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
  echo "$rc" >"$OUT/$name.rc"
}

load_before=$(cut -d" " -f1-3 /proc/loadavg)
# Warm-up, untimed: both tables through the page cache once, so the first timed reader pays no disk read.
bash -c "$(psql_copy lineitem_src) & $(psql_copy lineitem_dst) & wait"

if has psql; then
  step psql_1 bash -c "$(psql_copy lineitem_src)"
  step psql_2 bash -c "$(psql_copy lineitem_src) & a=\$!; $(psql_copy lineitem_src) & b=\$!; wait \$a && wait \$b"
fi
if has recon_read; then
  step recon_read "$RECON" diff "$PG#public.lineitem_src" "$PG#public.lineitem_src" --key $KEY --format json -q
fi
if has recon_diff; then
  step recon_diff "$RECON" diff "$PG#public.lineitem_src" "$PG#public.lineitem_dst" --key $KEY --format json -q
fi
if has datadiff; then
  # --json: one ["-"|"+", [values...]] line per differing row. COLUMNS: rich wraps its output at the terminal width.
  step datadiff env COLUMNS=1000 timeout "$DD_TIMEOUT" "$DD" "$DD_PG" lineitem_src "$DD_PG" lineitem_dst \
    -k l_orderkey -k l_linenumber "${DD_COLS[@]}" --algorithm hashdiff -j 2 --json --no-tracking
fi

echo "SF$SF, one run each, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$EXP" <<'EOF'
# Summarise: wall seconds, client CPU seconds, peak RSS; recon's summary vs expected.json; data-diff's rows per key.
import collections, json, os, re, sys
out, exp = sys.argv[1], json.load(open(sys.argv[2]))

def timing(name):
    path = f"{out}/{name}.time"
    if not os.path.exists(path):
        return None
    text = open(path).read()
    secs = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", text).group(1).split(":"):
        secs = secs * 60 + float(part)
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", text).group(1)) for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return secs, cpu, rss, int(open(f"{out}/{name}.rc").read())

def recon_summary(name):
    try:
        return json.load(open(f"{out}/{name}.out"))["summary"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return {"unreadable": str(e)}

def check(got, want):
    bad = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    return "exact" if not bad else "WRONG (expected, got): " + json.dumps(bad)

t = {n: timing(n) for n in ("psql_1", "psql_2", "recon_read", "recon_diff", "datadiff")}
notes = {}
if t["recon_read"]:
    n = exp["source_rows"]
    same = dict.fromkeys(exp, 0) | {"source_rows": n, "target_rows": n, "matched": n}
    notes["recon_read"] = "counts " + check(recon_summary("recon_read"), same)
if t["recon_diff"]:
    notes["recon_diff"] = "counts " + check(recon_summary("recon_diff"), exp)
if t["datadiff"]:
    signs, per_key, first = collections.Counter(), collections.defaultdict(str), {}
    for line in open(f"{out}/datadiff.out"):
        if not line.startswith('["'):
            continue  # data-diff's log lines (warnings) share stdout
        sign, values = json.loads(line)
        signs[sign] += 1
        key = tuple(values[:2])
        per_key[key] += sign
    # data-diff's own --stats rule (DiffResultWrapper._get_stats): a key seen with both signs is "updated".
    stats = collections.Counter("exclusive_A" if set(s) == {"-"} else "exclusive_B" if set(s) == {"+"} else "updated"
                                for s in per_key.values())
    shapes = collections.Counter(f"{s.count('-')}-/{s.count('+')}+" for s in per_key.values())
    rc = t["datadiff"][3]
    notes["datadiff"] = (f"{'TIMED OUT, ' if rc == 124 else ''}{signs['-']} '-' rows, {signs['+']} '+' rows, "
                         f"{len(per_key)} keys; as its --stats would say: exclusive_A={stats['exclusive_A']}, "
                         f"exclusive_B={stats['exclusive_B']}, updated={stats['updated']}; rows per key: "
                         + ", ".join(f"{k} x{v}" for k, v in sorted(shapes.items())))

labels = {"psql_1": "psql \\copy binary, 1 table read", "psql_2": "psql \\copy binary, 2 concurrent reads",
          "recon_read": "recon diff src vs src (2 reads)", "recon_diff": "recon diff src vs dst",
          "datadiff": "data-diff hashdiff -j 2, src vs dst"}
ratio = {"psql_1": None, "psql_2": ("psql_1", "x 1 psql read"), "recon_read": ("psql_2", "x 2 concurrent psql reads"),
         "recon_diff": ("psql_2", "x 2 concurrent psql reads"), "datadiff": ("recon_diff", "x recon diff")}
print("| step | wall s | client CPU s | peak RSS MB | exit | ratio | notes |")
print("|---|---:|---:|---:|---:|---|---|")
for n, v in t.items():
    if v is None:
        continue
    r = ratio[n]
    rtxt = f"{v[0] / t[r[0]][0]:.2f} {r[1]}" if r and t.get(r[0]) else ""
    print(f"| {labels[n]} | {v[0]:.2f} | {v[1]:.2f} | {v[2]:.0f} | {v[3]} | {rtxt} | {notes.get(n, '')} |")
EOF
