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
    "load_jwk_document",
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

    A secret that is really a public or private key is refused, in every encoding: PEM,
    OpenSSH, certificate, a JWK or JWKS of an asymmetric key, DER, or base64 of any of these
    (given as text or decoded with ``--secret-encoding base64``). Using a public key as an HMAC
    secret is the classic algorithm-confusion attack (CVE-2017-11424, CVE-2022-29217).
    """
    if isinstance(secret, str):
        if encoding == "text":
            value = secret.encode("utf-8")
        elif encoding in ("base64", "base64url"):
            _refuse_key_material(secret.encode("utf-8", "replace"))
            value = _decode_b64_secret(secret.strip())
        else:
            raise UnusableKey(f"unknown secret encoding {encoding!r}: use text, base64, base64url")
    else:
        value = bytes(secret)
    _refuse_key_material(value)
    return KeySet((hmac_key(value, source="secret", kid=kid, alg=None),))


_CONFUSION = "(algorithm confusion, RFC 8725 §2.1): give it as a key, not as a shared secret"


def _refuse_key_material(value: bytes, what: str = "this secret") -> None:
    """Raise :class:`UnusableKey` when ``value`` -- bytes meant as an HMAC secret -- is, or
    encodes, an asymmetric key: PEM, OpenSSH, a JWK/JWKS of a public key, DER, or base64 (or
    base64url) of any of those. SECURITY.md item 3, in every encoding."""
    reason = _key_material(value)
    if reason is None and value[:1] != b"\x30":
        text = value.decode("ascii", "ignore").strip()
        if 40 <= len(text) and re.fullmatch(r"[A-Za-z0-9+/_\-=\s]+", text):
            body = re.sub(r"\s+", "", text).rstrip("=").replace("+", "-").replace("/", "_")
            try:
                inner = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            except (binascii.Error, ValueError):
                inner = b""
            reason = _key_material(inner) if inner else None
            if reason:
                reason = "base64 of " + reason
    if reason:
        raise UnusableKey(f"{what} is {reason}, not a shared secret: HMAC with a public key is "
                          f"refused {_CONFUSION}")


def _key_material(value: bytes) -> str | None:
    text = value.decode("utf-8", "ignore").strip().lstrip("\ufeff")
    if _ASYMMETRIC_TEXT.search(text):
        return "a PEM or OpenSSH key or certificate"
    if _is_asymmetric_jwk_text(text):
        return "a JWK of a public or private key"
    if _is_der_key(value):
        return "a DER-encoded key or certificate"
    return None


def _decode_b64_secret(text: str) -> bytes:
    body = re.sub(r"\s+", "", text).rstrip("=").replace("+", "-").replace("/", "_")
    bad = re.search(r"[^A-Za-z0-9_-]", body)
    if bad is not None:  # the decoder would skip it silently: a typo would become a key
        raise UnusableKey(f"the secret is not valid base64 (character {bad.group()!r} at "
                          f"{bad.start() + 1})")
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
    return isinstance(doc, dict) and "kty" in doc and doc["kty"] != "oct"


def _is_der_key(value: bytes) -> bool:
    if value[:1] != b"\x30" or len(value) < 32:
        return False
    loaders: tuple[Any, ...] = (serialization.load_der_public_key, x509.load_der_x509_certificate,
                                lambda der: serialization.load_der_private_key(der, None))
    for loader in loaders:
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
    return load_jwk_document(doc)


def load_jwk_document(doc: Any) -> KeySet:
    """A parsed JWK or JWKS as a :class:`KeySet` (SECURITY.md item 10).

    Keys the core cannot verify with -- an unknown ``kty`` (``AKP``), a curve JOSE does not
    sign with (``X448``, ``secp256k1``), ``use: enc``, ``key_ops`` without ``verify``, an
    encryption ``alg`` -- are set aside and named in :attr:`KeySet.set_aside` (RFC 7517 §5);
    a set with nothing left is refused with those reasons. A set mixing shared secrets and
    public keys (set-aside ones included), a ``kid`` repeated among the usable keys, and a key
    whose ``use`` and ``key_ops`` disagree (RFC 7517 §4.3) are refused as a whole.
    """
    if isinstance(doc, dict) and "keys" in doc:
        members = doc["keys"]
        if not isinstance(members, list):
            raise UnusableKey("the JWKS member 'keys' is not an array")
        indexed: list[tuple[int | None, Any]] = list(enumerate(members))
    elif isinstance(doc, dict):
        indexed = [(None, doc)]
    else:
        raise UnusableKey("the JSON is neither a JWK nor a JWKS (an object with 'keys')")
    if not indexed:
        raise KeySetRejected("the key set holds no keys")
    ktys = {m.get("kty") for _, m in indexed
            if isinstance(m, dict) and isinstance(m.get("kty"), str)}
    if "oct" in ktys and ktys & {"RSA", "EC", "OKP"}:
        _check_set_families()
    keys: list[Key] = []
    set_aside: list[str] = []
    warnings: list[str] = []
    for index, member in indexed:
        reason = _set_aside_reason(member, index)
        if reason is not None:
            set_aside.append(reason)
            continue
        keys.append(_from_jwk(member, index=index, warnings=warnings))
    if not keys:
        raise KeySetRejected("no key in the set can verify signatures: " + "; ".join(set_aside))
    return KeySet(tuple(keys), tuple(warnings), tuple(set_aside))


def _check_set_families() -> None:
    raise KeySetRejected(
        "the key set mixes shared secrets (oct) with public keys: refused as a whole, since "
        "an attacker could pick the shared-secret path (RFC 8725 §2.1)"
    )


_SIG_OPS = frozenset({"sign", "verify"})
_ENC_OPS = frozenset({"encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"})
_SIGNING_OKP = ("Ed25519", "Ed448")
_AGREEMENT_OKP = ("X25519", "X448")


def _set_aside_reason(jwk: Any, index: int | None) -> str | None:
    """Why the core cannot verify with this JWK (it is set aside), or None to load it.

    Malformed members (a ``use`` that is not a string, ``key_ops`` that is not an array of
    strings) and a ``use`` that contradicts ``key_ops`` raise: those are errors, not keys
    meant for something else.
    """
    if not isinstance(jwk, dict):
        return None  # _from_jwk says what is wrong
    kid = jwk.get("kid")
    who = f"kid {kid!r}" if isinstance(kid, str) and kid else (
        f"key {index + 1}" if index is not None else "the key")
    where = f"key {index + 1} of the set: " if index is not None else ""
    use = jwk.get("use")
    if use is not None and not isinstance(use, str):
        raise UnusableKey(where + "the JWK use is not a string")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list)
                            or not all(isinstance(op, str) for op in ops)):
        raise UnusableKey(where + "the JWK key_ops is not an array of strings")
    if use is not None and ops is not None:
        allowed = _SIG_OPS if use == "sig" else _ENC_OPS if use == "enc" else None
        if allowed is not None and not set(ops) <= allowed:
            raise KeySetRejected(
                f"{where}{who} has use {use!r} but key_ops {', '.join(map(repr, ops))}: they "
                "disagree (RFC 7517 §4.3), so the key is refused"
            )
    kty = jwk.get("kty")
    if not isinstance(kty, str):
        return None
    if kty not in ("RSA", "EC", "OKP", "oct"):
        return f"{who} has key type {kty[:40]}"
    if use == "enc":
        return f"{who} is an encryption key (use 'enc')"
    if use is not None and use != "sig":
        return f"{who} has use {use[:40]!r}, not 'sig'"
    if ops is not None and "verify" not in ops:
        listed = ", ".join(repr(op[:40]) for op in ops[:8]) or "none"
        return f"{who} has key_ops {listed}, without 'verify'"
    crv = jwk.get("crv")
    if kty == "EC" and isinstance(crv, str) and crv not in EC_CURVES:
        return f"{who} is on the curve {crv[:40]}, which JOSE does not sign with"
    if kty == "OKP" and isinstance(crv, str) and crv not in _SIGNING_OKP:
        if crv in _AGREEMENT_OKP:
            return f"{who} is an {crv} key-agreement key"
        return f"{who} has the OKP curve {crv[:40]}, which JOSE does not sign with"
    alg = jwk.get("alg")
    if isinstance(alg, str) and alg not in ALL_ALGORITHMS and alg.lower() != "none":
        return f"{who} has alg {alg[:40]!r}, not a signature algorithm Tokendesk verifies"
    return None


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


def _from_jwk(jwk: Any, index: int | None = None, warnings: list[str] | None = None) -> Key:
    where = f"key {index + 1} of the set: " if index is not None else ""
    try:
        return _from_jwk_inner(jwk, [] if warnings is None else warnings)
    except UnusableKey as exc:
        raise UnusableKey(where + exc.message) from None


def _from_jwk_inner(jwk: Any, warnings: list[str]) -> Key:
    if not isinstance(jwk, dict):
        raise UnusableKey("a JWK must be a JSON object")
    kty = jwk.get("kty")
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise UnusableKey("the JWK kid is not a string")
    use = jwk.get("use")
    if use is not None and use != "sig":  # load_jwk_document sets these aside first
        raise KeySetRejected(
            f"a key{kid_words(kid)} has use {use!r}, not 'sig': it must not verify signatures"
        )
    alg = jwk.get("alg")
    if alg is not None and not isinstance(alg, str):
        raise UnusableKey("the JWK alg is not a string")
    if kty == "oct":
        secret = _b64bytes(jwk, "k")
        _refuse_key_material(secret, "the oct JWK's k")
        return hmac_key(secret, source="JWK", kid=kid, alg=alg, use=use)
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
        if len(x) > size or len(y) > size or not x or not y:
            raise UnusableKey(f"the {crv} coordinates must be {size} bytes each")
        if len(x) < size or len(y) < size:
            # RFC 7518 §6.2.1.2 says full length; authlib leaves leading zero bytes out (for
            # P-521 often). node jose, jwcrypto and joserfc read such keys: so does Tokendesk,
            # and says so in every verdict.
            short = " and ".join(f"{n} ({len(v)} bytes)" for n, v in (("x", x), ("y", y))
                                 if len(v) < size)
            warnings.append(f"the {crv} key{kid_words(kid)} has {short} shorter than the "
                            f"{size} bytes RFC 7518 asks for (leading zero bytes left out): "
                            "read left-padded with zeros")
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


