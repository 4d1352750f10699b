"""SECURITY.md item 3 in every encoding (issue 13, "Keys, secrets and origins"): a public key
given as an HMAC secret through ``--secret-encoding base64``/``base64url``, as base64 text, or as
the ``k`` of an ``oct`` JWK is refused, and the confusion token does not verify."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import NOW, certificate_pem, public_pem
from tokendesk.cli import main
from tokendesk.core import load_keys, load_secret
from tokendesk.core.errors import UnusableKey
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.keys import jwk_from_public_key


def _materials(rsa_private, ec_private, ed_private) -> dict[str, bytes]:
    rsa_public = rsa_private.public_key()
    return {
        "PEM": public_pem(rsa_private).encode(),
        "PEM EC": public_pem(ec_private).encode(),
        "certificate": certificate_pem(rsa_private).encode(),
        "OpenSSH": rsa_public.public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH),
        "OpenSSH Ed25519": ed_private.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        "JWK": json.dumps(jwk_from_public_key(rsa_public)).encode(),
        "JWKS": json.dumps({"keys": [jwk_from_public_key(ec_private.public_key())]}).encode(),
        "DER": rsa_public.public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo),
        "base64 DER": base64.b64encode(rsa_public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)),
    }


@pytest.fixture
def materials(rsa_private, ec_private, ed_private):
    return _materials(rsa_private, ec_private, ed_private)


def _confusion_token(secret: bytes) -> str:
    header = b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url_encode(json.dumps({"sub": "attacker", "exp": NOW + 600}).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url_encode(mac)}"


NAMES = ["PEM", "PEM EC", "certificate", "OpenSSH", "OpenSSH Ed25519", "JWK", "JWKS", "DER",
         "base64 DER"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("encoding", ["base64", "base64url"])
def test_a_public_key_given_as_an_encoded_secret_is_refused(materials, name, encoding):
    raw = materials[name]
    text = (base64.b64encode(raw) if encoding == "base64" else base64.urlsafe_b64encode(raw))
    with pytest.raises(UnusableKey, match="not a shared secret"):
        load_secret(text.decode(), encoding)


@pytest.mark.parametrize("name", NAMES)
def test_a_public_key_given_as_text_or_bytes_is_refused(materials, name):
    raw = materials[name]
    with pytest.raises(UnusableKey, match="not a shared secret"):
        load_secret(raw)
    if name != "DER":
        with pytest.raises(UnusableKey, match="not a shared secret"):
            load_secret(raw.decode())


@pytest.mark.parametrize("name", NAMES)
def test_an_oct_jwk_whose_k_is_a_public_key_is_refused(materials, name):
    jwk = {"kty": "oct", "k": b64url_encode(materials[name])}
    with pytest.raises(UnusableKey, match="k is .*not a shared secret"):
        load_keys(json.dumps(jwk))
    with pytest.raises(UnusableKey, match="not a shared secret"):
        load_keys(json.dumps({"keys": [jwk]}))


@pytest.mark.parametrize("secret", [
    b"s" * 32, bytes(range(64)), b"\x30" + bytes(range(40)),
    base64.b64encode(bytes(range(48))),  # base64 text of random bytes is a fine secret
])
def test_ordinary_secrets_still_load(secret):
    assert len(load_secret(secret)) == 1
    assert len(load_secret(base64.b64encode(secret).decode(), "base64")) == 1
    assert len(load_keys(json.dumps({"kty": "oct", "k": b64url_encode(secret)}))) == 1


def test_cli_refuses_the_confusion_token_with_a_base64_secret(tmp_path, monkeypatch, capsys,
                                                             rsa_private):
    monkeypatch.chdir(tmp_path)
    pem = public_pem(rsa_private).encode()
    token = _confusion_token(pem)
    code = main(["verify", token, "--secret", base64.b64encode(pem).decode(),
                 "--secret-encoding", "base64", "--now", str(NOW)])
    captured = capsys.readouterr()
    assert code in (1, 2)
    assert "not a shared secret" in captured.err
    assert "VALID" not in captured.out.replace("INVALID", "")
