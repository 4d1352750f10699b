"""A refresh token or a JSON token response, read one way for `tokendesk vault add` and the
window's "Store refresh token" (TokenSet.from_pasted, issue 16)."""

from __future__ import annotations

import json

import pytest

from tokendesk.core.errors import InvalidInput
from tokendesk.core.vault import TokenSet


def test_a_bare_refresh_token_is_kept_exactly():
    tokens = TokenSet.from_pasted("  rt-ABC.def_123\n")
    assert tokens.refresh_token == "rt-ABC.def_123" and tokens.access_token is None


def test_a_token_response_gives_every_token_and_lifetime():
    tokens = TokenSet.from_pasted(json.dumps({"refresh_token": "r1", "access_token": "a1",
                                              "expires_in": 300, "scope": "openid"}))
    assert (tokens.refresh_token, tokens.access_token, tokens.expires_in, tokens.scope) == (
        "r1", "a1", 300, "openid")


@pytest.mark.parametrize(("text", "says"), [
    ('{"refresh_token": ', "not valid JSON"),
    ("{" + '"a":' * 1 + "[" * 100_000, "not valid JSON"),
    ('["r1", "r2"]', "a token response is a JSON object"),
    ("rt-one rt-two", "no spaces or line breaks"),
    ("rt-one\nrt-two", "no spaces or line breaks"),
])
def test_what_cannot_be_stored_says_why(text, says):
    with pytest.raises(InvalidInput, match=says) as caught:
        TokenSet.from_pasted(text)
    assert "rt-one" not in caught.value.message  # never the token itself


def test_a_response_without_a_refresh_token_is_left_to_the_vault():
    assert TokenSet.from_pasted('{"access_token": "a1"}').refresh_token is None
