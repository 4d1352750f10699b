"""What the Inspector leads with (issue 15): the problem first, free text called text."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tokendesk.core import TokenFormat, TokenKind, decode
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.headline import PROBLEM, WARNING, headline

SECRET = "k" * 32
TOKEN = pyjwt.encode({"iss": "https://op.example/", "sub": "u", "nonce": "n", "exp": NOW + 60},
                     SECRET, algorithm="HS256")


def test_a_token_cut_after_its_payload_leads_with_truncated():
    token = decode(TOKEN.rsplit(".", 1)[0])
    line = headline(token)
    assert line is not None and line.severity == PROBLEM
    assert line.title == "Truncated token: 2 of 3 segments — was it cut off?"
    assert "2 segments" in line.detail


def test_a_lone_header_is_a_truncated_token():
    line = headline(decode(TOKEN.split(".", 1)[0]))
    assert line is not None and line.title == "Truncated token: 1 of 3 segments — was it cut off?"


def test_a_token_cut_in_half_leads_with_truncated_not_with_its_kind():
    line = headline(decode(TOKEN[: len(TOKEN) // 2]))
    assert line is not None and line.title.startswith("Truncated token: 2 of 3 segments")
    assert "more problem" in line.detail  # the others follow, in the problem list


def test_a_jwe_missing_its_tag_is_a_truncated_encrypted_token():
    header = b64url_encode(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM"}).encode())
    line = headline(decode(f"{header}.a2V5.aXY.Y2lwaGVy"))
    assert line is not None
    assert line.title == "Truncated encrypted token: 4 of 5 segments — was it cut off?"


def test_a_bad_character_names_the_segment_and_position():
    line = headline(decode("eyJhbGciOiJIUzI1NiJ9.!!!.c2ln"))
    assert line is not None and line.title == "Bad base64 in the payload (character 1)"


def test_a_header_that_is_not_json_says_so():
    header = b64url_encode(b'{"alg": "HS256"')  # the closing brace is missing
    line = headline(decode(f"{header}.e30.c2ln"))
    assert line is not None and line.title == "Bad JSON in the header"


def test_a_token_wrapped_over_lines_says_whitespace():
    line = headline(decode(TOKEN.replace(".", ".\n", 1)))
    assert line is not None and line.title.startswith("Whitespace inside the token (payload")


def test_a_signature_cut_mid_character_is_truncated():
    h, p, _s = TOKEN.split(".")
    line = headline(decode(f"{h}.{p}.x"))
    assert line is not None
    assert line.title == "Truncated token: the signature ends mid-character — was it cut off?"


@pytest.mark.parametrize("cut", [1, 5, 11])
def test_a_signature_shorter_than_its_algorithm_makes_is_truncated(cut):
    h, p, sig = TOKEN.split(".")
    line = headline(decode(f"{h}.{p}.{sig[:-cut]}"))
    assert line is not None and line.severity == PROBLEM
    assert line.title.startswith("Truncated token: the signature ")
    assert "was it cut off?" in line.title


def test_a_whole_token_has_no_headline_and_an_unsecured_one_a_warning():
    assert headline(decode(TOKEN)) is None
    unsecured = headline(decode(b64url_encode(b'{"alg":"none"}') + ".e30."))
    assert unsecured is not None and unsecured.severity == WARNING
    assert headline(decode("")) is None


@pytest.mark.parametrize("text", [
    "hello world this is not a token",
    "Hello, can you check my token please?",
    "Das ist kein Token.",
    "  the token expired yesterday\n",
])
def test_free_text_is_text_not_an_opaque_token(text):
    token = decode(text)
    assert token.format is TokenFormat.TEXT and token.kind is TokenKind.TEXT
    assert token.kind.label == "Text — not a token"
    assert not any("introspection" in r or "opaque" in r for r in token.reasons)
    line = headline(token)
    assert line is not None and line.title == "Text — not a token"
    assert line.severity == PROBLEM


@pytest.mark.parametrize("text", ["8xLOxBtZp8", "ya29.a0AfH6SMBx3example", "deadbeef" * 8,
                                  "v1.MRrt1UIyXb3GZ2kW0cRRZdnh"])
def test_token_like_strings_stay_opaque(text):
    assert decode(text).format is TokenFormat.OPAQUE


def test_words_found_as_a_named_token_keep_their_role():
    """A JSON response's refresh_token member is a token by its name, whatever it holds."""
    token = decode(json.dumps({"refresh_token": "not really a token"}))
    assert token.format is TokenFormat.OPAQUE and token.kind is TokenKind.REFRESH_TOKEN


def test_decode_on_the_command_line_calls_text_text(capsys):
    from tokendesk.cli import main

    assert main(["decode", "please check this token"]) == 1
    out = capsys.readouterr().out
    assert "Text — not a token" in out
