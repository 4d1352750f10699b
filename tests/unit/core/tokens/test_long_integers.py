"""A claims set must stay a claims set: an integer too long for Python's int conversion
(4,300 digits) once made the payload 'text', and an expired token verified (its exp and nbf
were never looked at)."""

from __future__ import annotations

import base64
import json

import jwt as pyjwt

from tests.conftest import NOW
from tokendesk.core import decode, load_keys, verify

SECRET = b"k" * 32 + b"-long-integer-test"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(payload: bytes) -> str:
    import hashlib
    import hmac

    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(payload)
    mac = hmac.new(SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def test_an_expired_token_with_a_5000_digit_claim_does_not_verify():
    token = _signed(b'{"sub":"x","exp":1,"nbf":99999999999,"pad":1' + b"0" * 5000 + b"}")
    result = verify(token, load_keys(json.dumps({"kty": "oct", "k": _b64(SECRET)})), now=NOW)
    assert not result.valid
    exp = next(c for c in result.checks if c.name == "exp")
    assert not exp.passed
    assert isinstance(decode(token).claims, dict)  # still a claims set when decoded


def test_a_payload_that_looks_like_claims_but_cannot_be_read_is_not_valid():
    token = _signed(b'{"sub":"x","exp":1,')  # cut short: not JSON
    result = verify(token, load_keys(json.dumps({"kty": "oct", "k": _b64(SECRET)})), now=NOW)
    assert not result.valid
    assert any(c.name == "claims" and not c.passed and "cannot be checked" in c.reason
               for c in result.checks)


def test_ordinary_tokens_still_verify():
    token = pyjwt.encode({"sub": "x", "exp": NOW + 60}, SECRET, algorithm="HS256")
    assert verify(token, load_keys(json.dumps({"kty": "oct", "k": _b64(SECRET)})),
                  now=NOW).valid
