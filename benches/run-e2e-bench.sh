#!/usr/bin/env bash
# End-to-end benchmark through the API only, from a fresh database: a generated CSV uploaded
# -> imported -> validated -> template, form and campaign created and launched the moment the
# list is validated -> completed, with two workers. Each phase is printed beside its raw
# baseline measured in the same run (raw COPY of the final contacts and members; a bare
# INSERT ... SELECT of the assignments; raw COPY of the events). Nothing is analyzed.
#
#   benches/run-e2e-bench.sh [flags]     e.g. --rows 20000 (default 1,000,000), --workers 2
#
# Makes Postgres and Redis available (scripts/services.sh), makes sure dnsmasq is installed,
# builds the release binaries, then runs `e2e_bench` with its own databases (dropped
# afterwards), redis-server and dnsmasq on free ports. Progress goes to stderr; stdout gets
# the table and a final one-line JSON summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=prepare.sh
. benches/prepare.sh --dns
exec "$BIN_DIR/e2e_bench" "$@"
