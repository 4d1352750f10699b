"""SECURITY.md item 10 as rewritten (issue 13, "Key sets"): keys the core cannot verify with are
set aside, not fatal, and named in the verdict; mixed families, repeated kids and a key whose
``use`` and ``key_ops`` disagree are still refused. Through ``load_keys`` (``--key``), the
published-keys path (``RemoteKeys``, ``--jwks-url``) and the CLI."""

from __future__ import annotations

import json
import os

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x448

from tests.conftest import NOW, private_pem
from tokendesk.cli import main
from tokendesk.core import load_keys, verify
from tokendesk.core.errors import KeySetRejected, UnusableKey
from tokendesk.core.oauth.remote_keys import _signing_keys
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.keys import jwk_from_public_key

CLAIMS = {"iss": "https://issuer.example", "sub": "alice", "aud": "api", "iat": NOW - 60,
          "exp": NOW + 600}
AKP = {"kty": "AKP", "alg": "ML-DSA-44", "kid": "pq-1", "pub": "AAAA"}
X448 = {"kty": "OKP", "crv": "X448", "kid": "x448",
        "x": b64url_encode(x448.X448PrivateKey.generate().public_key().public_bytes_raw())}
_K1 = ec.generate_private_key(ec.SECP256K1()).public_key().public_numbers()
SECP256K1 = {"kty": "EC", "crv": "secp256k1", "kid": "k1",
             "x": b64url_encode(_K1.x.to_bytes(32, "big")),
             "y": b64url_encode(_K1.y.to_bytes(32, "big"))}


@pytest.fixture
def sig_jwk(rsa_private):
    return {**jwk_from_public_key(rsa_private.public_key()), "kid": "kc-sig", "use": "sig",
            "alg": "RS256"}


@pytest.fixture
def enc_jwk():
    from cryptography.hazmat.primitives.asymmetric import rsa
    public = rsa.generate_private_key(65537, 2048).public_key()
    return {**jwk_from_public_key(public), "kid": "kc-enc", "use": "enc", "alg": "RSA-OAEP"}


@pytest.fixture
def token(rsa_private):
    return pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256", headers={"kid": "kc-sig"})


