#!/usr/bin/env bash
# Sets up everything Tokendesk needs on a fresh Debian machine: system packages (apt),
# the Python virtual environment at .venv/, the npm packages of the test OpenID provider and
# the Keycloak server the integration tests run (from Maven Central, into a cache folder).
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
# Keycloak for the integration tests (tests/helpers/keycloak.py): the pinned server
# distribution from Maven Central, unpacked once into a cache folder and reused while the
# version is unchanged. It runs on Java 21 or later, which setup looks for but never downloads.
KEYCLOAK_VERSION="$(tr -d '[:space:]' < tests/keycloak/VERSION)"
KEYCLOAK_CACHE="${TOKENDESK_KEYCLOAK_CACHE:-${XDG_CACHE_HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)/.cache}/tokendesk/keycloak}"
kc_home="$KEYCLOAK_CACHE/keycloak-$KEYCLOAK_VERSION"
java21=""
for jdk in ${JAVA_HOME:-} /usr/lib/jvm/*; do
  major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release" 2>/dev/null || true)"
  if [ -n "$major" ] && [ "$major" -ge 21 ] && [ -x "$jdk/bin/java" ]; then java21="$jdk"; break; fi
done
if [ -z "$java21" ]; then
  echo "setup: Keycloak $KEYCLOAK_VERSION (for the tests) needs Java 21 or later, and none is in" \
       "JAVA_HOME or /usr/lib/jvm: install a JDK 21+ (e.g. apt-get install openjdk-21-jdk-headless)" >&2
  exit 1
fi
if [ ! -x "$kc_home/bin/kc.sh" ] || [ ! -d "$kc_home/lib/lib" ]; then
  if ! command -v mvn >/dev/null; then
    echo "setup: installing maven (to fetch Keycloak from Maven Central)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends maven >/dev/null
  fi
  echo "setup: installing Keycloak $KEYCLOAK_VERSION into $KEYCLOAK_CACHE"
  mkdir -p "$KEYCLOAK_CACHE"
  staging="$(mktemp -d "$KEYCLOAK_CACHE/.install-XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  zip="$KEYCLOAK_CACHE/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"  # kept by an earlier try
  if [ ! -s "$zip" ]; then
    if ! out="$(cd "$staging" && mvn -q -B -Dstyle.color=never dependency:copy \
        "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
        "-DoutputDirectory=$staging" 2>&1)"; then
      echo "$out" >&2
      echo "setup: could not fetch Keycloak $KEYCLOAK_VERSION from Maven Central (above)" >&2
      exit 1
    fi
    zip="$staging/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  fi
  if command -v unzip >/dev/null; then
    unzip -q "$zip" -d "$staging"
  else
    python3 -m zipfile -e "$zip" "$staging" && chmod +x "$staging/keycloak-$KEYCLOAK_VERSION"/bin/*.sh
  fi
  rm -rf "$kc_home"
  mv "$staging/keycloak-$KEYCLOAK_VERSION" "$kc_home"
  rm -rf "$staging"; trap - EXIT
fi

echo "setup: ready"
