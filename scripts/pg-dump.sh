#!/usr/bin/env bash
# Dumps one database of the local PostgreSQL, schema and every row, as a superuser: the
# application roles cannot read every partition under forced row-level security, so this is
# how a test proves that an erasure left nothing behind.
#
#   scripts/pg-dump.sh DATABASE > dump.sql
#
# Environment: REACHLY_PG_PORT, REACHLY_PG_SUPERUSER and PGPASSWORD, as scripts/services.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAG=pg-dump
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"

[ "$#" -eq 1 ] || {
    usage
    exit 2
}
via="$(pg_superuser_via)" || die "cannot connect to PostgreSQL as a superuser (see scripts/services.sh)"
as_pg_superuser "$via" pg_dump --no-owner --no-privileges -d "$1"
