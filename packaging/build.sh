#!/usr/bin/env bash
# Builds the PyInstaller one-folder bundle at dist/tokendesk/ (executable dist/tokendesk/tokendesk)
# from a checkout after the README's setup (scripts/setup.sh installs PyInstaller into .venv).
# Prints the bundle's size at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x .venv/bin/pyinstaller ] || scripts/setup.sh
rm -rf dist/tokendesk build/pyinstaller
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/tokendesk.spec
echo "bundle: dist/tokendesk/tokendesk ($(du -sm dist/tokendesk | cut -f1) MB)"
