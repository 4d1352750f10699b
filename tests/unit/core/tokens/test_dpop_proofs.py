"""DPoP proofs made and checked offline (RFC 9449 §4), with an injected clock; the cnf of bound
tokens (RFC 7800, RFC 9449 §6, RFC 8705 §3.1); the nonces of the HTTP side (§8). Every
failure path of the checker has its case here."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from tests.conftest import NOW, certificate_pem, private_pem
from tokendesk.core.errors import InvalidInput, UnsupportedAlgorithm, UnusableKey
from tokendesk.core.oauth.dpop import Nonces, nonce_challenge
from tokendesk.core.oauth.http import JsonResponse
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.binding import (
    certificate_thumbprint,
    check_binding,
    confirmation,
    jwk_thumbprint,
)
from tokendesk.core.tokens.dpop import (
    access_token_hash,
    dumps,
    generate_dpop_key,
    jkt,
    load_dpop_key,
    make_proof,
    public_jwk,
    target_uri,
)
from tokendesk.core.tokens.dpop_check import check_proof
from tokendesk.core.tokens.encode import encode, generate_key

URL = "https://api.example/orders"


@pytest.fixture(scope="module")
def key():
    return generate_dpop_key()


def _failed(result, name):
    return [c for c in result.checks if c.name == name and not c.passed]


def _segments(token):
    h, p, s = token.split(".")
    pad = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))  # noqa: E731
    return json.loads(pad(h)), json.loads(pad(p)), s


def _forge(key, header=None, claims=None, drop=()):
    """A proof with header or claims changed, signed again with ``key``."""
    base_header = {"typ": "dpop+jwt", "jwk": {} if isinstance(key.private, bytes)
                   else public_jwk(key)}
    base_claims = {"jti": "j-1", "htm": "GET", "htu": URL, "iat": NOW}
    base_header.update(header or {})
    base_claims.update(claims or {})
    for name in drop:
        base_header.pop(name, None)
        base_claims.pop(name, None)
    return encode(base_claims, key, header=base_header)


# -- making one ---------------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_a_proof_has_what_rfc_9449_asks_and_nothing_private(alg):
    key = generate_dpop_key(alg)
    proof = make_proof(key, "post", "HTTPS://Server.Example:443/token?x=1#frag", now=NOW + 0.9,
                       access_token="at-1", nonce="n-1")
    header, claims, _ = _segments(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == alg and "kid" not in header
    assert set(header["jwk"]) <= {"kty", "crv", "x", "y", "n", "e"}  # public members only
    assert claims["htm"] == "POST" and claims["htu"] == "https://server.example/token"
    assert claims["iat"] == NOW and claims["nonce"] == "n-1"
    assert claims["ath"] == b64url_encode(hashlib.sha256(b"at-1").digest())
    other = _segments(make_proof(key, "POST", URL, now=NOW))[1]
    assert other["jti"] != claims["jti"] and "ath" not in other and "nonce" not in other
    assert check_proof(proof, method="POST", url="https://server.example/token",
                       now=NOW + 1, access_token="at-1", nonce="n-1").valid


def test_a_stored_key_reads_back_as_the_same_key_and_only_dpop_keys_do():
    key = generate_dpop_key("RS256")
    assert jkt(load_dpop_key(dumps(key))) == jkt(key)
    with pytest.raises(UnusableKey):
        load_dpop_key(json.dumps(generate_key("EC", curve="P-384").private_jwk()))
    with pytest.raises(UnsupportedAlgorithm):
        generate_dpop_key("HS256")


@pytest.mark.parametrize("url,expected", [
    ("https://a.example", "https://a.example/"),
    ("https://A.example:8443/p?q#f", "https://a.example:8443/p"),
    ("http://127.0.0.1:80/token", "http://127.0.0.1/token"),
    ("http://[::1]:9000/t", "http://[::1]:9000/t"),
])
def test_the_target_uri_is_compared_without_query_fragment_or_default_port(url, expected):
    assert target_uri(url) == expected


@pytest.mark.parametrize("url", ["ftp://a.example/", "not a url", "https:///path",
                                 "https://a.example:port/"])
def test_a_target_that_is_not_an_http_url_is_refused(url, key):
    with pytest.raises(InvalidInput):
        make_proof(key, "GET", url, now=NOW)


def test_a_method_or_an_access_token_that_cannot_be_sent_is_refused(key):
    with pytest.raises(InvalidInput):
        make_proof(key, "GE T", URL, now=NOW)
    with pytest.raises(InvalidInput):
        make_proof(key, "GET", URL, now=NOW, access_token="tökén")


# -- checking one --------------------------------------------------------------------------------
def test_a_valid_proof_says_what_was_not_checked(key):
    result = check_proof(make_proof(key, "GET", URL, now=NOW), method="get", url=URL, now=NOW)
    assert result.valid and result.jkt == jkt(key)
    assert {c.name for c in result.checks if not c.checked} == {"jti", "ath"}
    assert result.to_dict()["verdict"] == "VALID"


@pytest.mark.parametrize("change,check", [
    ({"header": {"typ": "JWT"}}, "typ"),
    ({"drop": ("jwk",)}, "jwk"),
    ({"drop": ("jti",)}, "claims"),
    ({"drop": ("htu",)}, "claims"),
    ({"claims": {"jti": ""}}, "jti"),
    ({"claims": {"htm": "POST"}}, "htm"),
    ({"claims": {"htu": "https://api.example/other"}}, "htu"),
    ({"claims": {"htu": 42}}, "htu"),
    ({"claims": {"iat": NOW - 301}}, "iat"),
    ({"claims": {"iat": NOW + 60}}, "iat"),
    ({"claims": {"iat": "yesterday"}}, "iat"),
])
def test_each_wrong_part_of_a_proof_is_named(key, change, check):
    result = check_proof(_forge(key, **change), method="GET", url=URL, now=NOW)
    assert not result.valid and _failed(result, check), result.checks


def test_a_private_key_in_the_jwk_header_is_refused_as_leaked():
    key = generate_dpop_key()
    leaked = _forge(key, header={"jwk": key.private_jwk()})
    result = check_proof(leaked, method="GET", url=URL, now=NOW)
    assert _failed(result, "jwk")[0].code == "private_jwk"


def test_a_shared_secret_jwk_or_a_symmetric_alg_is_refused(key):
    secret = generate_key("HMAC")
    oct_jwk = _forge(secret, header={"jwk": {"kty": "oct", "k": b64url_encode(b"x" * 32)}})
    assert _failed(check_proof(oct_jwk, method="GET", url=URL, now=NOW), "jwk")
    hs = _forge(secret, header={"jwk": public_jwk(key)})
    assert _failed(check_proof(hs, method="GET", url=URL, now=NOW), "algorithm")


def test_an_alg_that_does_not_fit_the_jwk_and_a_bad_signature_are_refused(key):
    other = generate_dpop_key("EdDSA")
    mismatched = _forge(other, header={"jwk": public_jwk(key)})
    assert _failed(check_proof(mismatched, method="GET", url=URL, now=NOW), "algorithm")
    resigned = _forge(generate_dpop_key(), header={"jwk": public_jwk(key)})
    assert _failed(check_proof(resigned, method="GET", url=URL, now=NOW), "signature")
    unsigned = _forge(key).rsplit(".", 1)[0] + "."
    assert not check_proof(unsigned, method="GET", url=URL, now=NOW).valid


def test_an_unusable_jwk_is_named(key):
    bad = dict(public_jwk(key), y=b64url_encode(b"\x01" * 32))  # not on the curve
    result = check_proof(_forge(key, header={"jwk": bad}), method="GET", url=URL, now=NOW)
    assert _failed(result, "jwk") and "cannot be used" in _failed(result, "jwk")[0].reason


def test_nonce_and_ath_are_checked_when_given(key):
    at = "at-for-the-api"
    proof = make_proof(key, "GET", URL, now=NOW, access_token=at, nonce="server-nonce")
    assert _failed(check_proof(proof, method="GET", url=URL, now=NOW, nonce="other"), "nonce")
    no_nonce = make_proof(key, "GET", URL, now=NOW, access_token=at)
    assert _failed(check_proof(no_nonce, method="GET", url=URL, now=NOW, nonce="n"), "nonce")
    assert _failed(check_proof(proof, method="GET", url=URL, now=NOW, access_token="other"),
                   "ath")[0].code == "ath_mismatch"
    plain = make_proof(key, "GET", URL, now=NOW)
    assert _failed(check_proof(plain, method="GET", url=URL, now=NOW, access_token=at),
                   "ath")[0].code == "ath_missing"
    opaque = check_proof(proof, method="GET", url=URL, now=NOW, access_token=at)
    assert opaque.valid and not [c for c in opaque.checks if c.name == "cnf.jkt"][0].checked


def test_a_jwt_access_token_must_be_bound_to_the_proofs_key(key):
    signer = generate_key("EC")
    bound = encode({"sub": "a", "cnf": {"jkt": jkt(key)}}, signer)
    other = encode({"sub": "a", "cnf": {"jkt": jkt(generate_dpop_key())}}, signer)
    bearer = encode({"sub": "a"}, signer)
    for token, code in ((bound, None), (other, "jkt_mismatch"), (bearer, "not_bound")):
        proof = make_proof(key, "GET", URL, now=NOW, access_token=token)
        result = check_proof(proof, method="GET", url=URL, now=NOW, access_token=token)
        failed = _failed(result, "cnf.jkt")
        assert (failed[0].code if failed else None) == code


@pytest.mark.parametrize("text", ["", "a.b", "a.b.c.d.e", "x" * 10, "e30.e30.", "!!.!!.!!"])
def test_what_is_not_a_proof_is_refused_without_raising(text):
    result = check_proof(text, method="GET", url=URL, now=NOW)
    assert not result.valid and result.reason


def test_a_payload_that_is_not_an_object_and_a_bad_clock_are_refused(key):
    array = encode([1, 2], key, header={"typ": "dpop+jwt", "jwk": public_jwk(key)})
    assert not check_proof(array, method="GET", url=URL, now=NOW).valid
    proof = make_proof(key, "GET", URL, now=NOW)
    for now in (float("nan"), float("inf"), -1.0):
        assert _failed(check_proof(proof, method="GET", url=URL, now=now), "input")
    assert _failed(check_proof(proof, method="GET", url=URL, now=NOW, max_age=float("nan")),
                   "input")
    assert not check_proof(proof, method="GET", url="not a url", now=NOW).valid


# -- cnf of a bound token ------------------------------------------------------------------------
def test_rfc_7638_thumbprint_example():
    jwk = {"kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
           "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
                "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4Qy"
                "Q5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpb"
                "ISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur"
                "-kEgU8awapJzKnqDKgw"}
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    with pytest.raises(UnusableKey):
        jwk_thumbprint({"kty": "AKP", "x": "y"})
    with pytest.raises(UnusableKey):
        jwk_thumbprint({"kty": "EC", "crv": "P-256", "x": 1, "y": "y"})


def test_a_token_bound_to_a_key_matches_that_key_or_its_proof_only(key):
    token = encode({"cnf": {"jkt": jkt(key)}}, generate_key("EC"))
    assert check_binding(token, key=dumps(key)).valid
    assert check_binding(token, proof=make_proof(key, "GET", URL, now=NOW)).verdict == "BOUND"
    stranger = generate_dpop_key()
    refused = check_binding(token, key=json.dumps(public_jwk(stranger)))
    assert not refused.valid and refused.checks[0].code == "mismatch"
    assert confirmation(token).describe() == f"bound to DPoP key thumbprint {jkt(key)}"


def test_a_token_bound_to_a_certificate(ec_private, rsa_private):
    cert = certificate_pem(ec_private)
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(cert.encode()).public_bytes(Encoding.DER)
    thumb = b64url_encode(hashlib.sha256(der).digest())
    assert certificate_thumbprint(cert) == certificate_thumbprint(der) == thumb
    token = encode({"cnf": {"x5t#S256": thumb}}, generate_key("EC"))
    assert check_binding(token, certificate=cert).valid
    assert not check_binding(token, certificate=certificate_pem(rsa_private)).valid
    assert not check_binding(token, certificate="not a certificate").valid
    assert not check_binding(token, key=dumps(generate_dpop_key())).valid  # no cnf.jkt


@pytest.mark.parametrize("claims,text", [
    ({"sub": "a"}, "not bound (no cnf): a bearer token"),
    ({"cnf": "jkt"}, "cnf is not a JSON object (RFC 7800 §3.1)"),
    ({"cnf": {"jkt": 5}}, "cnf.jkt is not a string"),
    ({"cnf": {"kid": "k1"}}, "confirmation by kid (not compared)"),
])
def test_what_a_cnf_says_in_words(claims, text):
    token = encode(claims, generate_key("EC"))
    assert confirmation(token).describe() == text
    assert not check_binding(token, key=dumps(generate_dpop_key())).valid


def test_binding_of_what_cannot_be_read_is_a_failed_check(key, rsa_private):
    assert not confirmation("an-opaque-token").readable
    assert not check_binding("an-opaque-token", key=dumps(key)).valid
    token = encode({"cnf": {"jkt": jkt(key)}}, generate_key("EC"))
    assert not check_binding(token).valid  # nothing to compare with
    assert not check_binding(token, key="not a key").valid
    assert not check_binding(token, proof="not.a.proof").valid
    two = json.dumps({"keys": [public_jwk(key) | {"kid": "1"},
                               public_jwk(generate_dpop_key()) | {"kid": "2"}]})
    assert not check_binding(token, key=two).valid
    assert check_binding({"cnf": {"jkt": jkt(key)}}, key=private_pem(key.private)).valid


# -- nonces (the HTTP side, pure) ----------------------------------------------------------------
def test_nonces_are_kept_per_origin_and_only_valid_ones():
    nonces = Nonces()
    assert nonces.remember("https://as.example/token", {"dpop-nonce": "n-1"}) == "n-1"
    assert nonces.get("https://as.example:443/other") == "n-1"
    assert nonces.get("https://as.example:8443/token") is None
    assert nonces.get("http://as.example/token") is None
    for bad in ("", "has space", 'quote"d', "x" * 1025, "naïve"):
        assert nonces.remember("https://rs.example/", {"dpop-nonce": bad}) is None
    assert nonces.get("https://rs.example/") is None
    assert nonces.remember("not a url", {"dpop-nonce": "n"}) is None


@pytest.mark.parametrize("status,body,headers,wanted", [
    (400, {"error": "use_dpop_nonce"}, {}, True),
    (400, {"error": "invalid_dpop_proof"}, {}, False),
    (400, None, {}, False),
    (401, None, {"www-authenticate": 'DPoP error="use_dpop_nonce", algs="ES256"'}, True),
    (401, None, {"www-authenticate": 'DPoP algs="ES256", error="use_dpop_nonce"'}, True),
    (401, None, {"www-authenticate": 'Bearer error="invalid_token"'}, False),
    (200, {"error": "use_dpop_nonce"}, {}, False),
])
def test_which_answers_ask_for_a_nonce(status, body, headers, wanted):
    assert nonce_challenge(JsonResponse(status, headers, body)) is wanted


def test_access_token_hash_is_rfc_9449_ath():
    # RFC 9449 §7.1's example: the access token and the ath of the proof that goes with it
    token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
    assert access_token_hash(token) == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"


def test_keys_that_cannot_make_proofs_are_refused():
    from tokendesk.core.oauth.dpop import Prover

    with pytest.raises(UnusableKey):
        public_jwk(generate_key("HMAC"))
    with pytest.raises(UnsupportedAlgorithm):
        make_proof(generate_key("EC", curve="P-384"), "GET", URL, now=NOW)
    prover = Prover(generate_dpop_key(), clock=lambda: NOW)
    for token in ("two words", "tökén", "line\nbreak"):
        with pytest.raises(InvalidInput):
            prover.resource_headers("GET", URL, token)
    headers = prover.resource_headers("GET", URL, "at-1")
    assert headers["Authorization"] == "DPoP at-1" and "jkt=" in repr(prover)
    assert _segments(headers["DPoP"])[1]["iat"] == NOW  # the injected clock


def test_a_proofs_own_jwk_is_explained_not_warned_about():
    """In a DPoP proof the embedded jwk is the point (RFC 9449 §4.2); elsewhere it is a key
    nobody should trust."""
    from tokendesk.core.tokens.findings import header_findings

    jwk = {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "BBBB"}
    proof = [f.code for f in header_findings({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})]
    other = [f.code for f in header_findings({"typ": "JWT", "alg": "ES256", "jwk": jwk})]
    assert "dpop_jwk" in proof and "header_jwk" not in proof
    assert "header_jwk" in other and "dpop_jwk" not in other
