"""Authorization code + PKCE against panva/oidc-provider, its dev login forms driven by httpx
as the 'browser'."""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin

import httpx
import pytest

from tests.helpers.oidc_provider import CLIENTS, client_record
from tokendesk.core.errors import OAuthError, ProviderError
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.signin import LoopbackReceiver, sign_in
from tokendesk.core.vault import KeyringStore, Status, Vault

pytestmark = pytest.mark.integration
FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


def browser(login: str = "alice", *, deny: bool = False):
    """A person at the provider's dev login and consent pages, as httpx."""
    done = threading.Event()

    def open_url(url: str) -> None:
        def run():
            with httpx.Client(follow_redirects=True, timeout=10) as web:
                page = web.get(url)
                for _ in range(4):
                    match = FORM.search(page.text)
                    if match is None:
                        break
                    action, body = match.groups()
                    data = dict(HIDDEN.findall(body))
                    if 'name="login"' in body:
                        data.update(login=login, password="any")
                    if deny and data.get("prompt") == "consent":
                        page = web.get(urljoin(str(page.url), action.rstrip("/") + "/abort"))
                        continue
                    page = web.post(urljoin(str(page.url), action), data=data)
            done.set()
        threading.Thread(target=run, daemon=True).start()

    open_url.done = done  # type: ignore[attr-defined]
    return open_url


@pytest.fixture
def exchange(tmp_path, secret_service, oidc_provider):
    home = tmp_path / "home"
    vault = Vault(home, KeyringStore(home, secret_service.backend()))
    for client_id in ("tokendesk-public", "tokendesk-basic"):
        vault.add_client(client_record(oidc_provider, client_id), CLIENTS[client_id][0])
    with HttpClient(timeout=5) as http:
        yield Exchange(vault, http)
    vault.close()


@pytest.mark.parametrize("client_id", ["tokendesk-public", "tokendesk-basic"])
def test_sign_in_stores_a_refresh_token_that_works(exchange, client_id):
    cred = sign_in(exchange, client_id, "alice-signed-in",
                   scope="openid offline_access email", open_browser=browser("alice"),
                   timeout=30)
    assert cred.subject == "alice" and cred.has_id_token and cred.status is Status.ACTIVE
    assert exchange.refresh("alice-signed-in").rotated


def test_a_denied_consent_is_a_provider_error(exchange):
    with pytest.raises(ProviderError) as info:
        sign_in(exchange, "tokendesk-public", "x", open_browser=browser(deny=True), timeout=30)
    assert info.value.error == "access_denied"


def test_the_receiver_refuses_a_wrong_state_and_times_out():
    receiver = LoopbackReceiver()
    receiver.expected_state = "expected-state"
    try:
        forged = httpx.get(f"{receiver.redirect_uri}?code=stolen&state=other")
        assert forged.status_code == 400 and "did not carry" in forged.text
        with pytest.raises(OAuthError, match="no sign-in answer"):
            receiver.wait(0.3)
        ok = httpx.get(f"{receiver.redirect_uri}?code=c&state=expected-state")
        assert ok.status_code == 200 and "Answer received" in ok.text
        assert "Signed in" not in ok.text  # (checked after: a refused answer is no sign-in)
        assert receiver.wait(1)["code"] == "c"
        again = httpx.get(f"{receiver.redirect_uri}?code=c2&state=expected-state")
        assert again.status_code == 404  # one answer only
    finally:
        receiver.close()


def test_device_sign_in(exchange):
    from tokendesk.core.oauth.signin import finish_device, start_device

    device = start_device(exchange, "tokendesk-public", scope="openid offline_access")
    assert device.user_code and device.verification_uri.startswith("http://127.0.0.1")

    def person():
        with httpx.Client(follow_redirects=True, timeout=10) as web:
            page = web.get(device.verification_uri)
            for _ in range(5):
                match = FORM.search(page.text)
                if match is None:
                    break
                action, body = match.groups()
                data = dict(HIDDEN.findall(body))
                if 'name="user_code"' in body:
                    data["user_code"] = device.user_code
                if 'name="login"' in body:
                    data.update(login="dev-user", password="any")
                page = web.post(urljoin(str(page.url), action), data=data)

    waits = []
    threading.Timer(0.5, person).start()
    cred = finish_device(exchange, "tokendesk-public", "via-device", device,
                         sleep=lambda s: threading.Event().wait(min(s, 0.5)),
                         on_wait=waits.append)
    assert cred.subject == "dev-user"
    assert exchange.refresh("via-device").rotated


def test_a_sign_in_under_a_name_already_taken_is_refused_before_anything_is_sent(
        exchange, oidc_provider, monkeypatch, capsys):
    """The name is checked first: otherwise the person signs in and the server's new refresh
    token, issued at the end, has nowhere to go."""
    from tokendesk.core.errors import VaultError
    from tokendesk.core.oauth.signin import sign_in
    from tokendesk.core.vault import TokenSet

    exchange.vault.add_credential("taken", "tokendesk-public",
                                  TokenSet(oidc_provider.mint("tokendesk-public")))
    opened = []
    with pytest.raises(VaultError, match="already exists.*nothing was sent"):
        sign_in(exchange, "tokendesk-public", "taken", open_browser=opened.append, timeout=5)
    assert opened == []
