"""Reading verification keys in every format people have: PEM (public keys, certificates,
private keys), DER, OpenSSH, JWK and JWKS, and HMAC secrets given explicitly.

Every key goes through :mod:`.keycheck` (SECURITY.md item 9) and every set through
:class:`.keyset.KeySet` (item 10). The names of those modules are re-exported here, which is
where callers import them from.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ..errors import KeySetRejected, UnusableKey
from .keycheck import asymmetric_key, has_roca_fingerprint, hmac_key, jwk_from_public_key
from .keyset import ALL_ALGORITHMS, EC_CURVES, HMAC_ALGS, RSA_ALGS, Key, KeySet, kid_words

_ASYMMETRIC_TEXT = re.compile(
    r"-----BEGIN [A-Z0-9 ]+-----|^(ssh-(rsa|ed25519|ed448|dss)|ecdsa-sha2-nistp\d+)\s"
)

__all__ = [
    "ALL_ALGORITHMS",
    "EC_CURVES",
    "Key",
    "KeySet",
    "HMAC_ALGS",
    "RSA_ALGS",
    "has_roca_fingerprint",
    "jwk_from_public_key",
    "load_keys",
    "load_secret",
]

# --------------------------------------------------------------------------- loading


def load_keys(data: str | bytes) -> KeySet:
    """Read trusted verification keys from any supported encoding.

    Accepts PEM public keys, certificates and private keys (the public half is used), DER
    (raw or base64), OpenSSH public keys, a JWK and a JWKS. An HMAC secret is never guessed
    from text: use :func:`load_secret` (or a JWK with ``kty: oct``).
    Raises :class:`UnusableKey` or :class:`KeySetRejected` with a plain-words reason.
    """
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return KeySet((_from_der(raw),))
        if raw[:1] == b"\x30" and "-----BEGIN" not in text:
            return KeySet((_from_der(raw),))
    else:
        text = data
    text = text.strip().lstrip("\ufeff")
    if not text:
        raise UnusableKey("the key is empty")
    if text.startswith(("{", "[")):
        return _from_json_text(text)
    if "-----BEGIN" in text:
        return KeySet(tuple(_from_pem(text)))
    if _ASYMMETRIC_TEXT.match(text):
        return KeySet((_from_ssh(text),))
    try:
        der = base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except (binascii.Error, ValueError):
        der = b""
    if der[:1] == b"\x30":
        return KeySet((_from_der(der),))
    raise UnusableKey(
        "not a key Tokendesk can read: expected a PEM public key, certificate or private key, "
        "a JWK or JWKS, an OpenSSH public key, or DER (for an HMAC secret, give it as a secret)"
    )


def load_secret(secret: str | bytes, encoding: str = "text", *, kid: str | None = None) -> KeySet:
    """An HMAC secret given as text (UTF-8), ``base64`` or ``base64url``.

    Text that is really a public or private key (PEM, OpenSSH, certificate, a JWK of an
    asymmetric key, DER) is refused: using a public key as an HMAC secret is the classic
    algorithm-confusion attack (CVE-2017-11424, CVE-2022-29217).
    """
    if isinstance(secret, str):
        stripped = secret.strip()
        if _ASYMMETRIC_TEXT.search(stripped) or _is_asymmetric_jwk_text(stripped):
            raise UnusableKey(
                "this secret is a public or private key, not a shared secret: HMAC with a "
                "public key is the algorithm-confusion attack (RFC 8725 §2.1); give it as a key"
            )
        if encoding == "text":
            value = secret.encode("utf-8")
        elif encoding in ("base64", "base64url"):
            value = _decode_b64_secret(stripped)
        else:
            raise UnusableKey(f"unknown secret encoding {encoding!r}: use text, base64, base64url")
    else:
        value = bytes(secret)
    if _is_der_key(value):
        raise UnusableKey(
            "this secret is a DER-encoded public key or certificate, not a shared secret: "
            "refused (algorithm confusion, RFC 8725 §2.1)"
        )
    return KeySet((hmac_key(value, source="secret", kid=kid, alg=None),))


def _decode_b64_secret(text: str) -> bytes:
    body = re.sub(r"\s+", "", text).rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise UnusableKey("the secret is not valid base64") from exc


def _is_asymmetric_jwk_text(text: str) -> bool:
    if not text.startswith("{"):
        return False
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return False
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        return any(isinstance(k, dict) and k.get("kty") != "oct" for k in doc["keys"])
    return isinstance(doc, dict) and doc.get("kty") in ("RSA", "EC", "OKP")


def _is_der_key(value: bytes) -> bool:
    if value[:1] != b"\x30" or len(value) < 32:
        return False
    for loader in (serialization.load_der_public_key, x509.load_der_x509_certificate):
        try:
            loader(value)
            return True
        except (ValueError, TypeError, _CryptoUnsupported):
            continue
    return False





def _from_json_text(text: str) -> KeySet:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UnusableKey(f"the key looks like JSON but is not valid JSON ({exc})") from None
    if isinstance(doc, dict) and "keys" in doc:
        members = doc["keys"]
        if not isinstance(members, list):
            raise UnusableKey("the JWKS member 'keys' is not an array")
        keys = tuple(_from_jwk(m, index=i) for i, m in enumerate(members))
        return KeySet(keys)
    if isinstance(doc, dict):
        return KeySet((_from_jwk(doc),))
    raise UnusableKey("the JSON is neither a JWK nor a JWKS (an object with 'keys')")


def _b64int(jwk: dict[str, Any], name: str) -> int:
    return int.from_bytes(_b64bytes(jwk, name), "big")


def _b64bytes(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise UnusableKey(f"the JWK has no {name!r} member (or it is not a string)")
    body = value.rstrip("=")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", body):
        raise UnusableKey(f"the JWK member {name!r} is not base64url")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise UnusableKey(f"the JWK member {name!r} is not base64url") from exc


def _from_jwk(jwk: Any, index: int | None = None) -> Key:
    where = f"key {index + 1} of the set: " if index is not None else ""
    try:
        return _from_jwk_inner(jwk)
    except UnusableKey as exc:
        raise UnusableKey(where + exc.message) from None


def _from_jwk_inner(jwk: Any) -> Key:
    if not isinstance(jwk, dict):
        raise UnusableKey("a JWK must be a JSON object")
    kty = jwk.get("kty")
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise UnusableKey("the JWK kid is not a string")
    use = jwk.get("use")
    if use is not None and not isinstance(use, str):
        raise UnusableKey("the JWK use is not a string")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list)
                            or not any(op in ("verify", "sign") for op in ops)):
        use = use or "enc"  # key_ops without verify: not a signing key
    if use is not None and use != "sig":
        raise KeySetRejected(
            f"a key{kid_words(kid)} has use {use!r}, not 'sig': the set is refused as a whole "
            "(a key meant for encryption must not verify signatures)"
        )
    alg = jwk.get("alg")
    if alg is not None and not isinstance(alg, str):
        raise UnusableKey("the JWK alg is not a string")
    if kty == "oct":
        return hmac_key(_b64bytes(jwk, "k"), source="JWK", kid=kid, alg=alg, use=use)
    if kty == "RSA":
        try:
            public = rsa.RSAPublicNumbers(_b64int(jwk, "e"), _b64int(jwk, "n")).public_key()
        except ValueError as exc:
            raise UnusableKey(f"the RSA JWK is not a valid key ({exc})") from None
        return asymmetric_key(public, "JWK", kid, alg, use)
    if kty == "EC":
        crv = jwk.get("crv")
        if not isinstance(crv, str) or crv not in EC_CURVES:  # a list is not even hashable
            raise UnusableKey(f"the EC curve {crv!r} is not one JOSE signs with (P-256/384/521)")
        curve_cls, _, size = EC_CURVES[crv]
        x, y = _b64bytes(jwk, "x"), _b64bytes(jwk, "y")
        if len(x) != size or len(y) != size:
            raise UnusableKey(f"the {crv} coordinates must be {size} bytes each")
        try:
            public_ec = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve_cls()
            ).public_key()
        except ValueError:
            raise UnusableKey(f"the EC point is not on the curve {crv}: refused") from None
        return asymmetric_key(public_ec, "JWK", kid, alg, use)
    if kty == "OKP":
        crv = jwk.get("crv")
        x = _b64bytes(jwk, "x")
        okp: Any
        try:
            if crv == "Ed25519":
                okp = ed25519.Ed25519PublicKey.from_public_bytes(x)
            elif crv == "Ed448":
                okp = ed448.Ed448PublicKey.from_public_bytes(x)
            elif crv in ("X25519", "X448"):
                raise UnusableKey(f"{crv} is a key-agreement curve: it cannot verify signatures")
            else:
                raise UnusableKey(f"the OKP curve {crv!r} is not supported (Ed25519, Ed448)")
        except ValueError:
            raise UnusableKey(f"the {crv} public key is not valid") from None
        return asymmetric_key(okp, "JWK", kid, alg, use)
    raise UnusableKey(f"unknown key type kty {kty!r} (expected RSA, EC, OKP or oct)")





def _private_to_public(private: Any) -> Any:
    if isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey |
                  ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return private.public_key()
    raise UnusableKey(f"unsupported private key type: {type(private).__name__}")


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.S)


def _from_pem(text: str) -> Iterable[Key]:
    blocks = list(_PEM_BLOCK.finditer(text))
    if not blocks:
        raise UnusableKey("the PEM text has a BEGIN line but no matching END line")
    keys: list[Key] = []
    seen_certificate = False
    for match in blocks:
        label, block = match.group(1), match.group(0).encode("ascii", "replace")
        try:
            if label == "CERTIFICATE":
                if seen_certificate:
                    continue  # the rest of a chain: CA keys do not sign tokens
                seen_certificate = True
                cert = x509.load_pem_x509_certificate(block)
                keys.append(asymmetric_key(cert.public_key(), "certificate", None, None))
            elif label in ("PUBLIC KEY", "RSA PUBLIC KEY"):
                keys.append(asymmetric_key(serialization.load_pem_public_key(block), "PEM public key",
                                        None, None))
            elif label == "ENCRYPTED PRIVATE KEY" or b"ENCRYPTED" in block:
                raise UnusableKey("the private key is encrypted: give its public key instead")
            elif label == "OPENSSH PRIVATE KEY":
                ssh_private = serialization.load_ssh_private_key(block, password=None)
                keys.append(asymmetric_key(_private_to_public(ssh_private), "OpenSSH private key",
                                        None, None))
            elif label.endswith("PRIVATE KEY"):
                private = serialization.load_pem_private_key(block, password=None)
                keys.append(asymmetric_key(_private_to_public(private), "PEM private key",
                                        None, None))
            else:
                raise UnusableKey(f"a PEM block of type {label!r} is not a key or certificate")
        except UnusableKey:
            raise
        except (ValueError, TypeError, _CryptoUnsupported) as exc:
            raise UnusableKey(f"the PEM {label.lower()} could not be read ({_short(exc)})") from None
    return keys


def _from_ssh(text: str) -> Key:
    try:
        public = serialization.load_ssh_public_key(text.split("\n")[0].strip().encode())
    except (ValueError, TypeError, _CryptoUnsupported) as exc:
        raise UnusableKey(f"the OpenSSH public key could not be read ({_short(exc)})") from None
    return asymmetric_key(public, "OpenSSH public key", None, None)


def _from_der(der: bytes) -> Key:
    try:
        return asymmetric_key(serialization.load_der_public_key(der), "DER public key", None, None)
    except (ValueError, TypeError, _CryptoUnsupported):
        pass
    try:
        cert = x509.load_der_x509_certificate(der)
        return asymmetric_key(cert.public_key(), "DER certificate", None, None)
    except (ValueError, TypeError, _CryptoUnsupported):
        pass
    try:
        private = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, _CryptoUnsupported):
        raise UnusableKey(
            "binary data that is not a DER public key, certificate or private key"
        ) from None
    return asymmetric_key(_private_to_public(private), "DER private key", None, None)


def _short(exc: BaseException) -> str:
    text = str(exc).split("\n")[0]
    return text[:120] if text else type(exc).__name__



