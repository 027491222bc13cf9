#!/usr/bin/env bash
# Runs schemathesis 4 against a live API: every operation of its /openapi.json, with the
# checks `not_a_server_error` and `response_schema_conformance` (and a response-time bound),
# bounded in examples and in time. Exits non-zero on any failure.
#
#   scripts/schemathesis.sh BASE_URL [more schemathesis run options]
#
# e.g. `REACHLY_TOKEN=$(target/debug/reachly-api token) scripts/schemathesis.sh http://127.0.0.1:8080`
#
# schemathesis is installed on first use into .venv-schemathesis (python3 -m venv, then
# `pip install 'schemathesis>=4,<5'` from PyPI).
#
# Environment:
#   REACHLY_TOKEN               a bearer token of an organization's admin (required)
#   SCHEMATHESIS_IDS_DIR        optional directory of id files: `<name>.txt`, one id a line
#                               in double quotes,
#                               for the operations under /v1/<name>/{id} (jobs,
#                               contact-lists, email-templates, forms, campaigns, leads,
#                               gdpr): their `{id}` is taken from it 3 times in 4 (else
#                               generated), so the run reaches real rows, not only 404s
#   SCHEMATHESIS_MAX_EXAMPLES   generated cases per operation and phase (default 25)
#   SCHEMATHESIS_SEED           the random seed (default 20261130: every run the same)
#   SCHEMATHESIS_TIMEOUT        seconds before the whole run is stopped (default 300)
#   SCHEMATHESIS_WORKERS        concurrent workers (default 2)
#   SCHEMATHESIS_CHECKS         the checks (default not_a_server_error,response_schema_conformance;
#                               `all` adds e.g. positive_data_acceptance, which finds constraints
#                               the document does not state)
set -euo pipefail
TAG=schemathesis
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

[ $# -ge 1 ] || {
    usage
    exit 2
}
base="${1%/}"
shift
[ -n "${REACHLY_TOKEN:-}" ] || die "REACHLY_TOKEN is not set"

venv="$ROOT/.venv-schemathesis"
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    log "installing schemathesis into $venv"
    if ! python3 -m venv "$venv"; then
        # Debian's python3 lacks venv until python3-venv is installed.
        log "installing python3-venv"
        as_root apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

# The config: each resource's ids as a dictionary its `{id}` is drawn from.
config="$(mktemp -d)/schemathesis.toml"
trap 'rm -rf "$(dirname "$config")"' EXIT
{
    echo 'color = false'
    # No state kept between runs (each run the same, nothing written beside the caller).
    printf '[cache]\nenabled = false\n'
    if [ -n "${SCHEMATHESIS_IDS_DIR:-}" ]; then
        for file in "$SCHEMATHESIS_IDS_DIR"/*.txt; do
            [ -s "$file" ] || continue
            name="$(basename "$file" .txt)"
            printf '\n[dictionaries.%s]\nfrom-file = "%s"\n' "${name//-/_}" "$file"
        done
        for file in "$SCHEMATHESIS_IDS_DIR"/*.txt; do
            [ -s "$file" ] || continue
            name="$(basename "$file" .txt)"
            printf '\n[[operations]]\ninclude-path-regex = "^/v1/%s/.*\\\\{id\\\\}"\n' "$name"
            printf 'parameters = { "path.id" = { dictionary = "%s", probability = 0.75 } }\n' \
                "${name//-/_}"
        done
    fi
} >"$config"

log "running against $base (examples ${SCHEMATHESIS_MAX_EXAMPLES:-25} per operation and phase)"
started=$SECONDS
status=0
timeout --kill-after=10 "${SCHEMATHESIS_TIMEOUT:-300}" \
    "$venv/bin/schemathesis" --config-file "$config" run "$base/openapi.json" \
    --url "$base" \
    --checks "${SCHEMATHESIS_CHECKS:-not_a_server_error,response_schema_conformance}" \
    --max-response-time 15 \
    --header "Authorization: Bearer $REACHLY_TOKEN" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
    --seed "${SCHEMATHESIS_SEED:-20261130}" \
    --workers "${SCHEMATHESIS_WORKERS:-2}" \
    --request-timeout 30 \
    "$@" || status=$?
[ "$status" -eq 124 ] && log "stopped after ${SCHEMATHESIS_TIMEOUT:-300} s"
log "finished in $((SECONDS - started)) s with status $status"
exit "$status"
