"""The client form's endpoints section: each endpoint set by hand or from discovery (issue 14),
its source shown beside it, the discovered URL shown in the field left empty."""

from __future__ import annotations

from tests.helpers.named import named
from tokendesk.core.vault.model import Client
from tokendesk.ui.views.client_dialog import ClientDialog


def test_each_endpoint_says_where_it_comes_from(window, qtbot):
    client = Client("dot", "http://127.0.0.1:1/o", "id", "none",
                    endpoints={"device_authorization_endpoint": "http://127.0.0.1:1/o/device",
                               "admin_api": "http://127.0.0.1:1/admin"})
    dialog = ClientDialog(window.vault_controller, client=client)  # discovery fails: port 1
    qtbot.addWidget(dialog)
    section = dialog.form.endpoints
    assert named(dialog, "Show advanced endpoints").isChecked()  # a hand-set one opens it
    assert named(dialog, "Device authorization endpoint source").text() == "set by hand"
    # the edit dialog asked at once; nothing listens on port 1: nothing is known yet
    assert named(dialog, "Discovery result").text().startswith("Discovery failed")
    assert named(dialog, "Revocation endpoint source").text() == "from discovery"
    section.set_discovered({"revocation_endpoint": "http://127.0.0.1:1/o/revoke"},
                           {"revocation_endpoint": "RFC 8414"})
    revocation = named(dialog, "Revocation endpoint")
    assert named(dialog, "Revocation endpoint source").text() == "from discovery (RFC 8414)"
    assert revocation.placeholderText() == "http://127.0.0.1:1/o/revoke"
    assert named(dialog, "Userinfo endpoint source").text() == "not published"
    revocation.setText("http://127.0.0.1:1/o/revoke_token/")
    assert named(dialog, "Revocation endpoint source").text() == "set by hand"
    named(dialog, "Device authorization endpoint").setText("")
    assert named(dialog, "Device authorization endpoint source").text() == "not published"
    edited = dialog.form.client()
    assert edited.endpoints == {"revocation_endpoint": "http://127.0.0.1:1/o/revoke_token/",
                                "admin_api": "http://127.0.0.1:1/admin"}
    for member in section.fields:
        assert section.fields[member].accessibleName().endswith("endpoint")


def test_a_hand_set_endpoint_must_be_https(window, qtbot):
    dialog = ClientDialog(window.vault_controller)
    qtbot.addWidget(dialog)
    provider = named(dialog, "Provider")
    provider.setCurrentIndex(provider.findData("generic"))
    named(dialog, "Issuer URL").setText("https://as.example")
    named(dialog, "Client ID").setText("id")
    assert not named(dialog, "Show advanced endpoints").isChecked()
    named(dialog, "Token endpoint").setText("http://as.example/token")
    assert "https://" in (dialog.form.validate() or "")
    named(dialog, "Token endpoint").setText("https://as.example/token")
    named(dialog, "Discovery URL").setText("https://as.example/meta")
    assert dialog.form.validate() is None
    client = dialog.form.client()
    assert client.endpoints == {"token_endpoint": "https://as.example/token"}
    assert client.discovery_url == "https://as.example/meta"
