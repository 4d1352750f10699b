"""The Inspector's DPoP and cnf checks (issue 18) against proofs and thumbprints made by node
``jose`` 6 (tests/oidc/jose_interop.mjs), and Tokendesk's proofs checked by jose: both ways, for
every DPoP algorithm both have (ES256, EdDSA, RS256). Offline; the clock is injected."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOW
from tests.integration.test_interop_node_jose import OIDC, _ok, node
from tokendesk.core.tokens.binding import check_binding
from tokendesk.core.tokens.dpop import access_token_hash, generate_dpop_key, jkt, make_proof
from tokendesk.core.tokens.dpop import public_jwk as tokendesk_public
from tokendesk.core.tokens.dpop_check import check_proof
from tokendesk.core.tokens.encode import encode, generate_key

pytestmark = pytest.mark.skipif(not (OIDC / "node_modules" / "jose").is_dir(),
                                reason="tests/oidc/node_modules/jose is missing (npm ci)")
ALGS = {"ES256": None, "EdDSA": "Ed25519", "RS256": None}
URL = "https://api.example/orders"
ACCESS = "opaque-access-token-for-the-api"


@pytest.fixture(scope="module")
def jose_keys(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("jose-dpop")
    jobs = [{"op": "generate", "alg": alg, **({"crv": crv} if crv else {})}
            for alg, crv in ALGS.items()]
    keys = {alg: _ok(r) for alg, r in zip(ALGS, node(jobs, cwd), strict=True)}
    thumbs = node([{"op": "thumbprint", "jwk": keys[alg]["public"]} for alg in ALGS], cwd)
    for alg, thumb in zip(ALGS, thumbs, strict=True):
        keys[alg]["thumbprint"] = _ok(thumb)
    return keys, cwd


def _jose_proof(keys, cwd, alg, claims, header=None):
    key = keys[alg]
    job = {"op": "dpop_proof", "alg": alg, "jwk": key["private"], "public": key["public"],
           "claims": claims, **({"header": header} if header else {})}
    return _ok(node([job], cwd)[0])


def _claims(**extra):
    return {"jti": "jose-1", "htm": "GET", "htu": URL, "iat": NOW, **extra}


@pytest.mark.parametrize("alg", list(ALGS))
def test_a_proof_made_by_jose_checks_out_and_its_key_is_the_one_a_token_is_bound_to(
        jose_keys, alg):
    keys, cwd = jose_keys
    proof = _jose_proof(keys, cwd, alg, _claims(ath=access_token_hash(ACCESS), nonce="n-7"))
    result = check_proof(proof, method="GET", url=URL + "?q=1", now=NOW + 30,
                         access_token=ACCESS, nonce="n-7")
    assert result.valid, result.checks
    assert result.jkt == keys[alg]["thumbprint"]  # RFC 7638, as jose computes it
    bound = encode({"sub": "alice", "cnf": {"jkt": keys[alg]["thumbprint"]}},
                   generate_key("EC"))
    assert check_binding(bound, proof=proof).valid
    assert check_binding(bound, key=json.dumps(keys[alg]["public"])).valid
    assert check_binding(bound, key=json.dumps(keys[alg]["private"])).valid
    jwt_access = check_proof(
        _jose_proof(keys, cwd, alg, _claims(ath=access_token_hash(bound))), method="GET",
        url=URL, now=NOW, access_token=bound)
    assert jwt_access.valid and [c for c in jwt_access.checks if c.name == "cnf.jkt"][0].passed


@pytest.mark.parametrize("change,check", [
    ({"htm": "POST"}, "htm"),
    ({"htu": "https://api.example/other"}, "htu"),
    ({"iat": NOW - 3600}, "iat"),
    ({"ath": access_token_hash("another token")}, "ath"),
])
def test_a_jose_proof_for_another_request_is_refused_with_the_reason(jose_keys, change,
                                                                    check):
    keys, cwd = jose_keys
    proof = _jose_proof(keys, cwd, "ES256", _claims(**{"ath": access_token_hash(ACCESS), **change}))
    result = check_proof(proof, method="GET", url=URL, now=NOW, access_token=ACCESS)
    assert not result.valid
    assert [c.name for c in result.checks if not c.passed] == [check]


def test_a_jose_proof_with_a_private_key_in_its_header_is_refused(jose_keys):
    keys, cwd = jose_keys
    key = keys["ES256"]
    job = {"op": "dpop_proof", "alg": "ES256", "jwk": key["private"],
           "public": key["private"], "claims": _claims()}
    proof = _ok(node([job], cwd)[0])
    result = check_proof(proof, method="GET", url=URL, now=NOW)
    assert [c.code for c in result.checks if not c.passed] == ["private_jwk"]


def test_a_token_bound_to_a_jose_key_is_not_bound_to_another(jose_keys):
    keys, _cwd = jose_keys
    bound = encode({"cnf": {"jkt": keys["EdDSA"]["thumbprint"]}}, generate_key("EC"))
    refused = check_binding(bound, key=json.dumps(keys["ES256"]["public"]))
    assert not refused.valid and refused.checks[0].code == "mismatch"


@pytest.mark.parametrize("alg", list(ALGS))
def test_tokendesks_proofs_verify_with_jose_and_jose_computes_the_same_thumbprint(
        jose_keys, alg):
    _keys, cwd = jose_keys
    key = generate_dpop_key(alg)
    proof = make_proof(key, "post", "https://as.example/token?x=1", now=NOW,
                       access_token=ACCESS, nonce="server-nonce")
    checked = _ok(node([{"op": "verify_dpop", "token": proof, "alg": alg}], cwd)[0])
    assert checked["thumbprint"] == jkt(key)
    assert checked["payload"]["htm"] == "POST"
    assert checked["payload"]["htu"] == "https://as.example/token"
    assert checked["payload"]["ath"] == access_token_hash(ACCESS)
    assert checked["payload"]["nonce"] == "server-nonce"
    assert _ok(node([{"op": "thumbprint", "jwk": tokendesk_public(key)}], cwd)[0]) == jkt(key)
