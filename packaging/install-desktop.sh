#!/usr/bin/env bash
# Installs the Linux desktop integration for the current user: the .desktop file, the AppStream
# metainfo and the icons at the hicolor sizes. Run it after `pipx install .`, or with
# TOKENDESK_EXEC=/path/to/dist/tokendesk/tokendesk for the bundle.
# PREFIX defaults to ~/.local; set PREFIX=/usr/local (as root) for every user.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PREFIX="${PREFIX:-$HOME/.local}"
APP_ID=io.github.tokendesk.Tokendesk
EXEC="${TOKENDESK_EXEC:-tokendesk}"
install -d "$PREFIX/share/applications" "$PREFIX/share/metainfo"
sed "s|^Exec=tokendesk|Exec=$EXEC|; s|^TryExec=tokendesk|TryExec=$EXEC|" \
  "resources/linux/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop"
install -m 0644 "resources/linux/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/"
for size in 16 24 32 48 64 128 256 512; do
  install -D -m 0644 "resources/icons/tokendesk-$size.png" \
    "$PREFIX/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
install -D -m 0644 resources/icons/tokendesk.svg "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
echo "installed $APP_ID under $PREFIX/share"
