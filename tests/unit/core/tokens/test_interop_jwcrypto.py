"""Interoperability with an independent JOSE implementation, jwcrypto (issue 13,
"Interoperability"): tokens, keys and JWEs are made at test time.

* every signature algorithm the core claims, both directions: jwcrypto signs and the core
  verifies; the core signs (``encode``) and jwcrypto verifies;
* every alg/enc pair the core decrypts: jwcrypto encrypts, the core decrypts (the core makes no
  JWE yet);
* JWKS in the shapes Google, Entra (x5c/x5t), Auth0 and Keycloak (a sig and an RSA-OAEP enc key)
  publish, with keys jwcrypto can also make (post-quantum AKP, secp256k1, X448) beside them.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws

from tests.conftest import NOW, certificate_pem
from tokendesk.core import load_keys, verify
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.encode import encode, generate_key
from tokendesk.core.tokens.jwe import decrypt, load_decryption_key
from tokendesk.core.tokens.keys import ALL_ALGORITHMS

CLAIMS = {"iss": "https://issuer.example", "sub": "alice", "aud": "api", "iat": NOW - 60,
          "exp": NOW + 600}

#: alg -> how jwcrypto makes a key for it
SIGNING = {
    "HS256": dict(kty="oct", size=256), "HS384": dict(kty="oct", size=384),
    "HS512": dict(kty="oct", size=512),
    **{alg: dict(kty="RSA", size=2048) for alg in ("RS256", "RS384", "RS512", "PS256",
                                                    "PS384", "PS512")},
    "ES256": dict(kty="EC", crv="P-256"), "ES384": dict(kty="EC", crv="P-384"),
    "ES512": dict(kty="EC", crv="P-521"),
    "EdDSA/Ed25519": dict(kty="OKP", crv="Ed25519"), "EdDSA/Ed448": dict(kty="OKP", crv="Ed448"),
}
_CACHE: dict[str, jc_jwk.JWK] = {}


def _jc_key(spec: str) -> jc_jwk.JWK:
    """One jwcrypto key per spec for the module (RSA key generation is the slow part)."""
    params = SIGNING[spec]
    cache_key = json.dumps(params, sort_keys=True)
    if cache_key not in _CACHE:
        _CACHE[cache_key] = jc_jwk.JWK.generate(**params, kid=f"jc-{len(_CACHE)}")
    return _CACHE[cache_key]


def _alg(spec: str) -> str:
    return spec.split("/")[0]


def _jc_sign(key: jc_jwk.JWK, alg: str, claims: dict, **header) -> str:
    token = jc_jws.JWS(json.dumps(claims).encode())
    token.add_signature(key, alg=alg, protected=json.dumps({"alg": alg, "typ": "JWT",
                                                            "kid": key.get("kid"), **header}))
    return token.serialize(compact=True)


def _jc_verify(token: str, public: jc_jwk.JWK, alg: str) -> dict:
    parsed = jc_jws.JWS()
    parsed.deserialize(token)
    parsed.verify(public, alg=alg)
    return json.loads(parsed.payload)


def test_the_matrix_covers_every_algorithm_the_core_claims():
    assert {_alg(s) for s in SIGNING} == set(ALL_ALGORITHMS)


@pytest.mark.parametrize("spec", sorted(SIGNING))
def test_jwcrypto_signs_the_core_verifies(spec):
    key, alg = _jc_key(spec), _alg(spec)
    token = _jc_sign(key, alg, CLAIMS)
    trusted = key.export() if key.get("kty") == "oct" else key.export_public()
    result = verify(token, load_keys(trusted), now=NOW, issuer=CLAIMS["iss"], audience="api")
    assert result.valid, result.reason
    assert result.alg == alg
    # in a set, chosen by kid; and a tampered payload is refused
    jwks = json.dumps({"keys": [json.loads(trusted)]})
    assert verify(token, load_keys(jwks), now=NOW).valid
    head, payload, sig = token.split(".")
    other = b64url_encode(json.dumps({**CLAIMS, "sub": "mallory"}).encode())
    assert not verify(f"{head}.{other}.{sig}", load_keys(trusted), now=NOW).valid


@pytest.mark.parametrize("spec", sorted(SIGNING))
def test_the_core_signs_jwcrypto_verifies(spec):
    alg = _alg(spec)
    if alg.startswith("HS"):
        key = generate_key("HMAC", alg=alg)
        public = jc_jwk.JWK(kty="oct", k=b64url_encode(key.private))
    elif alg[:2] in ("RS", "PS"):
        key = generate_key("RSA", alg=alg)
    elif alg.startswith("ES"):
        key = generate_key("EC", curve=SIGNING[spec]["crv"])
    else:
        key = generate_key(SIGNING[spec]["crv"])
    if not alg.startswith("HS"):
        public = jc_jwk.JWK.from_json(json.dumps(key.public_jwk()))
    token = encode(CLAIMS, key)
    assert _jc_verify(token, public, alg) == CLAIMS
    # and the core's own verifier agrees with its exported public key (or the secret)
    trusted = json.dumps(key.private_jwk() if alg.startswith("HS") else key.public_jwk())
    assert verify(token, load_keys(trusted), now=NOW).valid


def test_the_core_signs_with_a_jwcrypto_private_jwk():
    from tokendesk.core.tokens.encode import load_signing_key

    key = _jc_key("ES256")
    signing = load_signing_key(key.export_private())
    token = encode(CLAIMS, signing)
    assert _jc_verify(token, jc_jwk.JWK.from_json(key.export_public()), "ES256") == CLAIMS


# -- JWE: jwcrypto encrypts, the core decrypts -------------------------------------------------

ENCS = ("A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512")
ENC_BYTES = {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32, "A128CBC-HS256": 32,
             "A192CBC-HS384": 48, "A256CBC-HS512": 64}
KEY_MANAGEMENT = ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A128KW", "A192KW", "A256KW",
                  "A128GCMKW", "A192GCMKW", "A256GCMKW", "dir", "ECDH-ES", "ECDH-ES+A128KW",
                  "ECDH-ES+A192KW", "ECDH-ES+A256KW", "PBES2-HS256+A128KW",
                  "PBES2-HS384+A192KW", "PBES2-HS512+A256KW")
PASSWORD = "correct horse battery staple"
_JWE_KEYS: dict[str, jc_jwk.JWK] = {}
PLAINTEXT = json.dumps(CLAIMS).encode()


def _recipient(alg: str, enc: str, curve: str = "P-256") -> jc_jwk.JWK:
    """The recipient's key (private) for ``alg``; cached where generation is slow."""
    if alg.startswith("RSA"):
        name = "RSA"
        if name not in _JWE_KEYS:
            _JWE_KEYS[name] = jc_jwk.JWK.generate(kty="RSA", size=2048)
        return _JWE_KEYS[name]
    if alg == "dir":
        return jc_jwk.JWK.generate(kty="oct", size=ENC_BYTES[enc] * 8)
    if alg.startswith("PBES2"):
        return jc_jwk.JWK.from_password(PASSWORD)
    if alg.startswith("ECDH-ES"):
        if curve.startswith("X"):
            return jc_jwk.JWK.generate(kty="OKP", crv=curve)
        return jc_jwk.JWK.generate(kty="EC", crv=curve)
    return jc_jwk.JWK.generate(kty="oct", size=int(alg[1:4]))


