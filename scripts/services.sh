#!/usr/bin/env bash
# Make PostgreSQL and Redis available on loopback for the demo, the tests and CI, then create
# the Reachly roles and database (scripts/sql/bootstrap.sql).
#
#   scripts/services.sh [--with-node]
#
# Idempotent: run it as often as you like. For each service, whatever already answers on the
# port is reused. Otherwise the Debian package is installed if missing (one `apt-get update`,
# then only the missing packages) and the service is started WITHOUT systemd (containers have
# none): PostgreSQL through pg_ctlcluster, Redis as a daemonized redis-server with no
# persistence. The `redis-server` binary is always made available on PATH (tests start private
# instances on other ports); node and npm only with --with-node (the BullMQ baseline bench).
#
# Progress goes to stderr; stdout carries only the environment (the lines of .env.example), so
#   scripts/services.sh > .env            or    set -a; eval "$(scripts/services.sh)"; set +a
#
# Environment (all optional):
#   REACHLY_PG_PORT         PostgreSQL port on 127.0.0.1 (default 5432)
#   REACHLY_REDIS_PORT      Redis port on 127.0.0.1 (default 6379)
#   REACHLY_PG_SUPERUSER    superuser tried over TCP first (default postgres); PGPASSWORD is
#                           honoured, e.g. for a CI service container with a password
#   REACHLY_SERVICES_WAIT   seconds to wait for each service to answer (default 60)
set -euo pipefail

PG_PORT="${REACHLY_PG_PORT:-5432}"
REDIS_PORT="${REACHLY_REDIS_PORT:-6379}"
PG_SUPERUSER="${REACHLY_PG_SUPERUSER:-postgres}"
WAIT_SECONDS="${REACHLY_SERVICES_WAIT:-60}"
WITH_NODE=0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOOTSTRAP_SQL="$ROOT/scripts/sql/bootstrap.sql"
ENV_EXAMPLE="$ROOT/.env.example"

TAG=services
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"

for arg in "$@"; do
    case "$arg" in
    --with-node) WITH_NODE=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument: $arg (try --help)" ;;
    esac
done

[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "REACHLY_PG_PORT must be a port number, got '$PG_PORT'"
[[ "$REDIS_PORT" =~ ^[0-9]+$ ]] || die "REACHLY_REDIS_PORT must be a port number, got '$REDIS_PORT'"
[[ "$WAIT_SECONDS" =~ ^[0-9]+$ ]] || die "REACHLY_SERVICES_WAIT must be a number of seconds"
[ -r "$BOOTSTRAP_SQL" ] || die "cannot read $BOOTSTRAP_SQL"

# ---------------------------------------------------------------------------------------------
# Packages: collect what is missing, then one `apt-get update` and one `apt-get install`.

MISSING=()
want_pkg() {
    local pkg
    for pkg in "$@"; do
        [[ " ${MISSING[*]-} " == *" $pkg "* ]] || MISSING+=("$pkg")
    done
}
need_cmd() { command -v "$1" >/dev/null 2>&1 || want_pkg "$2"; }

# True when something accepts TCP connections on 127.0.0.1:$1 (no client tools needed).
port_open() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

pg_server_installed() {
    command -v pg_ctlcluster >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages ($*) and no apt-get: install them by hand"
    log "installing missing packages: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        APT_UPDATED=1
    fi
    # LANG=C.UTF-8: a cluster the postgresql package creates on install gets UTF8, not SQL_ASCII.
    as_root env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 \
        apt-get install -y -q --no-install-recommends "$@" >&2
}

need_cmd psql postgresql-client
need_cmd pg_isready postgresql-client
need_cmd redis-server redis-server
need_cmd redis-cli redis-tools
if [ "$WITH_NODE" -eq 1 ]; then
    need_cmd node nodejs
    need_cmd npm npm
fi
# The server package only when nothing answers on the port (a CI service container, a
# PostgreSQL started by other means, ... are all fine).
if ! port_open "$PG_PORT" && ! pg_server_installed; then
    want_pkg postgresql
fi
apt_install ${MISSING[@]+"${MISSING[@]}"}

# Bounded wait: `wait_until <seconds> <command...>`.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 3 >/dev/null 2>&1; }

# 0 accepting, 1 rejecting (starting up / shutting down), 2 no response, 3 bad arguments.
pg_status() {
    local rc=0
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 3 >/dev/null 2>&1 || rc=$?
    echo "$rc"
}

start_postgres() {
    pg_server_installed || die "PostgreSQL server is not installed and nothing answers on 127.0.0.1:$PG_PORT"
    local ver="" name=""
    # A cluster configured for our port (pg_lsclusters reads /etc/postgresql/<ver>/<name>).
    read -r ver name < <(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2; exit }') || true
    if [ -z "$ver" ]; then
        ver="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null |
            awk -F/ '{ print $5 }' | sort -V | tail -n 1)"
        [ -n "$ver" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
        name=main
        if [ -d "/etc/postgresql/$ver/main" ]; then
            name="reachly$PG_PORT" # main exists but listens on another port
        fi
        log "creating PostgreSQL cluster $ver/$name on port $PG_PORT"
        as_root env LANG=C.UTF-8 pg_createcluster --locale C.UTF-8 -p "$PG_PORT" "$ver" "$name" >&2
    fi
    # pg_ctlcluster creates the socket directory too; make sure /run tmpfs loss is harmless.
    as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    if as_root pg_ctlcluster "$ver" "$name" status >/dev/null 2>&1; then
        log "PostgreSQL cluster $ver/$name is running; waiting for it to accept connections"
    else
        log "starting PostgreSQL cluster $ver/$name (pg_ctlcluster, no systemd)"
        as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 ||
            die "pg_ctlcluster $ver $name start failed; see /var/log/postgresql/postgresql-$ver-$name.log"
    fi
    PG_LOG="/var/log/postgresql/postgresql-$ver-$name.log"
}

PG_LOG=""
case "$(pg_status)" in
0) log "PostgreSQL answers on 127.0.0.1:$PG_PORT: reusing it" ;;
1) log "PostgreSQL on 127.0.0.1:$PG_PORT is not accepting connections yet: waiting" ;;
*) start_postgres ;;
esac
if ! wait_until "$WAIT_SECONDS" pg_ready; then
    [ -n "$PG_LOG" ] && [ -r "$PG_LOG" ] && tail -n 20 "$PG_LOG" >&2
    die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT within ${WAIT_SECONDS}s"
