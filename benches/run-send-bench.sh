#!/usr/bin/env bash
# Campaign send benchmark: launch -> send batches -> `completed` with two workers, beside a
# raw COPY of the same event rows into the same partitioned, indexed table, in one run.
#
#   benches/run-send-bench.sh [send_bench flags]     e.g. --recipients 100000 --workers 2
#
# Makes Postgres and Redis available (scripts/services.sh), builds the release binaries,
# then runs `send_bench`. It creates its own databases (reachly_bench_<random>, dropped
# afterwards) and its own redis-server on a free port. Progress goes to stderr; stdout gets
# the table and a final one-line JSON summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A sourced script sees the caller's arguments unless given its own: keep send_bench's
# flags from prepare.sh, which takes none here.
send_args=("$@")
set --
# shellcheck source=prepare.sh
. benches/prepare.sh
exec "$BIN_DIR/send_bench" "${send_args[@]}"
