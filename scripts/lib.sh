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
