"""SECURITY.md items 1–17, one behaviour per test. Tokens are made by PyJWT where it can
(an independent implementation) and by the core's encoder where PyJWT refuses to."""

from __future__ import annotations

import base64
import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.conftest import NOW, certificate_pem, private_pem, public_pem
from tokendesk.core import load_keys, load_secret, verify
from tokendesk.core.errors import KeySetRejected, UnusableKey
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.encode import SigningKey, encode
from tokendesk.core.tokens.keys import Key, has_roca_fingerprint, jwk_from_public_key
from tokendesk.core.tokens.verify import left_half_hash

CLAIMS = {"iss": "https://issuer.example", "sub": "alice", "aud": "api", "iat": NOW - 60,
          "exp": NOW + 600}


def raw_token(header: dict, payload: dict | bytes, signature: bytes = b"") -> str:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return ".".join([b64url_encode(json.dumps(header).encode()), b64url_encode(body),
                     b64url_encode(signature)])


def failed(result) -> str:
    assert not result.valid, "expected the token to be refused"
    return result.failures[0].name


# 1 ------------------------------------------------------------------------------------------

def test_1_key_alg_pins_the_algorithm(rsa_private):
    jwk = {**jwk_from_public_key(rsa_private.public_key()), "alg": "RS256"}
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="PS256")
    result = verify(token, load_keys(json.dumps(jwk)), now=NOW)
    assert failed(result) == "key"
    assert "pinned to RS256" in result.reason


def test_1_key_without_alg_allows_only_its_family(ec_private):
    keys = load_keys(public_pem(ec_private))
    assert keys.keys[0].algorithms == {"ES256"}
    good = pyjwt.encode(CLAIMS, ec_private, algorithm="ES256")
    assert verify(good, keys, now=NOW).valid


def test_1_allow_list_is_applied_on_top_of_the_key(rsa_private):
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256")
    keys = load_keys(public_pem(rsa_private))
    assert verify(token, keys, algorithms=["RS256"], now=NOW).valid
    result = verify(token, keys, algorithms=["PS256"], now=NOW)
    assert failed(result) == "algorithm"


# 2 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["none", "None", "NONE", "nOnE"])
def test_2_alg_none_in_any_spelling_is_refused_with_a_key(spelling, hmac_secret):
    token = raw_token({"alg": spelling, "typ": "JWT"}, CLAIMS)
    result = verify(token, load_secret(hmac_secret), now=NOW)
    assert failed(result) == "algorithm"
    assert "none" in result.reason


def test_2_empty_signature_is_refused(hmac_secret):
    good = pyjwt.encode(CLAIMS, hmac_secret, algorithm="HS256")
    stripped = good.rsplit(".", 1)[0] + "."
    result = verify(stripped, load_secret(hmac_secret), now=NOW)
    assert failed(result) == "signature"
    assert "empty" in result.reason


# 3 ------------------------------------------------------------------------------------------

def _confused(public_bytes: bytes) -> str:
    """The classic attack: HS256 with the public key's bytes as the shared secret."""
    return encode(CLAIMS, SigningKey("HS256", public_bytes))


def _encodings(private) -> dict[str, bytes]:
    pub = private.public_key()
    return {
        "pem": public_pem(private).encode(),
        "der": pub.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk": json.dumps(jwk_from_public_key(pub)).encode(),
        "openssh": pub.public_bytes(serialization.Encoding.OpenSSH,
                                    serialization.PublicFormat.OpenSSH),
        "certificate": certificate_pem(private).encode(),
    }


@pytest.mark.parametrize("encoding", ["pem", "der", "jwk", "openssh", "certificate"])
def test_3_hs256_is_refused_for_an_asymmetric_key_in_every_encoding(encoding, rsa_private):
    data = _encodings(rsa_private)[encoding]
    keys = load_keys(data)
    token = _confused(data)
    result = verify(token, keys, algorithms=["HS256", "RS256"], now=NOW)
    assert failed(result) == "key"
    assert "algorithm confusion" in result.reason


