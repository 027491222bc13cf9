# Sourced by the scripts after setting TAG: `log`, `die` and `usage` (the script's header
# comment) under the script's tag.
# shellcheck shell=bash
log() { printf '[%s] %s\n' "$TAG" "$*" >&2; }
die() {
    printf '[%s] error: %s\n' "$TAG" "$*" >&2
    exit 1
}
usage() {
    sed -n '2,/^set -euo pipefail$/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
}