def _jc_encrypt(recipient: jc_jwk.JWK, alg: str, enc: str, **header) -> str:
    public = recipient if recipient.get("kty") == "oct" else \
        jc_jwk.JWK.from_json(recipient.export_public())
    token = jc_jwe.JWE(PLAINTEXT, json.dumps({"alg": alg, "enc": enc, **header}),
                       algs=[alg, enc])
    token.add_recipient(public)
    return token.serialize(compact=True)


def _core_decrypt(token: str, recipient: jc_jwk.JWK, alg: str) -> bytes:
    if alg.startswith("PBES2"):
        return decrypt(token, None, password=PASSWORD.encode()).plaintext
    return decrypt(token, load_decryption_key(recipient.export_private()
                                              if recipient.get("kty") != "oct"
                                              else recipient.export())).plaintext


@pytest.mark.parametrize("enc", ENCS)
@pytest.mark.parametrize("alg", KEY_MANAGEMENT)
def test_jwcrypto_encrypts_the_core_decrypts(alg, enc):
    recipient = _recipient(alg, enc)
    token = _jc_encrypt(recipient, alg, enc)
    assert _core_decrypt(token, recipient, alg) == PLAINTEXT


@pytest.mark.parametrize("curve", ["P-256", "P-384", "P-521", "X25519", "X448"])
@pytest.mark.parametrize("alg", ["ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW"])
def test_ecdh_on_every_curve(alg, curve):
    recipient = _recipient(alg, "A256GCM", curve)
    token = _jc_encrypt(recipient, alg, "A256GCM")
    assert _core_decrypt(token, recipient, alg) == PLAINTEXT


