#!/usr/bin/env bash
# Sets up everything Tokendesk needs on a fresh Debian machine: system packages (apt),
# the Python virtual environment at .venv/, and the npm packages of the test OpenID provider.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(
  # Qt's xcb and offscreen platforms, and Xvfb for real-window screenshots
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0
  libxkbcommon0 libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
  fonts-dejavu-core
  # a real Secret Service for the vault tests
  gnome-keyring dbus dbus-x11
  # desktop integration checks (appstreamcli validate, desktop-file-validate)
  appstream desktop-file-utils
  # the test OpenID provider runs on node
  nodejs npm
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# node may come from elsewhere (nodesource, nvm): do not fight it
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.tokendesk-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[dev,package]"
  echo "$want" > "$stamp"
fi

if [ -f tests/oidc/package-lock.json ]; then
  lockhash="$(sha256sum tests/oidc/package-lock.json | cut -c1-16)"
  if [ ! -f tests/oidc/node_modules/.tokendesk-installed ] || \
     [ "$(cat tests/oidc/node_modules/.tokendesk-installed)" != "$lockhash" ]; then
    echo "setup: installing the test OpenID provider (npm ci)"
    (cd tests/oidc && npm ci --silent --no-audit --no-fund)
    echo "$lockhash" > tests/oidc/node_modules/.tokendesk-installed
  fi
fi
echo "setup: ready"