@pytest.mark.parametrize("encoding", ["pem", "der", "jwk", "openssh", "certificate"])
def test_3_an_asymmetric_key_is_refused_as_an_hmac_secret(encoding, rsa_private):
    data = _encodings(rsa_private)[encoding]
    with pytest.raises(UnusableKey, match="not a shared secret|public or private key"):
        load_secret(data if encoding == "der" else data.decode())


def test_3_hs256_refused_for_ec_key_even_when_allowed(ec_private):
    pem = public_pem(ec_private).encode()
    result = verify(_confused(pem), load_keys(pem), algorithms=["HS256"], now=NOW)
    assert not result.valid


# 4 ------------------------------------------------------------------------------------------

def test_4_an_exception_inside_a_key_means_invalid_not_a_crash(rsa_private):
    bogus = Key("RSA", frozenset({"RS256"}), None, "test", "broken key", verifier=object())
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256")
    result = verify(token, [bogus], now=NOW)
    assert failed(result) == "signature"
    assert "could not be checked" in result.reason


@pytest.mark.parametrize("header", [{"alg": ["RS256"]}, {"alg": 5}, {"alg": None}, {},
                                    {"alg": "RS256", "kid": {"x": 1}}])
def test_4_odd_header_types_are_invalid(header, rsa_private):
    token = raw_token(header, CLAIMS, b"x" * 256)
    result = verify(token, load_keys(public_pem(rsa_private)), now=NOW)
    assert not result.valid


def test_4_non_text_input_is_invalid(rsa_private):
    result = verify(b"abc.def.ghi", load_keys(public_pem(rsa_private)))  # type: ignore[arg-type]
    assert not result.valid


# 5 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["jku", "x5u", "jwk", "x5c"])
def test_5_key_location_headers_are_warnings_and_never_trusted(name, rsa_private, ec_private):
    value = {"jku": "https://attacker.example/jwks", "x5u": "https://attacker.example/c",
             "jwk": jwk_from_public_key(ec_private.public_key()), "x5c": ["MIIB"]}[name]
    # Signed by the attacker's EC key, which the header offers; the user trusts the RSA key.
    token = pyjwt.encode(CLAIMS, ec_private, algorithm="ES256", headers={name: value})
    result = verify(token, load_keys(public_pem(rsa_private)), now=NOW)
    assert not result.valid
    assert any(name in f.message for f in result.findings)


def test_5_kid_only_chooses_among_the_given_keys(rsa_private):
    other = rsa.generate_private_key(65537, 2048)
    jwks = {"keys": [{**jwk_from_public_key(rsa_private.public_key()), "kid": "a"}]}
    token = pyjwt.encode(CLAIMS, other, algorithm="RS256", headers={"kid": "b"})
    result = verify(token, load_keys(json.dumps(jwks)), now=NOW)
    assert failed(result) == "key"
    assert "no key with kid 'b'" in result.reason


# 6 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("crit", [["exp-ext"], [], "exp-ext", [1], ["alg"]])
def test_6_bad_or_unknown_crit_is_refused(crit, hmac_secret):
    header = {"crit": crit, "exp-ext": 1}
    token = encode(CLAIMS, SigningKey("HS256", hmac_secret), header=header)
    result = verify(token, load_secret(hmac_secret), now=NOW)
    assert failed(result) == "crit"


# 7 ------------------------------------------------------------------------------------------

def _variants(token: str) -> dict[str, str]:
    h, p, s = token.split(".")
    return {
        "padding": f"{h}=.{p}.{s}",
        "inner whitespace": f"{h}.{p[:10]} {p[10:]}.{s}",
        "line break": f"{h}.\n{p}.{s}",
        "standard base64": f"{h}.{p}.{s[:5]}+{s[6:]}",
        "two segments": f"{h}.{p}",
        "four segments": f"{h}.{p}.{s}.{s}",
    }