def test_compressed_content_from_jwcrypto():
    recipient = _recipient("A256KW", "A256GCM")
    token = _jc_encrypt(recipient, "A256KW", "A256GCM", zip="DEF")
    assert _core_decrypt(token, recipient, "A256KW") == PLAINTEXT


def test_nested_jwt_from_jwcrypto_decrypts_then_verifies():
    signer = _jc_key("RS256")
    inner = _jc_sign(signer, "RS256", CLAIMS)
    recipient = _recipient("RSA-OAEP-256", "A256GCM")
    outer = jc_jwe.JWE(inner.encode(), json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM",
                                                   "cty": "JWT"}))
    outer.add_recipient(jc_jwk.JWK.from_json(recipient.export_public()))
    result = decrypt(outer.serialize(compact=True),
                     load_decryption_key(recipient.export_private()))
    assert result.header["cty"] == "JWT"
    assert verify(result.text, load_keys(signer.export_public()), now=NOW).valid


# -- key sets in the shapes providers publish --------------------------------------------------

def _x5c(private) -> tuple[list[str], str, str]:
    der = x509.load_pem_x509_certificate(certificate_pem(private).encode()).public_bytes(
        serialization.Encoding.DER)
    return ([base64.b64encode(der).decode()], b64url_encode(hashlib.sha1(der).digest()),  # noqa: S324
            b64url_encode(hashlib.sha256(der).digest()))


def _rsa_pair(kid: str) -> tuple[jc_jwk.JWK, dict, object]:
    key = jc_jwk.JWK.generate(kty="RSA", size=2048, kid=kid)
    private = serialization.load_pem_private_key(key.export_to_pem(private_key=True,
                                                                   password=None), None)
    public = json.loads(key.export_public())
    return key, public, private


