"""Loading keys in every format, JWE failure paths, encoding, re-signing and key generation."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import NOW, certificate_pem, load_vector, private_pem, public_pem
from tokendesk.core import decode, load_keys, load_secret, verify
from tokendesk.core.errors import DecryptionFailed, UnusableKey
from tokendesk.core.tokens.encode import encode, generate_key, load_signing_key, resign
from tokendesk.core.tokens.jwe import decrypt, load_decryption_key


def test_pem_certificate_chain_uses_the_leaf(rsa_private, ec_private):
    chain = certificate_pem(rsa_private) + certificate_pem(ec_private)
    keys = load_keys(chain)
    assert len(keys) == 1 and keys.keys[0].family == "RSA"
    assert keys.keys[0].source == "certificate"


def test_base64_der_text_is_read(ec_private):
    der = ec_private.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64

    keys = load_keys(base64.b64encode(der).decode())
    assert keys.keys[0].description == "EC P-256"


def test_der_private_key_bytes_give_the_public_half(ed_private):
    der = ed_private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    keys = load_keys(der)
    assert keys.keys[0].source == "DER private key"
    assert keys.keys[0].algorithms == {"EdDSA"}


def test_encrypted_private_key_is_refused_with_advice(rsa_private):
    pem = rsa_private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw")).decode()
    with pytest.raises(UnusableKey, match="encrypted: give its public key"):
        load_keys(pem)


@pytest.mark.parametrize("data,message", [
    ("", "empty"),
    ("hello world", "not a key Tokendesk can read"),
    ("-----BEGIN PUBLIC KEY-----\nAAAA", "no matching END"),
    ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "could not be read"),
    ('{"kty":"RSA"}', "no 'e' member"),
    ('{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}', "JOSE does not sign with"),
    ('{"kty":"OKP","crv":"X25519","x":"' + "A" * 43 + '"}', "key-agreement"),
    ('{"kty":"XYZ"}', "has key type XYZ"),
    ('{"keys": 5}', "'keys' is not an array"),
    ("[1, 2]", "neither a JWK nor a JWKS"),
    ('{"keys": []}', "holds no keys"),
    ('{"kty":"oct","k":"!!!"}', "not base64url"),
    (b"\x30\x03\x02\x01\x00", "not a DER public key"),
])
def test_unreadable_keys_have_clear_messages(data, message):
    with pytest.raises(Exception, match=message) as info:
        load_keys(data)
    assert info.type.__module__ == "tokendesk.core.errors"


def test_secret_encodings():
    raw = bytes(range(32))
    import base64

    assert load_secret(base64.b64encode(raw).decode(), "base64").keys[0].verifier == raw
    assert load_secret(base64.urlsafe_b64encode(raw).decode().rstrip("="),
                       "base64url").keys[0].verifier == raw
    with pytest.raises(UnusableKey, match="unknown secret encoding"):
        load_secret("x" * 40, "hex")


def test_the_secret_is_never_in_a_key_repr():
    keys = load_secret("correct-horse-battery-staple-0123456789")
    assert "correct-horse" not in repr(keys)


@pytest.mark.parametrize("kind,opts", [("RSA", {}), ("RSA", {"alg": "PS512"}), ("EC", {}),
                                       ("EC", {"curve": "P-521"}), ("Ed25519", {}),
                                       ("Ed448", {}), ("HMAC", {"alg": "HS384"})])
def test_generated_keys_sign_and_their_exports_verify(kind, opts):
    key = generate_key(kind, **opts)
    token = encode({"sub": "qa", "exp": NOW + 60}, key)
    if kind == "HMAC":
        keys = load_secret(key.private)
    else:
        keys = load_keys(json.dumps({"keys": [key.public_jwk()]}))
        assert verify(token, load_keys(key.public_pem()), now=NOW).valid
        assert verify(token, load_keys(key.private_pem()), now=NOW).valid
    result = verify(token, keys, now=NOW)
    assert result.valid and result.alg == key.alg
    again = load_signing_key(json.dumps(key.private_jwk()))
    assert verify(encode({"n": 1}, again), keys, now=NOW).valid


def test_public_jwk_never_holds_private_members():
    key = generate_key("RSA")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.public_jwk().keys()


def test_resign_keeps_claims_and_changes_key(rsa_private):
    key = generate_key("EC")
    original = encode({"sub": "u", "scope": "a"}, generate_key("HMAC"), header={"typ": "at+jwt"})
    edited = resign(original, key, claims={"sub": "u", "scope": "a b"})
    decoded = decode(edited)
    assert decoded.header["typ"] == "at+jwt" and decoded.header["alg"] == "ES256"
    assert decoded.claims == {"sub": "u", "scope": "a b"}
    assert verify(edited, load_keys(key.public_pem()), now=NOW).valid


def test_unsecured_encoding_is_refused_by_verify():
    token = encode({"sub": "u"}, None)
    assert decode(token).format == "unsecured"
    assert not verify(token, load_secret(b"x" * 32)).valid


def test_weak_generated_keys_are_refused():
    with pytest.raises(UnusableKey):
        generate_key("RSA", size=1024)
    with pytest.raises(UnusableKey):
        generate_key("HMAC", alg="HS512", size=32)


# --- JWE failure paths ---------------------------------------------------------------------

CASE = load_vector("jose-cookbook/jwe/5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json")


def test_jwe_wrong_key_is_a_clear_failure():
    wrong = load_decryption_key(json.dumps({"kty": "oct", "k": "A" * 22}))
    with pytest.raises(DecryptionFailed, match="content key could not be recovered"):
        decrypt(CASE["output"]["compact"], wrong)


def test_jwe_altered_ciphertext_is_detected():
    parts = CASE["output"]["compact"].split(".")
    parts[3] = ("B" if parts[3][0] != "B" else "C") + parts[3][1:]
    key = load_decryption_key(json.dumps(CASE["input"]["key"]))
    with pytest.raises(DecryptionFailed, match="wrong key, or the token was altered"):
        decrypt(".".join(parts), key)


@pytest.mark.parametrize("text", ["a.b.c", "a.b.c.d.e", "eyJhbGciOiJkaXIifQ....", "....."])
def test_jwe_malformed_input_is_a_clear_failure(text):
    with pytest.raises(DecryptionFailed):
        decrypt(text, b"k" * 16)


def test_jwe_rsa_key_for_an_aes_algorithm(rsa_private):
    with pytest.raises(DecryptionFailed, match="128-bit AES key"):
        decrypt(CASE["output"]["compact"], load_decryption_key(private_pem(rsa_private)))


def test_decryption_key_formats(rsa_private):
    assert load_decryption_key(private_pem(rsa_private)).key_size == 2048
    with pytest.raises(UnusableKey):
        load_decryption_key(public_pem(rsa_private))
    with pytest.raises(UnusableKey):
        load_decryption_key("not a key")
