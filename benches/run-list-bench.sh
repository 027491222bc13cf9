#!/usr/bin/env bash
# Contact-list pipeline benchmark: upload -> import -> validate -> `validated` with two
# workers, beside a raw COPY of the same final rows into the same tables, in one run.
#
#   benches/run-list-bench.sh [list_bench flags]     e.g. --rows 100000 --domains 10000
#
# Makes Postgres and Redis available (scripts/services.sh), makes sure dnsmasq is installed
# (scripts/dns-fixture.sh install), builds the release binaries, then runs `list_bench`. It
# creates its own databases (reachly_bench_<random>, dropped afterwards), its own
# redis-server and its own dnsmasq (serving only the generated zone) on free ports.
# Progress goes to stderr; stdout gets the table and a final one-line JSON summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=prepare.sh
. benches/prepare.sh --dns
exec "$BIN_DIR/list_bench" "$@"
