#!/usr/bin/env bash
# Runs the whole test suite against real services: makes PostgreSQL and Redis available
# (installing and starting them when missing), builds the binaries the end-to-end tests run
# as child processes, then runs every test. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/env.sh

scripts/services.sh >/dev/null
# The DNS fixture's server (each test process starts its own instance on a free port).
scripts/dns-fixture.sh install
# Headless Chromium and chromedriver for the dashboard's browser test.
scripts/browser.sh install

drop_test_databases() {
    local admin="${DATABASE_URL%/*}/postgres"
    psql "$admin" -tAc "select datname from pg_database where datname like 'reachly\_t\_%'" |
        while read -r db; do
            # A database another session's processes still use is left to them.
            [ -n "$db" ] && { psql "$admin" -qc "drop database if exists \"$db\" with (force)" 2>/dev/null ||
                echo "[test] could not drop $db (in use by another role's session); left as is" >&2; }
        done
}
drop_test_databases
trap drop_test_databases EXIT

cargo build --workspace --bins
cargo test --workspace "$@"
