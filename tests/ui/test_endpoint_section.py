"""The client dialog's advanced section: each endpoint set by hand or from discovery (issue 14)."""

from __future__ import annotations

from tokendesk.core.vault.model import Client
from tokendesk.ui.views.vault_dialogs import AddClientDialog


def test_each_endpoint_says_where_it_comes_from(qtbot):
    client = Client("dot", "http://127.0.0.1:1/o", "id", "none",
                    endpoints={"device_authorization_endpoint": "http://127.0.0.1:1/o/device",
                               "admin_api": "http://127.0.0.1:1/admin"})
    dialog = AddClientDialog(None, client)
    qtbot.addWidget(dialog)
    section = dialog.advanced
    assert section.toggle.isChecked()  # a hand-set endpoint opens the section
    assert section.source("device_authorization_endpoint") == "set by hand"
    assert section.source("revocation_endpoint") == "from discovery"
    section.set_discovered({"revocation_endpoint": "http://127.0.0.1:1/o/revoke"})
    assert section.source("revocation_endpoint") == "from discovery: http://127.0.0.1:1/o/revoke"
    section.fields["revocation_endpoint"].setText("http://127.0.0.1:1/o/revoke_token/")
    assert section.source("revocation_endpoint") == "set by hand"
    section.fields["device_authorization_endpoint"].setText("")
    assert section.source("device_authorization_endpoint") == "from discovery"
    edited = dialog.client()
    assert edited.endpoints == {"revocation_endpoint": "http://127.0.0.1:1/o/revoke_token/",
                                "admin_api": "http://127.0.0.1:1/admin"}
    for member in section.fields:
        assert section.fields[member].accessibleName().endswith("endpoint")


def test_a_hand_set_endpoint_must_be_https(qtbot):
    dialog = AddClientDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("c")
    dialog.issuer.setText("https://as.example")
    dialog.client_id.setText("id")
    assert not dialog.advanced.toggle.isChecked()
    dialog.advanced.fields["token_endpoint"].setText("http://as.example/token")
    assert "https://" in (dialog.validate() or "")
    dialog.advanced.fields["token_endpoint"].setText("https://as.example/token")
    dialog.advanced.discovery_url.setText("https://as.example/meta")
    assert dialog.validate() is None
    client = dialog.client()
    assert client.endpoints == {"token_endpoint": "https://as.example/token"}
    assert client.discovery_url == "https://as.example/meta"
