"""Django OAuth Toolkit on 127.0.0.1: the tests' second, independent provider (DESIGN.md "Real
components in tests").

One SQLite database is migrated and filled once (``migrate``, ``tokendesk_setup``: the user and
clients), then copied for each configuration, and each configuration runs as its own
``manage.py runserver --noreload`` process on a free port, started once per test session:

* ``rotate``    rotation on, reuse protection on, OpenID Connect on;
* ``norotate``  rotation off (the same refresh token comes back), OpenID Connect on;
* ``plain``     rotation on, reuse protection off, OpenID Connect off (OAuth only).

How it differs from oidc-provider (and Tokendesk must cope): revocation and introspection are
listed only in its RFC 8414 document, it introspects access tokens only, it publishes no device
authorization endpoint (set by hand), and one client has one grant type.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.oidc_provider import free_port

DOT_DIR = Path(__file__).resolve().parent.parent / "dot"

#: client_id -> (secret, Tokendesk auth method); as tests/dot/.../tokendesk_setup.py creates
CLIENTS = {
    "td-basic": ("dot-basic-secret-for-tests-0123456789", "client_secret_basic"),
    "td-public": (None, "none"),
    "td-device": (None, "none"),
    "td-machine": ("dot-machine-secret-for-tests-0123456789", "client_secret_basic"),
}
PASSWORD = "dot-password-for-tests"  # noqa: S105 - the test user's, on loopback

CONFIGS: dict[str, dict[str, str]] = {
    "rotate": {"DOT_ROTATE": "1", "DOT_REUSE": "1", "DOT_OIDC": "1"},
    "norotate": {"DOT_ROTATE": "0", "DOT_REUSE": "0", "DOT_OIDC": "1"},
    "plain": {"DOT_ROTATE": "1", "DOT_REUSE": "0", "DOT_OIDC": "0"},
}


@dataclass
class DotServer:
    config: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"

    @property
    def rotation(self) -> bool:
        return CONFIGS[self.config]["DOT_ROTATE"] == "1"

    @property
    def reuse_protection(self) -> bool:
        return CONFIGS[self.config]["DOT_REUSE"] == "1"

    @property
    def oidc(self) -> bool:
        return CONFIGS[self.config]["DOT_OIDC"] == "1"

    @property
    def device_endpoint(self) -> str:
        """Not published in either discovery document: set by hand."""
        return f"{self.issuer}/device-authorization/"

    @property
    def scope(self) -> str:
        return "openid read" if self.oidc else "read"

    def mint(self, client_id: str = "td-basic", sub: str = "alice", **extra: Any) -> str:
        response = httpx.post(f"{self.base}/test/mint",
                              json={"client_id": client_id, "sub": sub, **extra}, timeout=10)
        response.raise_for_status()
        return str(response.json()["refresh_token"])

    def live_refresh_tokens(self) -> int:
        return int(httpx.get(f"{self.base}/test/count", timeout=10).text)


class DotProviders:
    """Every configuration, started together; ``[name]`` gives one."""

    def __init__(self) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="tokendesk-dot-"))
        self.servers: dict[str, DotServer] = {}
        self.startup_seconds = 0.0

    def __getitem__(self, name: str) -> DotServer:
        return self.servers[name]

    def _env(self, port: int | str, config: dict[str, str]) -> dict[str, str]:
        return {**os.environ, "DOT_DATA": str(self.data), "DOT_PORT": str(port), **config,
                "DJANGO_SETTINGS_MODULE": "dotsite.settings", "PYTHONUNBUFFERED": "1"}

    def start(self) -> DotProviders:
        started = time.perf_counter()
        try:
            import oauth2_provider  # noqa: F401
        except ImportError:
            raise RuntimeError("django-oauth-toolkit is missing: run scripts/setup.sh (the "
                               "dev extra of pyproject.toml)") from None
        self._signing_key()
        manage = [sys.executable, str(DOT_DIR / "manage.py")]
        env = self._env("template", CONFIGS["rotate"])
        for command in (["migrate", "--noinput", "-v", "0"], ["tokendesk_setup"]):
            subprocess.run([*manage, *command], cwd=DOT_DIR, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        template = self.data / "db-template.sqlite3"
        for name, config in CONFIGS.items():
            port = free_port()
            shutil.copyfile(template, self.data / f"db-{port}.sqlite3")
            proc = subprocess.Popen(
                [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=DOT_DIR,
                env=self._env(port, config), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            self.servers[name] = DotServer(name, port, proc)
        deadline = time.monotonic() + 60
        for server in self.servers.values():
            url = f"{server.base}/.well-known/oauth-authorization-server/o"
            while True:
                if server.proc.poll() is not None:
                    raise RuntimeError(f"the DOT server '{server.config}' exited "
                                       f"({server.proc.returncode})")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the DOT server '{server.config}' did not start")
                time.sleep(0.1)
        self.startup_seconds = time.perf_counter() - started
        return self

    def _signing_key(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (self.data / "oidc.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    def stop(self) -> None:
        for server in self.servers.values():
            server.proc.terminate()
        for server in self.servers.values():
            try:
                server.proc.wait(10)
            except subprocess.TimeoutExpired:
                server.proc.kill()
        shutil.rmtree(self.data, ignore_errors=True)


def client_record(server: DotServer, client_id: str, name: str | None = None,
                  **endpoints: str) -> Any:
    """A vault Client for one of the DOT clients (the device endpoint set by hand for
    td-device: DOT publishes none)."""
    from tokendesk.core.vault.model import Client

    _secret, method = CLIENTS[client_id]
    if client_id == "td-device":
        endpoints.setdefault("device_authorization_endpoint", server.device_endpoint)
    return Client(name or client_id, server.issuer, client_id, method, server.scope,
                  endpoints=dict(endpoints))
