#!/usr/bin/env bash
# Sets everything up, then opens the Tokendesk window. Extra arguments go to `tokendesk`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/tokendesk "${@:-gui}"
