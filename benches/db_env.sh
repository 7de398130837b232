# Why: what the database benchmarks (db_connections.sh, odbc.sh) share, sourced by them: the recon binary
# ($RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon), the servers ($PGURL, $MYURL), the pair's key, and
# /usr/bin/time.
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
MYURL=${MYURL:-mysql://root@127.0.0.1:3306/test}
KEY=l_orderkey,l_linenumber
[ -x "$RECON" ] || { echo "$(basename "$0"): no recon binary at $RECON (set RECON_BIN or build it)" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; fi
