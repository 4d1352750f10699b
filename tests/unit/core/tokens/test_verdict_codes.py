"""Verdict checks carry stable machine codes (issue 16): the remote-key layer and scripts match
``Check.code``, never the wording of a reason, and ``--json`` output carries the code."""

from __future__ import annotations

import json

import jwt as pyjwt

from tests.conftest import NOW, private_pem
from tokendesk.cli import main
from tokendesk.core import verify
from tokendesk.core.tokens.keys import jwk_from_public_key, load_jwk_document
from tokendesk.core.tokens.verdict import UNKNOWN_KID

CLAIMS = {"iss": "https://issuer.example", "sub": "alice", "aud": "api", "iat": NOW - 60,
          "exp": NOW + 600}


def _jwks(public_key, kid):
    return load_jwk_document({"keys": [{**jwk_from_public_key(public_key), "kid": kid}]})


def test_an_unknown_kid_is_coded_whatever_its_wording(rsa_private):
    token = pyjwt.encode(CLAIMS, private_pem(rsa_private), "RS256", headers={"kid": "new"})
    result = verify(token, _jwks(rsa_private.public_key(), "old"), now=NOW)
    assert not result.valid
    key = next(c for c in result.checks if c.name == "key")
    assert key.code == UNKNOWN_KID
    # the wording may change freely; the code is what the remote layer matches
    assert key._replace(reason="something else entirely").code == UNKNOWN_KID


def test_a_known_kid_that_fails_otherwise_is_not_coded_unknown(rsa_private):
    token = pyjwt.encode(CLAIMS, "s" * 32, "HS256", headers={"kid": "k1"})
    result = verify(token, _jwks(rsa_private.public_key(), "k1"), now=NOW)
    key = next(c for c in result.checks if c.name == "key")
    assert not key.passed and key.code == "algorithm_confusion"


def test_expired_and_not_yet_valid_are_coded(rsa_private):
    keys = _jwks(rsa_private.public_key(), "k1")
    old = pyjwt.encode({**CLAIMS, "exp": NOW - 10}, private_pem(rsa_private), "RS256",
                       headers={"kid": "k1"})
    early = pyjwt.encode({**CLAIMS, "nbf": NOW + 600}, private_pem(rsa_private), "RS256",
                         headers={"kid": "k1"})
    assert [c.code for c in verify(old, keys, now=NOW).failures] == ["expired"]
    assert [c.code for c in verify(early, keys, now=NOW).failures] == ["not_yet_valid"]
    passed = verify(pyjwt.encode(CLAIMS, private_pem(rsa_private), "RS256",
                                 headers={"kid": "k1"}), keys, now=NOW)
    assert passed.valid and all(c.code == "" for c in passed.checks)


def test_json_verdict_carries_the_codes(rsa_private, tmp_path, capsys):
    key_file = tmp_path / "jwks.json"
    key_file.write_text(json.dumps({"keys": [{**jwk_from_public_key(rsa_private.public_key()),
                                              "kid": "old"}]}))
    token = pyjwt.encode(CLAIMS, private_pem(rsa_private), "RS256", headers={"kid": "new"})
    code = main(["verify", token, "--key", str(key_file), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code != 0
    key = next(c for c in out["checks"] if c["name"] == "key")
    assert key["code"] == UNKNOWN_KID and key["status"] == "failed"


def test_an_rsa_signature_cut_short_is_called_cut_off_not_forged(rsa_private):
    token = pyjwt.encode(CLAIMS, private_pem(rsa_private), "RS256", headers={"kid": "k1"})
    head, body, signature = token.split(".")
    cut = f"{head}.{body}.{signature[:72]}"  # a clean 4-character boundary: 54 bytes
    result = verify(cut, _jwks(rsa_private.public_key(), "k1"), now=NOW)
    failed = next(c for c in result.checks if c.name == "signature")
    assert not result.valid
    assert failed.reason == ("the signature is 54 bytes; an RSA 2048-bit key makes 256: was "
                             "the token cut off?")
