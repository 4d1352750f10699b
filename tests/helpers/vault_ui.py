"""Driving the Vault view as a person would: the client form, the Store refresh token dialog."""

from __future__ import annotations

import json

import jwt as pyjwt

from tests.conftest import NOW
from tests.helpers.named import named, on_dialog

__all__ = ["ACCESS", "NOW", "REFRESH", "SECRET", "add_client", "add_credential", "fill_client"]

SECRET = "gui-client-secret-77aa66bb"
REFRESH = "gui-refresh-token-0f1e2d3c4b5a"
ACCESS = pyjwt.encode({"sub": "dora", "exp": NOW + 120}, "a" * 32, algorithm="HS256")


def fill_client(dialog, name="dev", issuer="https://op.example/"):
    """Fill the client form as a person would: the generic preset, an issuer, an ID, a secret."""
    provider = named(dialog, "Provider")
    provider.setCurrentIndex(provider.findData("generic"))
    named(dialog, "Issuer URL").setText(issuer)
    named(dialog, "Client ID").setText("client-1")
    named(dialog, "Client secret").setText(SECRET)
    named(dialog, "Name").setText(name)


def add_client(window, name="dev"):
    def fill(d):
        fill_client(d, name)
        named(d, "Add client").click()
    with on_dialog(fill):
        named(window.vault_view, "Add client").click()


def add_credential(window, name="dora", tokens=None):
    def fill(d):
        named(d, "Name").setText(name)
        named(d, "Refresh token or token response").setText(
            tokens or json.dumps({"refresh_token": REFRESH, "access_token": ACCESS}))
        d.buttons.accepted.emit()
    with on_dialog(fill):
        named(window.vault_view, "Store refresh token").click()
