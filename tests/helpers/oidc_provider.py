"""panva/oidc-provider run by node on 127.0.0.1 (tests/oidc/server.mjs), on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
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
    # sender-constrained tokens (issue 18): DPoP, and mutual TLS (certificates in tls_dir)
    "tokendesk-dpop": (None, "none"),
    "tokendesk-dpop-basic": ("dpop-secret-for-tests-0123456789", "client_secret_basic"),
    "tokendesk-mtls": (None, "tls_client_auth"),
    "tokendesk-mtls-self": (None, "self_signed_tls_client_auth"),
}
#: The resource whose access tokens the provider issues as JWTs (with their cnf) to the
#: tokendesk-dpop and tokendesk-mtls* clients.
API = "urn:tokendesk:test-api"
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
        #: the test CA's files (tests/helpers/test_ca.py) and the mutual-TLS listener
        self._tls: tempfile.TemporaryDirectory[str] | None = None
        self.tls_dir: Path | None = None
        self.mtls_url = ""

    def start(self) -> OidcProvider:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is missing: scripts/setup.sh installs it")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("oidc-provider is not installed: run scripts/setup.sh "
                               "(npm ci in tests/oidc)")
        from tests.helpers.test_ca import make_tls_material

        port = free_port()
        self._tls = tempfile.TemporaryDirectory(prefix="tokendesk-test-ca-")
        self.tls_dir = make_tls_material(Path(self._tls.name))
        self.proc = subprocess.Popen([node, "server.mjs", str(port), str(self.tls_dir),
                                      str(free_port())], cwd=OIDC_DIR,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("mtls "):
                self.mtls_url = line.split(" ", 1)[1].strip()
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
        if self._tls is not None:
            self._tls.cleanup()


def client_record(provider: OidcProvider, client_id: str, name: str | None = None) -> Any:
    from tokendesk.core.vault import Client

    _secret, method = CLIENTS[client_id]
    return Client(name or client_id, provider.issuer, client_id, method)
