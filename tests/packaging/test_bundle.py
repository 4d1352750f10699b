"""The PyInstaller bundle, built from this checkout, started the way a user starts it: offscreen,
under Xvfb, from the command line, and with keyring access to a real Secret Service.

Building takes about a minute; the bundle is built once per test session (into dist/, where
packaging/build.sh puts it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "tokendesk"
EXE = BUNDLE / "tokendesk"

pytestmark = [pytest.mark.integration, pytest.mark.skipif(
    sys.platform != "linux", reason="the bundle is built and tested on Linux here")]


@pytest.fixture(scope="session")
def bundle() -> Path:
    result = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert EXE.is_file() and os.access(EXE, os.X_OK)
    return EXE


def _run(args: list[str], *, env: dict[str, str] | None = None, stdin: str = "",
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, input=stdin, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _smoke_figures(out: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def test_the_bundle_is_lean(bundle):
    size = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file() and not f.is_symlink())
    assert size <= 150 * 2**20, f"{size / 2**20:.0f} MB"
    names = {p.name for p in BUNDLE.rglob("*")}
    assert not any(n.startswith(("libqgtk3", "libgtk-3", "libQt6Network", "libQt6Qml"))
                   for n in names), sorted(n for n in names if "gtk" in n or "Qml" in n)
    assert (BUNDLE / "_internal" / "tokendesk" / "ui" / "icons" / "tokendesk-256.png").is_file()


def test_smoke_test_offscreen(bundle, tmp_path):
    result = _run([str(bundle), "gui", "--smoke-test"],
                  env={"QT_QPA_PLATFORM": "offscreen", "TOKENDESK_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    figures = _smoke_figures(result.stdout)
    assert float(figures["first-paint-ms"]) > 0
    assert figures["heavy-imports-at-first-paint"] == "none"
    assert figures["qt-enum-namespace-at-first-paint"] == "not built"


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is installed by setup")
def test_smoke_test_under_xvfb(bundle, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["TOKENDESK_HOME"] = str(tmp_path)
    result = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", str(bundle), "gui",
                             "--smoke-test"], capture_output=True, text=True, timeout=120,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(_smoke_figures(result.stdout)["first-paint-ms"]) > 0


def test_the_cli_in_the_bundle(bundle):
    import jwt as pyjwt

    token = pyjwt.encode({"sub": "bundle", "exp": 2_000_000_000}, "k" * 32, algorithm="HS256")
    result = _run([str(bundle), "decode", "--json"], stdin=token)
    assert result.returncode == 0, result.stderr
    assert '"sub": "bundle"' in result.stdout
    bad = _run([str(bundle), "decode"], stdin="eyJhbGciOiJIUzI1NiJ9.!!!.sig")
    assert bad.returncode == 1 and "not a base64url character" in bad.stdout
    assert _run([str(bundle), "decode"], stdin="").returncode == 2


def test_keyring_access_from_the_bundle(bundle, tmp_path, secret_service):
    """A client secret stored through the bundle lands in the real Secret Service."""
    env = {"TOKENDESK_HOME": str(tmp_path / "home")}
    secret = "bundle-client-secret-8c7d"
    added = _run([str(bundle), "client", "add", "bundled", "--issuer", "https://op.example/",
                  "--client-id", "c", "--client-secret-stdin"], env=env, stdin=secret)
    assert added.returncode == 0, added.stderr
    assert "keyring" in added.stdout.lower() or "secret service" in added.stdout.lower()
    shown = _run([str(bundle), "client", "show", "bundled", "--json"], env=env)
    assert '"has_secret": true' in shown.stdout
    # read it back from this process, through the same Secret Service
    from tokendesk.core.vault import KeyringStore, Vault

    vault = Vault(tmp_path / "home", KeyringStore(tmp_path / "home", secret_service.backend()))
    try:
        assert vault.client_secret("bundled") == secret
    finally:
        vault.close()
    assert secret not in added.stdout + added.stderr + shown.stdout
    for f in (tmp_path / "home").rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f
