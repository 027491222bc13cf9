# shellcheck shell=bash
# Sourced by the benches/run-*-bench.sh scripts, from the repository's root:
#   . benches/prepare.sh [--with-node] [--dns]
# Makes Postgres and Redis available (scripts/services.sh; node and npm too with
# --with-node) and exports their environment, installs dnsmasq for the DNS zones (--dns),
# and builds every workspace binary in release mode with the workspace's unified features
# (`cargo run -p reachly-benches` would rebuild the dependencies with another feature set).
# Sets BIN_DIR to where the release binaries are.
bench_services_args=()
bench_dns=false
for bench_arg in "$@"; do
    case "$bench_arg" in
        --with-node) bench_services_args+=(--with-node) ;;
        --dns) bench_dns=true ;;
        *) echo "benches/prepare.sh: unknown option $bench_arg" >&2; exit 2 ;;
    esac
done
# Its stdout is the environment (.env.example's lines); a failure stops us here.
ENV_LINES="$(scripts/services.sh "${bench_services_args[@]}")"
set -a
eval "$ENV_LINES"
set +a
if $bench_dns; then
    scripts/dns-fixture.sh install
fi
cargo build --release --bins
BIN_DIR="${CARGO_TARGET_DIR:-$PWD/target}/release"
