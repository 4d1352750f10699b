"""``encrypt`` (issue 13, "No JWE encryption"): every alg/enc pair the core decrypts except
RSA1_5, checked against the core's own decrypter and against jwcrypto (independent); the key
is bound as for decryption; nested JWTs carry cty JWT; the CLI, in a temporary directory."""

from __future__ import annotations

import io
import json
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk

from tests.conftest import NOW, public_pem
from tokendesk.cli import main
from tokendesk.core import load_keys, verify
from tokendesk.core.errors import UnsupportedAlgorithm, UnusableKey
from tokendesk.core.tokens.encode import encode, generate_key
from tokendesk.core.tokens.jwe import decrypt, load_decryption_key
from tokendesk.core.tokens.jwe_encrypt import ENCRYPTION_ALGS, ENCS, encrypt, load_encryption_key

PLAINTEXT = b'{"sub":"alice","scope":"read write"}'
PASSWORD = "correct horse battery staple"
ENC_BYTES = {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32, "A128CBC-HS256": 32,
             "A192CBC-HS384": 48, "A256CBC-HS512": 64}
_RSA: list[jc_jwk.JWK] = []


def _recipient(alg: str, enc: str, curve: str = "P-256") -> jc_jwk.JWK:
    if alg.startswith("RSA"):
        if not _RSA:
            _RSA.append(jc_jwk.JWK.generate(kty="RSA", size=2048))
        return _RSA[0]
    if alg == "dir":
        return jc_jwk.JWK.generate(kty="oct", size=ENC_BYTES[enc] * 8)
    if alg.startswith("PBES2"):
        return jc_jwk.JWK.from_password(PASSWORD)
    if alg.startswith("ECDH-ES"):
        if curve.startswith("X"):
            return jc_jwk.JWK.generate(kty="OKP", crv=curve)
        return jc_jwk.JWK.generate(kty="EC", crv=curve)
    return jc_jwk.JWK.generate(kty="oct", size=int(alg[1:4]))


def _encrypt_for(recipient: jc_jwk.JWK, alg: str, enc: str, **options) -> str:
    if alg.startswith("PBES2"):
        return encrypt(PLAINTEXT, None, alg=alg, enc=enc, password=PASSWORD.encode(),
                       p2c=1000, **options)
    public = recipient.export() if recipient.get("kty") == "oct" else recipient.export_public()
    return encrypt(PLAINTEXT, load_encryption_key(public), alg=alg, enc=enc, **options)


def _core_decrypt(token: str, recipient: jc_jwk.JWK, alg: str) -> bytes:
    if alg.startswith("PBES2"):
        return decrypt(token, None, password=PASSWORD.encode()).plaintext
    private = recipient.export() if recipient.get("kty") == "oct" else \
        recipient.export_private()
    return decrypt(token, load_decryption_key(private)).plaintext


def _jc_decrypt(token: str, recipient: jc_jwk.JWK, alg: str, enc: str) -> bytes:
    parsed = jc_jwe.JWE(algs=[alg, enc])
    parsed.deserialize(token, key=recipient)
    return parsed.payload


@pytest.mark.parametrize("enc", ENCS)
@pytest.mark.parametrize("alg", ENCRYPTION_ALGS)
def test_the_core_encrypts_the_core_and_jwcrypto_decrypt(alg, enc):
    recipient = _recipient(alg, enc)
    token = _encrypt_for(recipient, alg, enc)
    assert _core_decrypt(token, recipient, alg) == PLAINTEXT
    assert _jc_decrypt(token, recipient, alg, enc) == PLAINTEXT


@pytest.mark.parametrize("curve", ["P-256", "P-384", "P-521", "X25519", "X448"])
@pytest.mark.parametrize("alg", ["ECDH-ES", "ECDH-ES+A192KW"])
def test_ecdh_on_every_curve(alg, curve):
    recipient = _recipient(alg, "A128CBC-HS256", curve)
    token = _encrypt_for(recipient, alg, "A128CBC-HS256")
    assert _core_decrypt(token, recipient, alg) == PLAINTEXT
    assert _jc_decrypt(token, recipient, alg, "A128CBC-HS256") == PLAINTEXT


def test_compressed_and_with_extra_header():
    recipient = _recipient("A256KW", "A256GCM")
    token = _encrypt_for(recipient, "A256KW", "A256GCM", compress=True,
                         header={"kid": "k1", "cty": "json"})
    result = decrypt(token, load_decryption_key(recipient.export()))
    assert result.plaintext == PLAINTEXT
    assert result.header["zip"] == "DEF" and result.header["kid"] == "k1"
    assert _jc_decrypt(token, recipient, "A256KW", "A256GCM") == PLAINTEXT


def test_rsa1_5_is_not_offered():
    recipient = _recipient("RSA-OAEP", "A128GCM")
    with pytest.raises(UnsupportedAlgorithm, match="RSA1_5"):
        encrypt(PLAINTEXT, load_encryption_key(recipient.export_public()), alg="RSA1_5",
                enc="A128GCM")