@pytest.mark.parametrize(("extra", "reason"), [
    (AKP, "kid 'pq-1' has key type AKP"),
    (X448, "kid 'x448' is an X448 key-agreement key"),
    (SECP256K1, "kid 'k1' is on the curve secp256k1, which JOSE does not sign with"),
    ({"kty": "RSA", "kid": "ops", "key_ops": ["encrypt", "wrapKey"], "n": "AQAB", "e": "AQAB"},
     "kid 'ops' has key_ops 'encrypt', 'wrapKey', without 'verify'"),
    ({"kty": "RSA", "kid": "oaep", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB"},
     "kid 'oaep' has alg 'RSA-OAEP', not a signature algorithm Tokendesk verifies"),
])
def test_a_key_the_core_cannot_use_is_set_aside_and_named(sig_jwk, token, extra, reason):
    keys = load_keys(json.dumps({"keys": [sig_jwk, extra]}))
    assert [k.kid for k in keys] == ["kc-sig"]
    assert keys.set_aside == (reason,)
    result = verify(token, keys, now=NOW)
    assert result.valid, result.reason
    notes = [c.reason for c in result.checks if c.name == "key set"]
    assert notes == [f"1 key set aside: {reason}"]


def test_the_verdict_names_every_key_set_aside(sig_jwk, enc_jwk, token):
    keys = load_keys(json.dumps({"keys": [enc_jwk, sig_jwk, AKP]}))
    result = verify(token, keys, now=NOW)
    assert result.valid
    assert ("2 keys set aside: kid 'kc-enc' is an encryption key (use 'enc'); "
            "kid 'pq-1' has key type AKP") in [c.reason for c in result.checks]
    assert "key set" in [c["name"] for c in result.to_dict()["checks"]]


def test_a_set_with_nothing_usable_is_refused_with_the_reasons(enc_jwk):
    with pytest.raises(KeySetRejected, match="kid 'kc-enc' is an encryption key.*kid 'pq-1'"):
        load_keys(json.dumps({"keys": [enc_jwk, AKP]}))


def test_key_ops_without_verify_alone_is_refused_with_a_message_about_key_ops(rsa_private):
    jwk = {**jwk_from_public_key(rsa_private.public_key()), "key_ops": ["encrypt", "wrapKey"]}
    with pytest.raises(KeySetRejected, match="key_ops 'encrypt', 'wrapKey', without 'verify'") \
            as caught:
        load_keys(json.dumps(jwk))
    assert "use 'enc'" not in str(caught.value)


@pytest.mark.parametrize(("use", "ops"), [("sig", ["encrypt"]), ("sig", ["verify", "encrypt"]),
                                          ("enc", ["verify"])])
def test_use_contradicting_key_ops_is_refused(rsa_private, token, use, ops):
    jwk = {**jwk_from_public_key(rsa_private.public_key()), "kid": "kc-sig", "use": use,
           "key_ops": ops}
    with pytest.raises(KeySetRejected, match="disagree"):
        load_keys(json.dumps(jwk))
    with pytest.raises(KeySetRejected, match="disagree"):
        load_keys(json.dumps({"keys": [jwk, AKP]}))


def test_use_sig_with_key_ops_verify_loads(rsa_private, token):
    jwk = {**jwk_from_public_key(rsa_private.public_key()), "kid": "kc-sig", "use": "sig",
           "key_ops": ["verify"]}
    assert verify(token, load_keys(json.dumps(jwk)), now=NOW).valid


@pytest.mark.parametrize("ops", ["verify", [["verify"]], [1], {"verify": True}])
def test_malformed_key_ops_is_an_error(rsa_private, ops):
    jwk = {**jwk_from_public_key(rsa_private.public_key()), "key_ops": ops}
    with pytest.raises(UnusableKey, match="key_ops is not an array of strings"):
        load_keys(json.dumps(jwk))


def test_mixed_families_are_refused_even_when_the_secret_would_be_set_aside(sig_jwk):
    oct_enc = {"kty": "oct", "k": b64url_encode(b"s" * 32), "use": "enc", "kid": "aes"}
    with pytest.raises(KeySetRejected, match="mixes shared secrets"):
        load_keys(json.dumps({"keys": [sig_jwk, oct_enc]}))


def test_a_repeated_kid_among_usable_keys_is_still_refused(sig_jwk, rsa_private):
    with pytest.raises(KeySetRejected, match="appears more than once"):
        load_keys(json.dumps({"keys": [sig_jwk, dict(sig_jwk), AKP]}))


def test_published_keys_set_aside_and_named(sig_jwk, enc_jwk, token):
    keys = _signing_keys({"keys": [sig_jwk, enc_jwk, X448, SECP256K1]},
                         "https://issuer.example/jwks")
    assert len(keys) == 1
    assert len(keys.set_aside) == 3
    assert verify(token, keys, now=NOW).valid


def test_published_keys_with_nothing_usable_are_refused(enc_jwk):
    with pytest.raises(KeySetRejected, match="encryption key"):
        _signing_keys({"keys": [enc_jwk]}, "https://issuer.example/jwks")


# -- the command line: --key FILE and --jwks-url ------------------------------------------------

def test_cli_verify_key_file_with_keys_set_aside(tmp_path, monkeypatch, capsys, sig_jwk,
                                                 enc_jwk, token):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [sig_jwk, enc_jwk, AKP]}))
    code = main(["verify", token, "--key", "jwks.json", "--now", str(NOW), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert any("2 keys set aside: kid 'kc-enc'" in c["reason"] for c in out["checks"])
    code = main(["verify", token, "--key", "jwks.json", "--now", str(NOW)])
    assert code == 0
    assert "key set: 2 keys set aside" in capsys.readouterr().out


def test_cli_verify_jwks_url_with_keys_set_aside(tmp_path, monkeypatch, capsys, sig_jwk,
                                                 enc_jwk, token):
    import http.server
    import threading

    body = json.dumps({"keys": [enc_jwk, sig_jwk, X448]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("TOKENDESK_HOME", os.fspath(tmp_path / "home"))
        url = f"http://127.0.0.1:{server.server_address[1]}/jwks"
        code = main(["verify", token, "--jwks-url", url, "--now", str(NOW)])
        out = capsys.readouterr().out
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0, out
    assert "2 keys set aside: kid 'kc-enc' is an encryption key (use 'enc'); kid 'x448'" in out


def test_pem_keys_are_unaffected(rsa_private, token):
    assert verify(token, load_keys(private_pem(rsa_private)), now=NOW).valid
    assert not load_keys(private_pem(rsa_private)).set_aside
