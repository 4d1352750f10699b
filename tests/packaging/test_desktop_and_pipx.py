"""Linux desktop integration files are valid, and `pipx install .` gives a working command."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.tokendesk.Tokendesk"
PIPX = ROOT / ".venv" / "bin" / "pipx"


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli comes with Debian's appstream (scripts/setup.sh)")
def test_appstream_metainfo_validates():
    result = subprocess.run(["appstreamcli", "validate", "--no-net",
                             str(ROOT / "resources" / "linux" / f"{APP_ID}.metainfo.xml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate comes with desktop-file-utils (setup.sh)")
def test_desktop_file_validates():
    result = subprocess.run(["desktop-file-validate",
                             str(ROOT / "resources" / "linux" / f"{APP_ID}.desktop")],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout


def test_icons_at_the_standard_sizes():
    from PySide6.QtGui import QImage

    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(ROOT / "resources" / "icons" / f"tokendesk-{size}.png"))
        assert (image.width(), image.height()) == (size, size)


def test_install_desktop_script(tmp_path):
    result = subprocess.run(["bash", str(ROOT / "packaging" / "install-desktop.sh")],
                            env={**os.environ, "PREFIX": str(tmp_path),
                                 "TOKENDESK_EXEC": "/opt/tokendesk/tokendesk"},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    desktop = (tmp_path / "share" / "applications" / f"{APP_ID}.desktop").read_text()
    assert "Exec=/opt/tokendesk/tokendesk gui" in desktop
    assert (tmp_path / "share" / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    assert (tmp_path / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()


@pytest.mark.integration
@pytest.mark.skipif(not PIPX.exists(), reason="pipx is installed into .venv by scripts/setup.sh")
def test_pipx_install_gives_the_tokendesk_command(tmp_path):
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin"),
           "PIPX_MAN_DIR": str(tmp_path / "man")}
    result = subprocess.run([str(PIPX), "install", str(ROOT)], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    command = tmp_path / "bin" / "tokendesk"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("tokendesk ")
    smoke = subprocess.run([str(command), "gui", "--smoke-test"], capture_output=True, text=True,
                           env={**env, "QT_QPA_PLATFORM": "offscreen",
                                "TOKENDESK_HOME": str(tmp_path / "home")}, timeout=120)
    assert smoke.returncode == 0, smoke.stderr[-2000:]
    icons = list((tmp_path / "pipx").rglob("tokendesk/ui/icons/tokendesk-256.png"))
    assert icons, "the icons are installed with the package"
