"""Sender-constrained tokens in the window (issue 18): the Inspector's Binding tab checks a
DPoP proof on its own with the window's clock and compares a token's cnf with a proof, a key or
a certificate; the Exchange view copies a DPoP-bound credential's headers for a request, as a
concealed secret, against the real oidc-provider."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from PySide6.QtGui import QGuiApplication

from tests.conftest import NOW, certificate_pem
from tests.helpers.qt import drive
from tokendesk.core.tokens.dpop import dumps, generate_dpop_key, jkt, make_proof, public_jwk
from tokendesk.core.tokens.encode import encode, generate_key

URL = "https://api.example/orders"


@pytest.fixture
def key():
    return generate_dpop_key()


def _show(window, text):
    window.inspector.set_text(text)
    panel = window.inspector.binding_panel
    window.inspector.decoded_tabs.setCurrentWidget(panel)
    return panel


def test_a_proof_is_checked_against_the_request_and_the_access_token(window, key):
    access = encode({"sub": "alice", "cnf": {"jkt": jkt(key)}}, generate_key("EC"))
    proof = make_proof(key, "POST", URL + "?page=2", now=NOW - 5, access_token=access)
    panel = _show(window, proof)
    assert panel.proof_box.isVisibleTo(panel)
    assert f"made with key thumbprint {jkt(key)}" in panel.summary.text()
    assert panel.method.currentText() == "POST" and panel.url.text() == URL  # from the proof
    panel.access_token.setText(access)
    panel.check_button.click()
    verdict = panel.proof_verdict.text()
    assert verdict.startswith("VALID") and "✔ cnf.jkt" in verdict and "✔ ath" in verdict
    panel.method.setCurrentText("GET")
    panel.check_button.click()
    assert panel.proof_verdict.text().startswith("INVALID") and "✘ htm" in \
        panel.proof_verdict.text()
    panel.method.setCurrentText("POST")
    panel.access_token.setText("another-access-token")
    panel.check_button.click()
    assert "✘ ath" in panel.proof_verdict.text()


def test_an_old_proof_is_refused_by_the_windows_clock(window, key, clock):
    panel = _show(window, make_proof(key, "GET", URL, now=NOW - 3600))
    panel.check_button.click()
    assert "✘ iat" in panel.proof_verdict.text()


def test_a_bound_token_shows_its_key_and_is_compared_with_a_proof_a_key_or_a_certificate(
        window, key, ec_private):
    from tokendesk.core.tokens.binding import certificate_thumbprint

    cert = certificate_pem(ec_private)
    token = encode({"sub": "alice", "cnf": {"jkt": jkt(key),
                                            "x5t#S256": certificate_thumbprint(cert)}},
                   generate_key("EC"))
    panel = _show(window, token)
    assert not panel.proof_box.isVisibleTo(panel)
    assert panel.summary.text() == (f"Bound to DPoP key thumbprint {jkt(key)}; bound to client "
                                    f"certificate thumbprint {certificate_thumbprint(cert)}")
    for given in (make_proof(key, "GET", URL, now=NOW), json.dumps(public_jwk(key)),
                  dumps(key), cert):
        panel.compare_with.setPlainText(given)
        panel.compare_button.click()
        assert panel.binding_verdict.text().startswith("BOUND"), given[:30]
    panel.compare_with.setPlainText(json.dumps(public_jwk(generate_dpop_key())))
    panel.compare_button.click()
    assert panel.binding_verdict.text().startswith("NOT BOUND")
    panel.compare_with.setPlainText("")
    panel.compare_button.click()
    assert "Paste a proof" in panel.binding_verdict.text()


def test_a_bearer_token_says_so_and_following_tokens_clears_old_verdicts(window, key):
    panel = _show(window, encode({"sub": "a"}, generate_key("EC")))
    assert panel.summary.text() == "Not bound (no cnf): a bearer token"
    panel.compare_with.setPlainText(dumps(key))
    panel.compare_button.click()
    assert panel.binding_verdict.text().startswith("NOT BOUND")
    _show(window, encode({"sub": "b"}, generate_key("EC")))
    assert panel.binding_verdict.text() == ""
    _show(window, "")
    assert "Paste a token" in panel.summary.text()


@pytest.mark.integration
def test_the_exchange_view_copies_a_bound_credentials_dpop_headers(
        make_window, keyring_store_factory, oidc_provider, clock):
    from tests.helpers.oidc_provider import CLIENTS, client_record
    from tokendesk.core.tokens.dpop_check import check_proof
    from tokendesk.core.vault import TokenSet
    from tokendesk.core.vault.bindings import credential_dpop_jkt

    window = make_window(store_factory=keyring_store_factory, tab="exchange_view")
    vault = window.vault_controller.vault
    vault.add_client(client_record(oidc_provider, "tokendesk-dpop-basic"),
                     CLIENTS["tokendesk-dpop-basic"][0])
    vault.update_client(replace(vault.client("tokendesk-dpop-basic"), dpop_alg="ES256"))
    vault.add_credential("dora", "tokendesk-dpop-basic",
                         TokenSet(oidc_provider.mint("tokendesk-dpop-basic", sub="dora")))
    window.vault_controller.list()
    view = window.exchange_view
    assert view.credential.currentText() == "dora"

    def fill(dialog):
        dialog.method.setCurrentText("get")
        dialog.url.setText("https://api.example/me")
        dialog.buttons.accepted.emit()
    drive(fill)
    view.dpop_button.click()  # a refresh first (the proofs' iat is the tests' clock: the
    # provider asks for a nonce, and the retry with it is accepted)
    mime = QGuiApplication.clipboard().mimeData()
    assert bytes(mime.data("x-kde-passwordManagerHint")) == b"secret"
    authorization, dpop = mime.text().splitlines()
    access = vault.token("dora", "access_token")
    assert authorization == f"Authorization: DPoP {access}"
    checked = check_proof(dpop.removeprefix("DPoP: "), method="GET",
                          url="https://api.example/me", now=clock(), access_token=access)
    assert checked.valid and checked.jkt == credential_dpop_jkt(vault, "dora")
    assert "Copied the DPoP headers of dora for GET" in window.status_text.text()


def test_the_exchange_view_says_why_a_bearer_credential_has_no_dpop_headers(
        make_window, keyring_store_factory):
    from tokendesk.core.vault import Client, TokenSet

    window = make_window(store_factory=keyring_store_factory, tab="exchange_view")
    vault = window.vault_controller.vault
    vault.add_client(Client("plain", "http://127.0.0.1:9", "c1", "none"))
    vault.add_credential("bob", "plain", TokenSet("rt-bob"))
    window.vault_controller.list()

    def fill(dialog):
        dialog.url.setText("https://api.example/me")
        dialog.buttons.accepted.emit()
    drive(fill)
    window.exchange_view.dpop_button.click()
    assert "No DPoP headers for bob: bob has no DPoP key" in \
        window.status_text.text()
