"""The error tree as scripts and the window use it (issue 16): network errors carry ``url`` and
``status`` (never a query string that may hold a token), presets raise inside the tree, and a
person's cancel is one ``Cancelled`` error with its own code."""

from __future__ import annotations

import threading

import pytest

from tests.helpers.http_server import LocalServer, Reply
from tokendesk.core.errors import (
    Cancelled,
    InvalidInput,
    NetworkError,
    OAuthError,
    OutcomeUnknown,
    PresetError,
    ProviderError,
    ResponseError,
    TokendeskError,
)
from tokendesk.core.oauth.http import HttpClient, without_query
from tokendesk.core.oauth.signin import LoopbackReceiver
from tokendesk.core.presets import issuer_for

SECRET = "q-secret-token-value"


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


def test_a_refused_connection_names_the_url_without_its_query():
    with LocalServer() as gone:
        url = gone.url
    with HttpClient(timeout=2) as http, pytest.raises(NetworkError) as caught:
        http.request_json("GET", f"{url}/userinfo?access_token={SECRET}")
    assert caught.value.url == f"{url}/userinfo"
    assert caught.value.status is None  # no answer came
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value.__dict__)


def test_a_cut_connection_is_outcome_unknown_with_its_url(server):
    server.route("/token", Reply(cut=True))
    with HttpClient(timeout=2) as http, pytest.raises(OutcomeUnknown) as caught:
        http.request_json("POST", server.url + "/token", data={"grant_type": "x"})
    assert caught.value.url == server.url + "/token" and caught.value.status is None


def test_a_bad_answer_carries_url_and_status(server):
    server.route("/token", Reply(502, "<html>bad gateway</html>"))
    with HttpClient(timeout=2) as http, pytest.raises(ResponseError) as caught:
        http.request_json("POST", server.url + "/token?x=" + SECRET)
    assert (caught.value.url, caught.value.status) == (server.url + "/token", 502)


def test_a_provider_refusal_carries_the_endpoint_it_came_from(server):
    from tokendesk.core.oauth.client import ClientConfig, OAuthClient

    server.route("/token", Reply(400, {"error": "invalid_client"}))
    with HttpClient(timeout=2) as http:
        client = OAuthClient(http, ClientConfig(client_id="c", auth_method="none",
                                                token_endpoint=server.url + "/token"))
        with pytest.raises(ProviderError) as caught:
            client.token({"grant_type": "client_credentials"})
    assert caught.value.url == server.url + "/token" and caught.value.status == 400
    assert caught.value.error == "invalid_client"


def test_without_query_drops_query_and_fragment():
    assert without_query("https://h.example/cb?code=1#access_token=2") == "https://h.example/cb"


def test_a_preset_refusal_is_invalid_input_in_the_tree():
    with pytest.raises(PresetError) as caught:
        issuer_for("keycloak", "not a realm url")
    assert isinstance(caught.value, InvalidInput) and isinstance(caught.value, TokendeskError)
    assert caught.value.code == "preset_error"


def test_a_cancelled_sign_in_is_one_cancelled_error():
    receiver = LoopbackReceiver()
    stop = threading.Event()
    stop.set()
    try:
        with pytest.raises(Cancelled) as caught:
            receiver.wait(30, cancel=stop)
    finally:
        receiver.close()
    assert caught.value.code == "cancelled"
    assert not isinstance(caught.value, OAuthError)  # not a failure of the server


def test_the_readme_lists_every_error_code():
    import inspect
    from pathlib import Path

    from tokendesk.core import errors

    readme = (Path(__file__).parents[3] / "README.md").read_text()
    codes = {cls.code for _, cls in inspect.getmembers(errors, inspect.isclass)
             if issubclass(cls, errors.TokendeskError)}
    assert len(codes) > 20
    assert sorted(c for c in codes if f"`{c}`" not in readme) == []


def test_a_cancel_exits_130_with_its_code(capsys):
    from tokendesk.cli import common

    common.JSON_ERRORS = True
    try:
        assert common.fail(Cancelled("sign-in cancelled")) == 130
    finally:
        common.JSON_ERRORS = False
    assert '"code": "cancelled"' in capsys.readouterr().out
