#!/usr/bin/env bash
# Queue overhead benchmark: Reachly jobs vs BullMQ 5, both measured in one run.
#
#   benches/run-queue-bench.sh [queue-bench flags]     e.g. --jobs 20000 --concurrency 100
#
# Makes Postgres, Redis, node and npm available (scripts/services.sh --with-node), builds the
# release binaries, then runs `queue-bench` in release mode. It creates its own database
# (reachly_bench_<random>, dropped afterwards) and its own redis-server on a free port.
# Progress goes to stderr; stdout gets the table and a final one-line JSON summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=prepare.sh
. benches/prepare.sh --with-node
exec "$BIN_DIR/queue-bench" "$@"