@pytest.mark.parametrize("variant", ["padding", "inner whitespace", "line break",
                                     "standard base64", "two segments", "four segments"])
def test_7_non_canonical_serialisations_are_refused(variant, hmac_secret):
    token = pyjwt.encode(CLAIMS, hmac_secret, algorithm="HS256")
    result = verify(_variants(token)[variant], load_secret(hmac_secret), now=NOW)
    assert failed(result) == "format"


def test_7_duplicate_header_members_are_refused(hmac_secret):
    header = b'{"alg":"HS256","alg":"none"}'
    h = b64url_encode(header)
    p = b64url_encode(json.dumps(CLAIMS).encode())
    import hashlib
    import hmac
    sig = hmac.new(hmac_secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
    result = verify(f"{h}.{p}.{b64url_encode(sig)}", load_secret(hmac_secret), now=NOW)
    assert failed(result) == "format"
    assert "more than once" in result.reason


# 8 ------------------------------------------------------------------------------------------

N256 = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@pytest.mark.parametrize("r,s", [(0, 0), (0, 1), (1, 0), (N256, 1), (1, N256), (N256 + 1, 5)])
def test_8_psychic_signatures_are_refused(r, s, ec_private):
    token = raw_token({"alg": "ES256"}, CLAIMS,
                      r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    result = verify(token, load_keys(public_pem(ec_private)), now=NOW)
    assert failed(result) == "signature"
    assert "CVE-2022-21449" in result.reason


def test_8_der_encoded_ecdsa_signature_is_refused(ec_private):
    from cryptography.hazmat.primitives import hashes

    token = pyjwt.encode(CLAIMS, ec_private, algorithm="ES256")
    h, p, _ = token.split(".")
    der = ec_private.sign(f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))
    result = verify(f"{h}.{p}.{b64url_encode(der)}", load_keys(public_pem(ec_private)), now=NOW)
    assert failed(result) == "signature"
    assert "DER" in result.reason


# 9 ------------------------------------------------------------------------------------------

def test_9_short_hmac_key_is_refused():
    with pytest.raises(UnusableKey, match="HMAC key is 13 bytes; HS256 needs at least 32"):
        load_secret("short-secret!")


def test_9_hmac_key_too_short_for_hs512_is_bound_to_shorter_hashes(hmac_secret):
    keys = load_secret(hmac_secret[:40])
    assert keys.keys[0].algorithms == {"HS256"}
    token = encode(CLAIMS, SigningKey("HS512", hmac_secret[:40]))
    assert failed(verify(token, keys, now=NOW)) == "key"


def test_9_rsa_under_2048_bits_is_refused():
    small = rsa.generate_private_key(65537, 1024)
    with pytest.raises(UnusableKey, match="1024 bits; at least 2048"):
        load_keys(public_pem(small))


def test_9_tiny_rsa_exponent_is_refused(rsa_private):
    n = rsa_private.public_key().public_numbers().n
    jwk = {"kty": "RSA", "n": b64url_encode(n.to_bytes(256, "big")), "e": "Aw"}
    with pytest.raises(UnusableKey, match="exponent 3 is unsafe"):
        load_keys(json.dumps(jwk))


def test_9_ec_point_off_the_curve_is_refused(ec_private):
    jwk = jwk_from_public_key(ec_private.public_key())
    y = int.from_bytes(base64.urlsafe_b64decode(jwk["y"] + "=="), "big")
    jwk["y"] = b64url_encode(((y + 1) % (2**256)).to_bytes(32, "big"))
    with pytest.raises(UnusableKey, match="not on the curve P-256"):
        load_keys(json.dumps(jwk))


def _is_probable_prime(n: int) -> bool:
    import random

    if n < 2 or n % 2 == 0:
        return n == 2
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    rng = random.Random(n)
    for _ in range(20):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _roca_prime(bits: int, seed: int) -> int:
    """A prime of the form k*M + (65537^a mod M), as the Infineon library made them."""
    import math
    import random

    rng = random.Random(seed)
    primes = [p for p in range(3, 168) if all(p % q for q in range(2, int(p**0.5) + 1))]
    m = 2 * math.prod(primes)
    while True:
        a = rng.randrange(1, 1 << 40)
        k = rng.randrange(1 << (bits - m.bit_length() - 1), 1 << (bits - m.bit_length()))
        candidate = k * m + pow(65537, a, m)
        if candidate.bit_length() == bits and _is_probable_prime(candidate):
            return candidate


def test_9_roca_fingerprint_is_refused():
    n = _roca_prime(1030, 1) * _roca_prime(1030, 2)  # over 2048 bits, so only ROCA refuses it
    assert has_roca_fingerprint(n)
    jwk = {"kty": "RSA", "n": b64url_encode(n.to_bytes((n.bit_length() + 7) // 8, "big")),
           "e": "AQAB"}
    with pytest.raises(UnusableKey, match="ROCA"):
        load_keys(json.dumps(jwk))


def test_9_ordinary_rsa_moduli_have_no_roca_fingerprint(rsa_private):
    assert not has_roca_fingerprint(rsa_private.public_key().public_numbers().n)


# 10 -----------------------------------------------------------------------------------------

def test_10_mixed_symmetric_and_asymmetric_set_is_rejected(rsa_private):
    jwks = {"keys": [jwk_from_public_key(rsa_private.public_key()),
                     {"kty": "oct", "k": b64url_encode(b"s" * 32)}]}
    with pytest.raises(KeySetRejected, match="mixes shared secrets"):
        load_keys(json.dumps(jwks))


def test_10_repeated_kid_is_rejected(rsa_private, ec_private):
    jwks = {"keys": [{**jwk_from_public_key(rsa_private.public_key()), "kid": "k1"},
                     {**jwk_from_public_key(ec_private.public_key()), "kid": "k1"}]}
    with pytest.raises(KeySetRejected, match="'k1' appears more than once"):
        load_keys(json.dumps(jwks))


def test_10_a_key_not_for_signing_is_set_aside_not_fatal(rsa_private, ec_private):
    jwks = {"keys": [{**jwk_from_public_key(rsa_private.public_key()), "kid": "a"},
                     {**jwk_from_public_key(ec_private.public_key()), "kid": "b", "use": "enc"}]}
    keys = load_keys(json.dumps(jwks))
    assert [k.kid for k in keys] == ["a"]
    assert keys.set_aside == ("kid 'b' is an encryption key (use 'enc')",)


# 11 -----------------------------------------------------------------------------------------

def _hs(claims, secret):
    return pyjwt.encode(claims, secret, algorithm="HS256")


def test_11_exp_equal_to_now_is_expired(hmac_secret):
    result = verify(_hs({**CLAIMS, "exp": NOW}, hmac_secret), load_secret(hmac_secret), now=NOW)
    assert failed(result) == "exp"


def test_11_leeway_extends_exp_and_is_shown(hmac_secret):
    token = _hs({**CLAIMS, "exp": NOW - 30}, hmac_secret)
    assert not verify(token, load_secret(hmac_secret), now=NOW).valid
    result = verify(token, load_secret(hmac_secret), now=NOW, leeway=60)
    assert result.valid
    assert "leeway 60 s" in next(c for c in result.checks if c.name == "exp").reason
    assert result.leeway == 60


def test_11_nbf_in_the_future_is_refused(hmac_secret):
    token = _hs({**CLAIMS, "nbf": NOW + 120}, hmac_secret)
    result = verify(token, load_secret(hmac_secret), now=NOW)
    assert failed(result) == "nbf"
    assert verify(token, load_secret(hmac_secret), now=NOW, leeway=120).valid


@pytest.mark.parametrize("name,value", [("exp", "1800000600"), ("exp", True), ("nbf", "0"),
                                        ("iat", None), ("exp", [1])])
def test_11_numeric_dates_must_be_json_numbers(name, value, hmac_secret):
    token = encode({**CLAIMS, name: value}, SigningKey("HS256", hmac_secret))
    result = verify(token, load_secret(hmac_secret), now=NOW)
    assert failed(result) == name
    assert "not a JSON number" in result.reason


def test_11_the_clock_is_injectable(hmac_secret):
    token = _hs(CLAIMS, hmac_secret)
    assert verify(token, load_secret(hmac_secret), now=NOW).valid
    assert not verify(token, load_secret(hmac_secret), now=NOW + 601).valid


# 12 / 13 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("iss", ["https://issuer.example.evil", "https://issuer.exampl",
                                 "https://issuer.example/", "HTTPS://issuer.example",
                                 "https://evil/https://issuer.example"])
def test_12_issuer_must_match_exactly(iss, hmac_secret):
    token = _hs({**CLAIMS, "iss": iss}, hmac_secret)
    result = verify(token, load_secret(hmac_secret), now=NOW, issuer="https://issuer.example")
    assert failed(result) == "iss"


def test_12_issuer_as_a_list_does_not_match(hmac_secret):
    token = encode({**CLAIMS, "iss": ["https://issuer.example"]}, SigningKey("HS256", hmac_secret))
    result = verify(token, load_secret(hmac_secret), now=NOW, issuer="https://issuer.example")
    assert failed(result) == "iss"


@pytest.mark.parametrize("aud,ok", [("api", True), (["x", "api"], True), (["x"], False),
                                    ("apix", False), (None, False), (["ap", "i"], False)])
def test_13_audience_as_string_or_array_element(aud, ok, hmac_secret):
    claims = {**CLAIMS, "aud": aud} if aud is not None else {
        k: v for k, v in CLAIMS.items() if k != "aud"}
    result = verify(_hs(claims, hmac_secret), load_secret(hmac_secret), now=NOW, audience="api")
    assert result.valid is ok


# 14 / 15 ------------------------------------------------------------------------------------

def test_14_an_at_jwt_is_never_accepted_as_an_id_token(hmac_secret):
    token = pyjwt.encode(CLAIMS, hmac_secret, algorithm="HS256", headers={"typ": "at+jwt"})
    result = verify(token, load_secret(hmac_secret), now=NOW, expected_kind="id_token")
    assert failed(result) == "typ"
    assert verify(token, load_secret(hmac_secret), now=NOW, expected_kind="access_token").valid


def test_15_claims_are_withheld_when_the_signature_fails(hmac_secret):
    token = _hs(CLAIMS, b"z" * 32)
    result = verify(token, load_secret(hmac_secret), now=NOW)
    assert result.claims is None
    assert any(c.name == "claims" and "not checked" in c.reason for c in result.checks)


def test_15_no_key_means_unverified(hmac_secret):
    result = verify(_hs(CLAIMS, hmac_secret), None, now=NOW)
    assert not result.valid
    assert "UNVERIFIED" in result.reason


# 16 -----------------------------------------------------------------------------------------

ID = {"iss": "https://op.example", "sub": "u1", "aud": "client-1", "iat": NOW - 5,
      "exp": NOW + 300, "nonce": "n-0S6_WzA2Mj"}


def _id(hmac_secret, **changes):
    claims = {**ID, **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    return pyjwt.encode(claims, hmac_secret, algorithm="HS256")


def _check_id(token, hmac_secret, **kw):
    options = dict(now=NOW, issuer="https://op.example", expected_kind="id_token",
                   client_id="client-1", nonce="n-0S6_WzA2Mj")
    options.update(kw)
    return verify(token, load_secret(hmac_secret), **options)


def test_16_a_good_id_token_passes(hmac_secret):
    assert _check_id(_id(hmac_secret), hmac_secret).valid


@pytest.mark.parametrize("changes,check", [
    ({"iss": "https://other.example"}, "iss"),
    ({"aud": "client-2"}, "aud"),
    ({"aud": ["client-1", "client-2"]}, "azp"),
    ({"aud": ["client-1", "client-2"], "azp": "client-2"}, "azp"),
    ({"exp": NOW - 1}, "exp"),
    ({"iat": None}, "iat"),
    ({"sub": None}, "sub"),
    ({"nonce": "replayed"}, "nonce"),
    ({"nonce": None}, "nonce"),
])
def test_16_id_token_rules(changes, check, hmac_secret):
    result = _check_id(_id(hmac_secret, **changes), hmac_secret)
    assert check in [c.name for c in result.failures]


def test_16_at_hash_and_c_hash(hmac_secret):
    access, code = "ya29.access-token-value", "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
    token = _id(hmac_secret, at_hash=left_half_hash(access, "HS256"),
                c_hash=left_half_hash(code, "HS256"))
    assert _check_id(token, hmac_secret, access_token=access, code=code).valid
    result = _check_id(token, hmac_secret, access_token="other", code=code)
    assert [c.name for c in result.failures] == ["at_hash"]
    result = _check_id(token, hmac_secret, access_token=access, code="other")
    assert [c.name for c in result.failures] == ["c_hash"]


def test_16_c_hash_matches_the_oidc_spec_example():
    # OpenID Connect Core 1.0 Appendix A.4: code and c_hash of the example (RS256).
    assert left_half_hash("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk",
                          "RS256") == "LDktKdoQak3Pk0cnXxCltA"


# 17 -----------------------------------------------------------------------------------------

def test_17_no_kid_and_several_keys_tries_each(rsa_private):
    others = [rsa.generate_private_key(65537, 2048) for _ in range(2)]
    jwks = {"keys": [{**jwk_from_public_key(k.public_key()), "kid": f"k{i}"}
                     for i, k in enumerate([*others, rsa_private])]}
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256")
    result = verify(token, load_keys(json.dumps(jwks)), now=NOW)
    assert result.valid
    assert result.key is not None and result.key.kid == "k2"


def test_17_kid_selects_the_key_directly(rsa_private):
    other = rsa.generate_private_key(65537, 2048)
    jwks = {"keys": [{**jwk_from_public_key(other.public_key()), "kid": "old"},
                     {**jwk_from_public_key(rsa_private.public_key()), "kid": "new"}]}
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256", headers={"kid": "new"})
    result = verify(token, load_keys(json.dumps(jwks)), now=NOW)
    assert result.valid and result.key.kid == "new"


def test_private_key_pem_verifies_with_its_public_half(rsa_private):
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="PS384")
    result = verify(token, load_keys(private_pem(rsa_private)), now=NOW)
    assert result.valid
    assert result.key.source == "PEM private key"


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
                                 "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"])
def test_every_algorithm_verifies_pyjwt_tokens(alg, rsa_private, hmac_secret):
    from cryptography.hazmat.primitives.asymmetric import ed25519

    if alg.startswith("HS"):
        secret = hmac_secret + b"x" * 40
        token, keys = pyjwt.encode(CLAIMS, secret, algorithm=alg), load_secret(secret)
    elif alg[:2] in ("RS", "PS"):
        token, keys = pyjwt.encode(CLAIMS, rsa_private, algorithm=alg), load_keys(
            public_pem(rsa_private))
    elif alg == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
        token, keys = pyjwt.encode(CLAIMS, private, algorithm=alg), load_keys(public_pem(private))
    else:
        curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
        private = ec.generate_private_key(curve)
        token, keys = pyjwt.encode(CLAIMS, private, algorithm=alg), load_keys(public_pem(private))
    result = verify(token, keys, now=NOW, issuer="https://issuer.example", audience="api")
    assert result.valid, result.checks