fi

# ---------------------------------------------------------------------------------------------
# Redis

redis_ready() {
    [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

REDIS_LOG=""
if redis_ready; then
    log "Redis answers on 127.0.0.1:$REDIS_PORT: reusing it"
else
    if port_open "$REDIS_PORT"; then
        die "something listens on 127.0.0.1:$REDIS_PORT but does not answer PING with PONG (password? not Redis?)"
    fi
    run_dir="${TMPDIR:-/tmp}/reachly-redis-$REDIS_PORT"
    mkdir -p "$run_dir"
    REDIS_LOG="$run_dir/redis.log"
    log "starting redis-server on 127.0.0.1:$REDIS_PORT (daemonized, no persistence, log $REDIS_LOG)"
    (cd "$run_dir" && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir "$run_dir" --logfile "$REDIS_LOG" \
        --pidfile "$run_dir/redis.pid") >&2 || die "redis-server failed to start; see $REDIS_LOG"
fi
if ! wait_until "$WAIT_SECONDS" redis_ready; then
    [ -n "$REDIS_LOG" ] && [ -r "$REDIS_LOG" ] && tail -n 20 "$REDIS_LOG" >&2
    die "Redis did not answer PING on 127.0.0.1:$REDIS_PORT within ${WAIT_SECONDS}s"
fi

# ---------------------------------------------------------------------------------------------
# Bootstrap: roles and database, as a superuser.

SU_VIA="$(pg_superuser_via)" ||
    die "cannot connect to PostgreSQL on port $PG_PORT as a superuser: tried
    psql -h 127.0.0.1 -U $PG_SUPERUSER   (set PGPASSWORD / REACHLY_PG_SUPERUSER if it needs them)
    runuser -u postgres -- psql          (peer auth on the local socket)"
log "bootstrapping as a superuser ($SU_VIA)"

# stdin, not -f <path>: the postgres OS user may not be able to read the checkout.
as_pg_superuser "$SU_VIA" psql -X -d postgres -q -v ON_ERROR_STOP=1 -f - <"$BOOTSTRAP_SQL" >&2 ||
    die "scripts/sql/bootstrap.sql failed"

# Prove that each role can log in with its password over TCP (a fresh Debian cluster uses
# scram-sha-256 for host connections) and has the attributes the design relies on.
for role in reachly_owner reachly_app reachly_maint; do
    url="postgres://$role:$role@127.0.0.1:$PG_PORT/reachly"
    if ! attrs="$(psql -X -w "$url" -Atqc \
        "select rolsuper::text || ',' || rolbypassrls::text from pg_roles where rolname = current_user" 2>&1)"; then
        die "cannot log in as $role over TCP ($url): $attrs
    check pg_hba.conf allows password (scram-sha-256 or md5) auth for host 127.0.0.1"
    fi
    case "$role:$attrs" in
    reachly_owner:false,false | reachly_app:false,false | reachly_maint:false,true) ;;
    *) die "$role has unexpected attributes (superuser,bypassrls) = ($attrs)" ;;
    esac
done
log "roles reachly_owner, reachly_app, reachly_maint log in to database reachly over TCP"

# ---------------------------------------------------------------------------------------------
# The environment this setup assumes: .env.example with the ports actually used.

log "ready; environment assumed (same as .env.example):"
if [ -r "$ENV_EXAMPLE" ]; then
    sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
        -e "s#@127\.0\.0\.1:5432/#@127.0.0.1:$PG_PORT/#" \
        -e "s#//127\.0\.0\.1:6379/#//127.0.0.1:$REDIS_PORT/#" \
        "$ENV_EXAMPLE"
else
    cat <<EOF
DATABASE_URL=postgres://reachly_owner:reachly_owner@127.0.0.1:$PG_PORT/reachly
APP_DATABASE_URL=postgres://reachly_app:reachly_app@127.0.0.1:$PG_PORT/reachly
MAINT_DATABASE_URL=postgres://reachly_maint:reachly_maint@127.0.0.1:$PG_PORT/reachly
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
EOF
fi
