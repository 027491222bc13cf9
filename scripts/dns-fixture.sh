#!/usr/bin/env bash
# The fixture DNS server for the demo and manual runs: dnsmasq on 127.0.0.1 serving the zones
# of scripts/dns/fixture.conf (all under .test; see that file for every name and its answer),
# plus a tiny SERVFAIL responder and a silent port (scripts/dns/servfail.py) that dnsmasq
# forwards servfail.test and timeout.test to. Nothing is forwarded anywhere else: names
# outside .test are REFUSED, so nothing here reaches the internet.
#
#   scripts/dns-fixture.sh start [PORT]     start (or reuse) the fixture; prints PORT on stdout
#   scripts/dns-fixture.sh stop [PORT]      stop the fixture on PORT
#   scripts/dns-fixture.sh status [PORT]    exit 0 when the fixture on PORT answers
#   scripts/dns-fixture.sh install          only make sure dnsmasq is installed
#
# PORT defaults to 5353 (REACHLY_DNS_SERVERS=127.0.0.1:5353 is the configured default).
# Idempotent: `start` on a running fixture only checks that it answers. The integration tests
# do not use this script: they spawn their own dnsmasq per test process (tests/src/dns_server.rs).
#
# Environment (all optional):
#   REACHLY_DNS_SERVFAIL_PORT    port of the SERVFAIL responder (default PORT+1)
#   REACHLY_DNS_BLACKHOLE_PORT   port that reads and never answers (default PORT+2)
#   REACHLY_DNS_EXTRA_CONF       more dnsmasq config files, colon-separated (e.g. a benchmark's
#                                generated zone of mx-host= lines)
#   REACHLY_DNS_RUN_DIR          where pid and log files go (default /tmp/reachly-dns-PORT)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONF="$ROOT/scripts/dns/fixture.conf"
RESPONDER="$ROOT/scripts/dns/servfail.py"
PROBE="$ROOT/scripts/dns/probe.py"

TAG=dns-fixture
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"

CMD="${1:-}"
PORT="${2:-5353}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$PORT'"
SERVFAIL_PORT="${REACHLY_DNS_SERVFAIL_PORT:-$((PORT + 1))}"
BLACKHOLE_PORT="${REACHLY_DNS_BLACKHOLE_PORT:-$((PORT + 2))}"
RUN_DIR="${REACHLY_DNS_RUN_DIR:-${TMPDIR:-/tmp}/reachly-dns-$PORT}"
DNSMASQ_PID="$RUN_DIR/dnsmasq.pid"
RESPONDER_PID="$RUN_DIR/servfail.pid"

# dnsmasq lives in /usr/sbin, which is not on every PATH.
find_dnsmasq() {
    command -v dnsmasq 2>/dev/null || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; } || true
}

ensure_installed() {
    if [ -z "$(find_dnsmasq)" ]; then
        command -v apt-get >/dev/null 2>&1 || die "dnsmasq is missing and there is no apt-get: install it by hand"
        log "installing dnsmasq-base"
        # Only refresh the package lists when the plain install fails (stale or empty lists).
        if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dnsmasq-base >&2; then
            as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dnsmasq-base >&2
        fi
        [ -n "$(find_dnsmasq)" ] || die "dnsmasq-base installed but no dnsmasq binary found"
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 is needed for the SERVFAIL responder"
}

# The pid in file $1 when that process is alive.
live_pid() {
    local pid
    [ -r "$1" ] || return 1
    pid="$(tr -dc '0-9' <"$1")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

answers() { python3 "$PROBE" mail-ok.test MX "$PORT" 127.0.0.1 1 >/dev/null 2>&1; }

wait_for() {
    local deadline=$((SECONDS + 10))
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

start() {
    ensure_installed
    mkdir -p "$RUN_DIR"
    if ! live_pid "$RESPONDER_PID" >/dev/null; then
        log "starting the SERVFAIL responder on 127.0.0.1:$SERVFAIL_PORT (silent port $BLACKHOLE_PORT)"
        nohup python3 "$RESPONDER" --servfail-port "$SERVFAIL_PORT" --blackhole-port "$BLACKHOLE_PORT" \
            >"$RUN_DIR/servfail.log" 2>&1 </dev/null &
        echo $! >"$RESPONDER_PID"
        sleep 0.2
        live_pid "$RESPONDER_PID" >/dev/null || {
            cat "$RUN_DIR/servfail.log" >&2
            die "the SERVFAIL responder did not start (ports $SERVFAIL_PORT/$BLACKHOLE_PORT taken?)"
        }
    fi
    if live_pid "$DNSMASQ_PID" >/dev/null; then
        log "dnsmasq already running on 127.0.0.1:$PORT (pid $(live_pid "$DNSMASQ_PID"))"
    else
        local extra=() f
        if [ -n "${REACHLY_DNS_EXTRA_CONF:-}" ]; then
            IFS=: read -r -a files <<<"$REACHLY_DNS_EXTRA_CONF"
            for f in "${files[@]}"; do
                [ -r "$f" ] || die "cannot read $f (REACHLY_DNS_EXTRA_CONF)"
                extra+=("--conf-file=$f")
            done
        fi
        log "starting dnsmasq on 127.0.0.1:$PORT (log $RUN_DIR/dnsmasq.log)"
        # Daemon mode (dnsmasq forks and writes its pid file). No /etc/resolv.conf, no
        # /etc/hosts, no system config file, no cache (answers come from local data anyway).
        "$(find_dnsmasq)" \
            --conf-file="$CONF" "${extra[@]}" \
            --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces \
            --no-resolv --no-hosts --no-poll --cache-size=0 \
            --server="/servfail.test/127.0.0.1#$SERVFAIL_PORT" \
            --server="/timeout.test/127.0.0.1#$BLACKHOLE_PORT" \
            --pid-file="$DNSMASQ_PID" --log-facility="$RUN_DIR/dnsmasq.log" \
            --user="$(id -un)" ||
            die "dnsmasq failed to start (port $PORT taken?); see $RUN_DIR/dnsmasq.log"
    fi
    if ! wait_for answers; then
        tail -n 20 "$RUN_DIR/dnsmasq.log" >&2 || true
        die "dnsmasq on 127.0.0.1:$PORT does not answer"
    fi
    log "ready: REACHLY_DNS_SERVERS=127.0.0.1:$PORT"
    echo "$PORT"
}

stop_one() {
    local pid
    if pid="$(live_pid "$1")"; then
        log "stopping $2 (pid $pid)"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$1"
}

case "$CMD" in
start) start ;;
stop)
    stop_one "$DNSMASQ_PID" dnsmasq
    stop_one "$RESPONDER_PID" "the SERVFAIL responder"
    ;;
status)
    if live_pid "$DNSMASQ_PID" >/dev/null && answers; then
        log "running on 127.0.0.1:$PORT"
    else
        log "not running on 127.0.0.1:$PORT"
        exit 1
    fi
    ;;
install) ensure_installed ;;
-h | --help | help) usage ;;
*)
    usage
    exit 2
    ;;
esac
