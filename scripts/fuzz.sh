#!/usr/bin/env bash
# Runs one fuzz target (outside CI): installs cargo-fuzz when missing, then fuzzes the
# target on nightly Rust for the given seconds, starting from its committed seeds.
#
#   scripts/fuzz.sh <csv_reader|address|lead_filters> [seconds, default 600]
#
# libFuzzer prints the number of inputs tried (`#N DONE`) at the end; a crash leaves its input
# in fuzz/artifacts/<target>/ (commit it to fuzz/seeds/<target>/ once fixed, and the test
# suite replays it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
target="${1:?usage: scripts/fuzz.sh <target> [seconds]}"
seconds="${2:-600}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
corpus="corpus/$target"
mkdir -p "$corpus"
cp -n "seeds/$target"/* "$corpus"/ 2>/dev/null || true
exec cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$seconds"
