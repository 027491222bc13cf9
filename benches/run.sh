#!/usr/bin/env bash
# Runs one pipeline benchmark binary after preparing the machine for it:
#
#   benches/run.sh BENCH [--dns] -- [BENCH flags]      e.g. benches/run.sh send_bench -- --recipients 1000
#
# `benches/prepare.sh` makes Postgres and Redis available, builds the release binaries (and,
# with --dns, installs dnsmasq for the DNS zones); then BENCH runs with its flags.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench="$1"
shift
prepare_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    prepare_args+=("$1")
    shift
done
[ $# -gt 0 ] && shift
bench_args=("$@")
set -- "${prepare_args[@]}"
# shellcheck source=prepare.sh
. benches/prepare.sh
exec "$BIN_DIR/$bench" "${bench_args[@]}"
