"""The public RFC vectors in shared/vectors: every one must behave as its RFC says."""

from __future__ import annotations

import json

import pytest

from tests.conftest import VECTORS, load_vector
from tokendesk.core import decode, load_keys, verify
from tokendesk.core.errors import KeySetRejected
from tokendesk.core.tokens.jwe import decrypt, load_decryption_key

RFC = load_vector("rfc-appendix/rfc7515_7519_examples.json")["tests"]
BEFORE_EXPIRY = 1300819000  # 2011-03-22 18:36:40 UTC, before the examples' exp


@pytest.mark.parametrize("case", [t for t in RFC if t["signature_valid"]], ids=lambda t: t["id"])
def test_rfc_appendix_examples_verify(case):
    result = verify(case["jws"], load_keys(json.dumps(case["key"])), now=BEFORE_EXPIRY)
    assert result.valid, result.checks
    assert result.alg == case["alg"]


@pytest.mark.parametrize("case", [t for t in RFC if t["id"] in ("rfc7515-A.1", "rfc7515-A.2",
                                                                  "rfc7515-A.3")],
                         ids=lambda t: t["id"])
def test_rfc_examples_are_expired_at_the_real_time(case):
    result = verify(case["jws"], load_keys(json.dumps(case["key"])))
    assert not result.valid
    assert [c.name for c in result.failures] == ["exp"]


def test_rfc_a5_unsecured_is_refused_when_a_key_is_given():
    a5 = next(t for t in RFC if t["id"] == "rfc7515-A.5")
    a1 = next(t for t in RFC if t["id"] == "rfc7515-A.1")
    result = verify(a5["jws"], load_keys(json.dumps(a1["key"])), now=BEFORE_EXPIRY)
    assert not result.valid
    assert "none" in result.reason
    assert decode(a5["jws"]).format == "unsecured"


def test_rfc_a4_non_json_payload_verifies_without_claim_checks():
    a4 = next(t for t in RFC if t["id"] == "rfc7515-A.4")
    result = verify(a4["jws"], load_keys(json.dumps(a4["key"])))
    assert result.valid
    assert result.claims is None
    assert decode(a4["jws"]).payload_text == "Payload"


COOKBOOK_JWS = ["jws/4_1.rsa_v15_signature.json", "jws/4_2.rsa-pss_signature.json",
                "jws/4_3.ecdsa_signature.json", "jws/4_4.hmac-sha2_integrity_protection.json",
                "curve25519/jws.json"]


@pytest.mark.parametrize("name", COOKBOOK_JWS)
def test_cookbook_compact_signatures_verify(name):
    case = load_vector(f"jose-cookbook/{name}")
    keys = load_keys(json.dumps(case["input"]["key"]))
    result = verify(case["output"]["compact"], keys)
    assert result.valid, result.checks
    assert result.alg == case["input"]["alg"]
    decoded = decode(case["output"]["compact"])
    assert decoded.payload_text == case["input"]["payload"]


@pytest.mark.parametrize("name", COOKBOOK_JWS)
def test_cookbook_signatures_fail_when_one_payload_character_changes(name):
    case = load_vector(f"jose-cookbook/{name}")
    h, p, s = case["output"]["compact"].split(".")
    tampered = f"{h}.{p[:-2]}{'A' if p[-2] != 'A' else 'B'}{p[-1]}.{s}"
    result = verify(tampered, load_keys(json.dumps(case["input"]["key"])))
    assert not result.valid
    assert result.failures[0].name in ("signature", "format")


@pytest.mark.parametrize("name", sorted(p.name for p in (VECTORS / "jose-cookbook/jwk").glob("*.json")))
def test_cookbook_jwks_load_or_are_refused_for_their_use(name):
    jwk = load_vector(f"jose-cookbook/jwk/{name}")
    if jwk.get("use") == "enc":
        with pytest.raises(KeySetRejected, match="use 'enc'"):
            load_keys(json.dumps(jwk))
    else:
        keys = load_keys(json.dumps(jwk))
        assert len(keys) == 1
        assert keys.keys[0].kid == jwk.get("kid")


JWE_COMPACT = sorted(
    str(p.relative_to(VECTORS / "jose-cookbook"))
    for p in [*(VECTORS / "jose-cookbook/jwe").glob("*.json"),
              VECTORS / "jose-cookbook/curve25519/ecdh-es.json"]
    if json.loads(p.read_text()).get("output", {}).get("compact")
)


@pytest.mark.parametrize("name", JWE_COMPACT)
def test_cookbook_jwe_examples_decrypt(name):
    case = load_vector(f"jose-cookbook/{name}")
    inp = case["input"]
    key = load_decryption_key(json.dumps(inp["key"])) if "key" in inp else None
    password = inp["pwd"].encode() if "pwd" in inp else None
    result = decrypt(case["output"]["compact"], key, password=password)
    assert result.plaintext.decode("utf-8") == inp["plaintext"]
    decoded = decode(case["output"]["compact"])
    assert decoded.format == "jwe"
    assert decoded.header["alg"] == inp["alg"]


def test_every_jwe_algorithm_the_issue_names_is_covered_by_a_vector():
    algs = {load_vector(f"jose-cookbook/{n}")["input"]["alg"] for n in JWE_COMPACT}
    encs = {load_vector(f"jose-cookbook/{n}")["input"]["enc"] for n in JWE_COMPACT}
    assert {"RSA-OAEP", "A128KW", "dir", "ECDH-ES", "ECDH-ES+A128KW"} <= algs
    assert {"A128GCM", "A256GCM", "A128CBC-HS256"} <= encs
