"""The real window on a real X server (Xvfb): it opens, paints, and is not blank."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.xvfb
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def xvfb():
    binary = shutil.which("Xvfb")
    assert binary, "Xvfb is missing: scripts/setup.sh installs it (Debian package xvfb)"
    for number in range(90, 120):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen([binary, f":{number}", "-screen", "0", "1400x900x24", "-nolisten",
                                 "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline and not Path(f"/tmp/.X11-unix/X{number}").exists():
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            yield f":{number}"
            proc.terminate()
            proc.wait(10)
            return
    pytest.fail("could not start Xvfb on any display from :90 to :119")


def _env(display: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", TOKENDESK_HOME=str(home))
    return env


def test_the_real_window_paints_under_xvfb(xvfb, tmp_path):
    result = subprocess.run([sys.executable, "-m", "tokendesk", "gui", "--smoke-test"],
                            env=_env(xvfb, tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "first-paint-ms" in result.stdout


def test_screenshot_of_the_inspector_is_not_blank(xvfb, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, str(REPO / "packaging" / "screenshot.py"),
                             str(ARTIFACTS)], env=_env(xvfb, tmp_path), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    shot = ARTIFACTS / "inspector.png"
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert image.width() >= 1000 and image.height() >= 700
    colors = {image.pixel(x, y) for x in range(0, image.width(), 7)
              for y in range(0, image.height(), 7)}
    assert len(colors) > 50, "the screenshot is (almost) one color"
