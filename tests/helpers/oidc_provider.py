"""panva/oidc-provider run by node on 127.0.0.1 (tests/oidc/server.mjs), on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx

OIDC_DIR = Path(__file__).resolve().parent.parent / "oidc"
CLIENTS = {
    "tokendesk-basic": ("basic-secret-for-tests-0123456789", "client_secret_basic"),
    "tokendesk-post": ("post-secret-for-tests-0123456789", "client_secret_post"),
    "tokendesk-public": (None, "none"),
    "tokendesk-machine": ("machine-secret-for-tests-0123456789", "client_secret_basic"),
    "tokendesk-short": ("short-secret-for-tests-0123456789", "client_secret_basic"),
}
#: How long the tokendesk-short client's access and ID tokens live (tests/oidc/server.mjs).
SHORT_TTL = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OidcProvider:
    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.issuer = ""

    def start(self) -> OidcProvider:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is missing: scripts/setup.sh installs it")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("oidc-provider is not installed: run scripts/setup.sh "
                               "(npm ci in tests/oidc)")
        port = free_port()
        self.proc = subprocess.Popen([node, "server.mjs", str(port)], cwd=OIDC_DIR,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("ready "):
                self.issuer = line.split(" ", 1)[1].strip()
                return self
        raise RuntimeError("the OpenID provider did not start")

    def mint(self, client_id: str = "tokendesk-basic", sub: str = "alice",
             scope: str = "openid offline_access email") -> str:
        """A fresh refresh token from the provider's own models (no browser needed)."""
        response = httpx.get(f"{self.issuer}/test/mint",
                             params={"client_id": client_id, "sub": sub, "scope": scope})
        response.raise_for_status()
        return str(response.json()["refresh_token"])

    def granted(self, client_id: str, grant_type: str = "refresh_token") -> int:
        """How many token requests of ``grant_type`` the provider granted to ``client_id``."""
        response = httpx.get(f"{self.issuer}/test/count",
                             params={"client_id": client_id, "grant_type": grant_type})
        response.raise_for_status()
        return int(response.json()["count"])

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            if self.proc.stdout:
                self.proc.stdout.close()


def client_record(provider: OidcProvider, client_id: str, name: str | None = None) -> Any:
    from tokendesk.core.vault import Client

    _secret, method = CLIENTS[client_id]
    return Client(name or client_id, provider.issuer, client_id, method)