@pytest.mark.parametrize(("members", "alg", "message"), [
    ({"alg": "RSA-OAEP"}, "RSA-OAEP-256", "the key is for 'RSA-OAEP'"),
    ({"use": "sig"}, "RSA-OAEP-256", "use 'sig'"),
    ({"key_ops": ["verify"]}, "RSA-OAEP-256", "key_ops"),
])
def test_the_recipient_key_is_bound_like_for_decryption(members, alg, message):
    recipient = _recipient("RSA-OAEP", "A128GCM")
    public = {**json.loads(recipient.export_public()), **members}
    with pytest.raises(UnusableKey, match=message):
        encrypt(PLAINTEXT, load_encryption_key(json.dumps(public)), alg=alg, enc="A128GCM")


def test_the_default_alg_comes_from_the_key():
    recipient = _recipient("RSA-OAEP", "A128GCM")
    public = {**json.loads(recipient.export_public()), "alg": "RSA-OAEP", "use": "enc"}
    token = encrypt(PLAINTEXT, load_encryption_key(json.dumps(public)))
    assert decrypt(token, load_decryption_key(recipient.export_private())).header["alg"] \
        == "RSA-OAEP"


@pytest.mark.parametrize("bad", [{"kty": "OKP", "crv": "Ed25519", "x": "A" * 43},
                                 {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
                                 {"keys": []}, [1], "not json"])
def test_unusable_recipient_keys(bad):
    with pytest.raises(UnusableKey):
        load_encryption_key(bad if isinstance(bad, str) else json.dumps(bad))


def test_nested_jwt_sign_then_encrypt():
    signer = generate_key("EC", curve="P-256")
    inner = encode({"sub": "alice", "exp": NOW + 60}, signer)
    recipient = _recipient("ECDH-ES+A256KW", "A256GCM")
    token = encrypt(inner.encode(), load_encryption_key(recipient.export_public()),
                    alg="ECDH-ES+A256KW", header={"cty": "JWT"})
    result = decrypt(token, load_decryption_key(recipient.export_private()))
    assert result.header["cty"] == "JWT"
    assert verify(result.text, load_keys(json.dumps(signer.public_jwk())), now=NOW).valid


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def cli_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    return tmp_path


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_encode_then_encrypt_then_decrypt(cli_dir, capsys, monkeypatch):
    assert _run(capsys, "keygen", "--type", "EC", "--out", "signer")[0] == 0
    recipient = jc_jwk.JWK.generate(kty="RSA", size=2048, kid="kc-enc")
    sig = jc_jwk.JWK.generate(kty="EC", crv="P-256", kid="kc-sig")
    (cli_dir / "jwks.json").write_text(json.dumps({"keys": [
        {**json.loads(sig.export_public()), "use": "sig", "alg": "ES256"},
        {**json.loads(recipient.export_public()), "use": "enc", "alg": "RSA-OAEP-256"}]}))
    (cli_dir / "recipient.jwk").write_text(recipient.export_private())
    code, inner, err = _run(capsys, "encode", "--key", "signer.key", "--claims",
                            '{"sub":"qa"}', "--expires-in", "300")
    assert code == 0, err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(inner.encode())))
    code, outer, err = _run(capsys, "encrypt", "-", "--key", "jwks.json")
    assert code == 0, err
    header = decrypt(outer.strip(), load_decryption_key(recipient.export_private())).header
    assert header == {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "kc-enc", "cty": "JWT"}
    code, out, err = _run(capsys, "decrypt", outer.strip(), "--key", "recipient.jwk")
    assert code == 0, err
    assert out.strip() == inner.strip()
    code, out, err = _run(capsys, "verify", out.strip(), "--key", "signer.pub")
    assert code == 0, err


def test_cli_encrypt_with_a_password_file(cli_dir, capsys):
    (cli_dir / "pw").write_text("-starts-with-a-dash\n")
    code, out, err = _run(capsys, "encrypt", '{"sub":"qa"}', "--password-file", "pw",
                          "--alg", "PBES2-HS256+A128KW", "--enc", "A128CBC-HS256",
                          "--p2c", "1000")
    assert code == 0, err
    assert decrypt(out.strip(), None, password=b"-starts-with-a-dash").plaintext \
        == b'{"sub":"qa"}'


@pytest.mark.parametrize(("argv", "message"), [
    (["--alg", "RSA1_5"], "RSA1_5"),
    (["--alg", "A128KW"], "AES key"),
    (["--alg", "PBES2-HS256+A128KW"], "password"),
])
def test_cli_encrypt_refusals_are_one_line(cli_dir, capsys, argv, message):
    (cli_dir / "pub.pem").write_text(public_pem(rsa.generate_private_key(65537, 2048)))
    code, out, err = _run(capsys, "encrypt", "hello", "--key", "pub.pem", *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and out == ""


def test_cli_encrypt_password_stdin_and_payload_stdin_conflict(cli_dir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"pw")))
    code, _, err = _run(capsys, "encrypt", "--password-stdin", "--alg", "PBES2-HS256+A128KW")
    assert code == 2 and "--password-stdin reads standard input" in err


def test_cli_decrypt_with_a_password_file(cli_dir, capsys):
    (cli_dir / "pw").write_text("-a-password-with-a-dash\n")
    token = encrypt(b"hello", None, alg="PBES2-HS512+A256KW", enc="A256GCM",
                    password=b"-a-password-with-a-dash", p2c=1000)
    code, out, err = _run(capsys, "decrypt", token, "--password-file", "pw")
    assert code == 0, err
    assert out.strip() == "hello"
    code, _, err = _run(capsys, "decrypt", token, "--password-file", "missing")
    assert code == 2 and "no such file" in err
