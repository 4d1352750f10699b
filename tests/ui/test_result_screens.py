"""Screenshots of the Inspector's headline and the Exchange card from the real window under
Xvfb (issue 15), light and dark: taken into test-artifacts/, and not blank."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.helpers.oidc_provider import CLIENTS
from tests.ui.test_real_window import ARTIFACTS, REPO, xvfb  # noqa: F401 - the fixture

pytestmark = [pytest.mark.xvfb, pytest.mark.integration]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_truncated_token_and_the_exchange_card_under_xvfb(xvfb, tmp_path,  # noqa: F811
                                                               oidc_provider, dark):
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", TOKENDESK_HOME=str(tmp_path))
    argv = [sys.executable, "-m", "tests.helpers.result_screens", str(ARTIFACTS),
            "--issuer", oidc_provider.issuer, "--secret", CLIENTS["tokendesk-basic"][0],
            "--refresh", oidc_provider.mint()] + (["--dark"] if dark else [])
    result = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    suffix = "-dark" if dark else ""
    for name in ("inspector-truncated", "inspector-text", "exchange-card", "exchange-replay"):
        shot = ARTIFACTS / f"{name}{suffix}.png"
        assert str(shot) in result.stdout
        image = QImage(str(shot))
        assert image.width() >= 1000 and image.height() >= 700
        colors = {image.pixel(x, y) for x in range(0, image.width(), 7)
                  for y in range(0, image.height(), 7)}
        assert len(colors) > 50, f"{shot.name} is (almost) one color"
    assert Path(ARTIFACTS).is_dir()
