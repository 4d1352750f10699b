"""EC JWK coordinates without their leading zero bytes (issue 13, "EC coordinates"): authlib
writes P-521 (sometimes P-256/384) ones short; node jose, jwcrypto and joserfc read them, and so
does Tokendesk, left-padded, with a warning in the verdict. Longer ones are still refused."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import NOW
from tokendesk.core import load_keys, verify
from tokendesk.core.errors import UnusableKey
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.keys import jwk_from_public_key

CURVES = {"P-256": (ec.SECP256R1, "ES256", 32), "P-384": (ec.SECP384R1, "ES384", 48),
          "P-521": (ec.SECP521R1, "ES512", 66)}


def _short_key(crv: str):
    """A key whose x has at least one leading zero byte (half of all P-521 keys do)."""
    cls, _, size = CURVES[crv]
    for _ in range(20_000):
        private = ec.generate_private_key(cls())
        if private.public_key().public_numbers().x.bit_length() <= (size - 1) * 8:
            return private
    pytest.skip("no short coordinate found")


def _minimal(value: int) -> str:
    return b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


@pytest.mark.parametrize("crv", ["P-256", "P-521"])
def test_short_coordinates_are_read_left_padded_with_a_warning(crv):
    private = _short_key(crv)
    numbers = private.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": crv, "kid": "authlib", "x": _minimal(numbers.x),
           "y": _minimal(numbers.y)}
    keys = load_keys(json.dumps({"keys": [jwk]}))
    assert keys.keys[0].thumbprint == load_keys(
        json.dumps(jwk_from_public_key(private.public_key()))).keys[0].thumbprint
    alg = CURVES[crv][1]
    token = pyjwt.encode({"sub": "a", "exp": NOW + 60}, private, algorithm=alg)
    result = verify(token, keys, now=NOW)
    assert result.valid, result.reason
    notes = [c.reason for c in result.checks if c.name == "key set"]
    assert len(notes) == 1 and "leading zero bytes left out" in notes[0]
    assert "kid 'authlib'" in notes[0]


def test_full_length_coordinates_give_no_warning(ec_private):
    keys = load_keys(json.dumps(jwk_from_public_key(ec_private.public_key())))
    assert keys.warnings == ()


def test_longer_coordinates_are_still_refused(ec_private):
    jwk = jwk_from_public_key(ec_private.public_key())
    numbers = ec_private.public_key().public_numbers()
    jwk["x"] = b64url_encode(b"\0" + numbers.x.to_bytes(32, "big"))
    with pytest.raises(UnusableKey, match="must be 32 bytes"):
        load_keys(json.dumps(jwk))


def test_an_empty_coordinate_is_refused(ec_private):
    jwk = {**jwk_from_public_key(ec_private.public_key()), "y": ""}
    with pytest.raises(UnusableKey):
        load_keys(json.dumps(jwk))
