"""The client form marks a client for DPoP (issue 18): its More section offers the proof
algorithms, the choice is stored with the client and shown again when it is edited."""

from __future__ import annotations

import pytest

from tests.helpers.named import named, on_dialog
from tests.helpers.vault_ui import fill_client

pytestmark = pytest.mark.integration


def test_a_client_marked_for_dpop_keeps_its_algorithm(make_window, keyring_store_factory,
                                                      qtbot):
    window = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in window.vault_view.where.text(), timeout=5000)

    def add(dialog):
        fill_client(dialog, "api-dev")
        named(dialog, "Show more settings").setChecked(True)
        dpop = named(dialog, "DPoP")
        assert [dpop.itemData(i) for i in range(dpop.count())] == ["", "ES256", "EdDSA", "RS256"]
        dpop.setCurrentIndex(dpop.findData("EdDSA"))
        named(dialog, "Add client").click()
    with on_dialog(add):
        named(window.vault_view, "Add client").click()
    assert window.vault_controller.vault.client("api-dev").dpop_alg == "EdDSA"

    def check_and_turn_off(dialog):
        dpop = named(dialog, "DPoP")
        assert dpop.currentData() == "EdDSA"
        dpop.setCurrentIndex(dpop.findData(""))
        named(dialog, "Save").click()
    with on_dialog(check_and_turn_off):
        named(window.vault_view, "Edit client").click()
    assert window.vault_controller.vault.client("api-dev").dpop_alg == ""
