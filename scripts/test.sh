#!/usr/bin/env bash
# Sets everything up, then runs every check: ruff, mypy (strict on the core), the
# import-linter contract, and the whole pytest suite (unit, UI, integration).
# Extra arguments go to pytest, e.g. scripts/test.sh -k verify
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

echo "== ruff"
.venv/bin/ruff check app tests packaging benchmarks
echo "== mypy"
.venv/bin/mypy app/tokendesk
echo "== import-linter"
.venv/bin/lint-imports --no-cache
echo "== pytest"
set +e
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
