"""SECURITY.md 25a (issue 13, "JWE decryption"): a JWE is decrypted only with a key whose own
``alg`` equals the token's, whose ``use``/``key_ops`` allow decryption; an unknown or malformed
``crit`` is refused; AES-GCM IVs are 96 bits. Tokens made by jwcrypto (independent) or by hand."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk

from tokendesk.core.errors import DecryptionFailed, UnusableKey
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.jwe import JweKey, decrypt, load_decryption_key

PLAINTEXT = b'{"sub":"alice"}'


def _jwcrypto_jwe(key: jc_jwk.JWK, alg: str, enc: str = "A128GCM") -> str:
    token = jc_jwe.JWE(PLAINTEXT, json.dumps({"alg": alg, "enc": enc}), algs=[alg, enc])
    token.add_recipient(key)
    return token.serialize(compact=True)


@pytest.fixture(scope="module")
def aes_key():
    return jc_jwk.JWK.generate(kty="oct", size=128)


@pytest.fixture(scope="module")
def rsa_key():
    return jc_jwk.JWK.generate(kty="RSA", size=2048)


def _with(key: jc_jwk.JWK, **members) -> str:
    return json.dumps({**json.loads(key.export(private_key=True)), **members})


@pytest.mark.parametrize(("key_alg", "token_alg"), [("A128GCMKW", "A128KW"),
                                                    ("A128KW", "A128GCMKW")])
def test_an_aes_key_of_one_wrap_alg_does_not_unwrap_the_other(aes_key, key_alg, token_alg):
    token = _jwcrypto_jwe(aes_key, token_alg)
    assert decrypt(token, load_decryption_key(_with(aes_key))).plaintext == PLAINTEXT
    with pytest.raises(DecryptionFailed, match=f"the key is for '{key_alg}'"):
        decrypt(token, load_decryption_key(_with(aes_key, alg=key_alg)))
    assert decrypt(token, load_decryption_key(_with(aes_key, alg=token_alg))).plaintext \
        == PLAINTEXT


def test_an_rsa_oaep_key_does_not_decrypt_rsa1_5(rsa_key):
    public = jc_jwk.JWK.from_json(rsa_key.export_public())
    token = _jwcrypto_jwe(public, "RSA1_5")
    with pytest.raises(DecryptionFailed, match="the key is for 'RSA-OAEP', the token uses "
                                               "'RSA1_5'"):
        decrypt(token, load_decryption_key(_with(rsa_key, alg="RSA-OAEP")))
    result = decrypt(token, load_decryption_key(_with(rsa_key, alg="RSA1_5")))
    assert result.plaintext == PLAINTEXT and result.warnings


def test_an_rsa_oaep_key_decrypts_rsa_oaep(rsa_key):
    public = jc_jwk.JWK.from_json(rsa_key.export_public())
    token = _jwcrypto_jwe(public, "RSA-OAEP", "A256CBC-HS512")
    key = load_decryption_key(_with(rsa_key, alg="RSA-OAEP", use="enc"))
    assert decrypt(token, key).plaintext == PLAINTEXT


@pytest.mark.parametrize("members", [{"use": "sig"}, {"key_ops": ["verify"]},
                                     {"key_ops": ["sign", "verify"]}, {"key_ops": []},
                                     {"key_ops": ["encrypt", "wrapKey"]}])
def test_a_key_whose_use_or_key_ops_do_not_allow_decryption_is_refused(aes_key, members):
    token = _jwcrypto_jwe(aes_key, "A128KW")
    with pytest.raises(DecryptionFailed, match="use 'sig'|key_ops"):
        decrypt(token, load_decryption_key(_with(aes_key, **members)))


@pytest.mark.parametrize("members", [{"use": "enc"}, {"key_ops": ["unwrapKey"]},
                                     {"key_ops": ["decrypt"]},
                                     {"use": "enc", "key_ops": ["wrapKey", "unwrapKey"]}])
def test_a_key_for_decryption_decrypts(aes_key, members):
    token = _jwcrypto_jwe(aes_key, "A128KW")
    assert decrypt(token, load_decryption_key(_with(aes_key, **members))).plaintext == PLAINTEXT


@pytest.mark.parametrize("members", [{"use": "sig", "key_ops": ["unwrapKey"]},
                                     {"use": "enc", "key_ops": ["verify"]},
                                     {"key_ops": "unwrapKey"}, {"use": 1}, {"alg": ["A128KW"]}])
def test_contradicting_or_malformed_key_members_are_refused_on_load(aes_key, members):
    with pytest.raises(UnusableKey):
        load_decryption_key(_with(aes_key, **members))


def test_the_loaded_key_still_reads_as_the_key(rsa_key):
    key = load_decryption_key(_with(rsa_key, alg="RSA-OAEP"))
    assert isinstance(key, JweKey) and key.key_size == 2048 and key.alg == "RSA-OAEP"


# -- hand-made dir + A128GCM: crit and the IV ------------------------------------------------------

CEK = bytes(range(16))


def _dir_gcm(header: dict, iv_bytes: int = 12) -> str:
    protected = b64url_encode(json.dumps(header).encode())
    iv = os.urandom(iv_bytes)
    sealed = AESGCM(CEK).encrypt(iv, PLAINTEXT, protected.encode("ascii"))
    return ".".join([protected, "", b64url_encode(iv), b64url_encode(sealed[:-16]),
                     b64url_encode(sealed[-16:])])


def test_hand_made_dir_token_decrypts():
    assert decrypt(_dir_gcm({"alg": "dir", "enc": "A128GCM"}), CEK).plaintext == PLAINTEXT


@pytest.mark.parametrize(("extra", "message"), [
    ({"crit": ["exp"], "exp": 1}, "does not understand"),
    ({"crit": ["x-unknown"], "x-unknown": True}, "does not understand"),
    ({"crit": ["missing"]}, "header lacks"),
    ({"crit": []}, "non-empty array"),
    ({"crit": "exp", "exp": 1}, "non-empty array"),
    ({"crit": [1]}, "non-empty array"),
    ({"crit": None}, "non-empty array"),
])
def test_unknown_or_malformed_crit_is_refused(extra, message):
    token = _dir_gcm({"alg": "dir", "enc": "A128GCM", **extra})
    with pytest.raises(DecryptionFailed, match=message):
        decrypt(token, CEK)


@pytest.mark.parametrize("iv_bytes", [8, 16, 32])
def test_aes_gcm_iv_must_be_96_bits(iv_bytes):
    token = _dir_gcm({"alg": "dir", "enc": "A128GCM"}, iv_bytes)
    with pytest.raises(DecryptionFailed, match="96"):
        decrypt(token, CEK)


def test_gcm_key_wrap_with_a_128_bit_iv_is_refused(aes_key):
    """A128GCMKW: the iv header of the key wrap must be 96 bits too."""
    from tokendesk.core.tokens.b64 import b64url_decode

    raw_kek = b64url_decode(json.loads(aes_key.export())["k"])
    cek = os.urandom(16)
    wrap_iv = os.urandom(16)
    wrapped = AESGCM(raw_kek).encrypt(wrap_iv, cek, b"")
    header = {"alg": "A128GCMKW", "enc": "A128GCM", "iv": b64url_encode(wrap_iv),
              "tag": b64url_encode(wrapped[-16:])}
    protected = b64url_encode(json.dumps(header).encode())
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, PLAINTEXT, protected.encode("ascii"))
    token = ".".join([protected, b64url_encode(wrapped[:-16]), b64url_encode(iv),
                      b64url_encode(sealed[:-16]), b64url_encode(sealed[-16:])])
    with pytest.raises(DecryptionFailed, match="96-bit iv"):
        decrypt(token, raw_kek)
