# Sourced by the scripts: exports the configuration from .env if present, else .env.example.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -f "$ROOT/.env" ]; then ENV_FILE="$ROOT/.env"; else ENV_FILE="$ROOT/.env.example"; fi
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
