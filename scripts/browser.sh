#!/usr/bin/env bash
# The browser the dashboard's tests drive: Debian's Chromium and its WebDriver.
#
#   scripts/browser.sh install     install chromium and chromium-driver when missing
#
# Idempotent. Needs root (or sudo) only when something is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAG=browser
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"

case "${1:-}" in
install)
    if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
        exit 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "chromium and chromedriver are missing and there is no apt-get: install them by hand"
    log "installing chromium and chromium-driver"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        chromium chromium-driver >&2
    ;;
*)
    usage
    exit 2
    ;;
esac
