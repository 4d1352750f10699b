"""The expiry warning of a credential that a refresh cannot help (or whose state is unknown)
reads as a sentence, for each state."""

from __future__ import annotations

import jwt as pyjwt
import pytest

from tests.conftest import NOW

pytestmark = pytest.mark.integration

EXPECTED = {
    "needs sign-in": "its credential needs a new sign-in: sign in again (Exchange ▸ Sign in…), "
                     "or store a new refresh token in the Vault.",
    "revoked": "its credential was revoked: sign in again (Exchange ▸ Sign in…), or store a "
               "new refresh token in the Vault.",
    "revoke pending": "its credential's revocation was not confirmed: revoke it again "
                      "(Exchange ▸ Revoke…).",
    "reuse detected": "its refresh token was used twice, and the server may have revoked it: "
                      "sign in again (Exchange ▸ Sign in…).",
    "unknown": "the state of its credential is unknown: refresh it in the Exchange view to "
               "find out.",
}


@pytest.mark.parametrize("status", list(EXPECTED))
def test_the_warning_of_a_credential_in_each_state_reads_naturally(
        status, make_window, keyring_store_factory, clock):
    from tokendesk.core.vault import Client, TokenSet
    from tokendesk.core.vault.model import Status

    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    vault = win.vault_controller.vault
    vault.add_client(Client("op", "https://op.example/", "c", warn_minutes=2))
    access = pyjwt.encode({"sub": "u", "exp": NOW + 3600}, "k" * 32, algorithm="HS256")
    vault.add_credential("alice", "op", TokenSet("rt-alice", access))
    vault.set_status("alice", Status(status), "a test")
    warnings: list[str] = []
    win.expiry_view.warned.connect(warnings.append)
    win.tabs.setCurrentWidget(win.expiry_view)
    clock.t = NOW + 3600 - 100
    win.expiry_view.tick()
    said = [w for w in warnings if w.startswith("The access token of alice")]
    assert said == ["The access token of alice expires in less than 2 min: " + EXPECTED[status]]
