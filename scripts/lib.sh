# Sourced by the scripts after setting TAG: `log`, `die` and `usage` (the script's header
# comment) under the script's tag, and `as_root`.
# shellcheck shell=bash
log() { printf '[%s] %s\n' "$TAG" "$*" >&2; }
die() {
    printf '[%s] error: %s\n' "$TAG" "$*" >&2
    exit 1
}
usage() {
    sed -n '2,/^set -euo pipefail$/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
}

# Run a command as root: directly when we are root (CI, containers), else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# How this machine lets us in as a PostgreSQL superuser: prints `tcp` (as
# $REACHLY_PG_SUPERUSER, default postgres, over TCP on $REACHLY_PG_PORT; PGPASSWORD is
# honoured) or `peer` (as the postgres OS user over the local socket, a fresh Debian
# install); fails when neither works.
pg_superuser_via() {
    local q='select rolsuper from pg_roles where rolname = current_user'
    if [ "$(as_pg_superuser tcp psql -X -d postgres -Atqc "$q" 2>/dev/null)" = t ]; then
        echo tcp
    elif id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1 &&
        [ "$(as_pg_superuser peer psql -X -d postgres -Atqc "$q" 2>/dev/null)" = t ]; then
        echo peer
    else
        return 1
    fi
}

# Runs a PostgreSQL client ($2: psql, pg_dump) with the remaining arguments as the superuser,
# the way $1 (from pg_superuser_via) says.
as_pg_superuser() {
    local via="$1" tool="$2"
    shift 2
    case "$via" in
    tcp) "$tool" -w -h 127.0.0.1 -p "${REACHLY_PG_PORT:-5432}" -U "${REACHLY_PG_SUPERUSER:-postgres}" "$@" ;;
    # cd /: the postgres OS user may not be able to read the current directory.
    peer) (cd / && as_root runuser -u postgres -- "$tool" -w -p "${REACHLY_PG_PORT:-5432}" "$@") ;;
    *) die "as_pg_superuser: unknown way in '$via'" ;;
    esac
}