@pytest.fixture(scope="module")
def providers():
    """Two signing keys for each provider shape; the token is signed with the second."""
    keys = {}
    g1, g1pub, _ = _rsa_pair("google-1")
    g2, g2pub, _ = _rsa_pair("google-2")
    keys["google"] = (g2, {"keys": [{**g1pub, "alg": "RS256", "use": "sig"},
                                    {**g2pub, "alg": "RS256", "use": "sig"}]})

    entra = []
    for kid in ("entra-a", "entra-b"):
        key, pub, private = _rsa_pair(kid)
        x5c, x5t, _ = _x5c(private)
        entra.append((key, {"kty": "RSA", "use": "sig", "kid": kid, "x5t": x5t, "n": pub["n"],
                            "e": pub["e"], "x5c": x5c,
                            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"}))
    keys["entra"] = (entra[1][0], {"keys": [entra[0][1], entra[1][1]]})

    auth0 = []
    for kid in ("auth0-a", "auth0-b"):
        key, pub, private = _rsa_pair(kid)
        x5c, x5t, _ = _x5c(private)
        auth0.append((key, {"kty": "RSA", "use": "sig", "n": pub["n"], "e": pub["e"],
                            "kid": kid, "x5t": x5t, "x5c": x5c, "alg": "RS256"}))
    keys["auth0"] = (auth0[1][0], {"keys": [auth0[0][1], auth0[1][1]]})

    sig, sig_pub, sig_private = _rsa_pair("kc-sig")
    enc, enc_pub, enc_private = _rsa_pair("kc-enc")
    kc = []
    for pub, private, alg, use in ((enc_pub, enc_private, "RSA-OAEP", "enc"),
                                   (sig_pub, sig_private, "RS256", "sig")):
        x5c, x5t, x5t256 = _x5c(private)
        kc.append({"kid": pub["kid"], "kty": "RSA", "alg": alg, "use": use, "n": pub["n"],
                   "e": pub["e"], "x5c": x5c, "x5t": x5t, "x5t#S256": x5t256})
    keys["keycloak"] = (sig, {"keys": kc})
    keys["keycloak-enc"] = (enc, {"keys": kc})
    return keys


@pytest.mark.parametrize("provider", ["google", "entra", "auth0", "keycloak"])
def test_provider_shaped_jwks_verify_with_the_right_key(providers, provider):
    signer, jwks = providers[provider]
    token = _jc_sign(signer, "RS256", CLAIMS)
    keys = load_keys(json.dumps(jwks))
    result = verify(token, keys, now=NOW, issuer=CLAIMS["iss"], audience="api")
    assert result.valid, result.reason
    assert result.key is not None and result.key.kid == signer.get("kid")
    set_aside = [c.reason for c in result.checks if c.name == "key set"]
    if provider == "keycloak":
        assert set_aside == ["1 key set aside: kid 'kc-enc' is an encryption key (use 'enc')"]
    else:
        assert set_aside == []


@pytest.mark.parametrize("provider", ["google", "entra", "auth0", "keycloak"])
def test_provider_shaped_jwks_refuse_a_stranger_with_a_known_kid(providers, provider):
    signer, jwks = providers[provider]
    stranger = jc_jwk.JWK.generate(kty="RSA", size=2048, kid=signer.get("kid"))
    token = _jc_sign(stranger, "RS256", CLAIMS)
    assert not verify(token, load_keys(json.dumps(jwks)), now=NOW).valid


def test_keycloak_enc_key_decrypts_what_is_encrypted_to_it(providers):
    enc, jwks = providers["keycloak-enc"]
    published = next(k for k in jwks["keys"] if k["use"] == "enc")
    token = jc_jwe.JWE(PLAINTEXT, json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM",
                                              "kid": "kc-enc"}))
    token.add_recipient(jc_jwk.JWK(**published))
    private = {**json.loads(enc.export_private()), "alg": "RSA-OAEP", "use": "enc"}
    assert decrypt(token.serialize(compact=True),
                   load_decryption_key(json.dumps(private))).plaintext == PLAINTEXT


def test_a_jwks_with_keys_jwcrypto_makes_but_the_core_cannot_use(providers):
    signer, jwks = providers["google"]
    extra = [json.loads(jc_jwk.JWK.generate(kty="AKP", alg="ML-DSA-44", kid="pq-1")
                        .export_public()),
             json.loads(jc_jwk.JWK.generate(kty="EC", crv="secp256k1", kid="k1")
                        .export_public()),
             json.loads(jc_jwk.JWK.generate(kty="OKP", crv="X448", kid="x448")
                        .export_public())]
    keys = load_keys(json.dumps({"keys": [*extra, *jwks["keys"]]}))
    result = verify(_jc_sign(signer, "RS256", CLAIMS), keys, now=NOW)
    assert result.valid
    assert [c.reason for c in result.checks if c.name == "key set"] == [
        "3 keys set aside: kid 'pq-1' has key type AKP; kid 'k1' is on the curve secp256k1, "
        "which JOSE does not sign with; kid 'x448' is an X448 key-agreement key"]


# -- signing goes through PyJWT, after the core's own key checks --------------------------------

def test_signing_uses_pyjwt_after_the_core_checks_the_key(monkeypatch):
    from cryptography.hazmat.primitives.asymmetric import ec

    from tokendesk.core.errors import UnsupportedAlgorithm
    from tokendesk.core.tokens import signatures
    from tokendesk.core.tokens.encode import SigningKey

    calls = []
    real = signatures._pyjwt_algorithms()

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def sign(self, msg, key):
            calls.append(msg)
            return self.inner.sign(msg, key)

    monkeypatch.setattr(signatures, "_PYJWT", {alg: Spy(a) for alg, a in real.items()})
    key = generate_key("EC", curve="P-384")
    token = encode(CLAIMS, key)
    assert calls and verify(token, load_keys(json.dumps(key.public_jwk())), now=NOW).valid
    # PyJWT would sign ES256 with a P-384 key; the core refuses before it is asked
    with pytest.raises(UnsupportedAlgorithm, match="own curve"):
        encode(CLAIMS, SigningKey("ES256", ec.generate_private_key(ec.SECP384R1())))
    assert len(calls) == 1
