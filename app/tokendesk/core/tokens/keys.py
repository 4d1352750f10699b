"""Verification keys: reading every format people have, and refusing the dangerous ones.

Each :class:`Key` is bound to exactly one algorithm family (RFC 8725 §3.1): an RSA key can never
verify an HS* token, whatever the token's header says, because HS* is simply not in its
``algorithms``. Keys are checked when loaded (SECURITY.md items 9 and 10):

* HMAC keys shorter than the hash output are refused;
* RSA keys under 2048 bits, with an exponent under 65537 or even, or with the ROCA fingerprint
  (CVE-2017-15361) are refused;
* EC points must be on their curve (``cryptography`` checks) and on a JOSE curve;
* a key set that mixes symmetric and asymmetric keys, repeats a ``kid``, or holds a key whose
  ``use`` is not ``sig`` is rejected as a whole.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519

from ..errors import KeySetRejected, UnusableKey
from .b64 import b64url_encode

__all__ = [
    "ALL_ALGORITHMS",
    "EC_CURVES",
    "Key",
    "KeySet",
    "has_roca_fingerprint",
    "jwk_from_public_key",
    "load_keys",
    "load_secret",
]

HMAC_ALGS = {"HS256": 32, "HS384": 48, "HS512": 64}
RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_CURVES: dict[str, tuple[type[ec.EllipticCurve], str, int]] = {
    # JOSE name: (curve class, algorithm, coordinate size in bytes)
    "P-256": (ec.SECP256R1, "ES256", 32),
    "P-384": (ec.SECP384R1, "ES384", 48),
    "P-521": (ec.SECP521R1, "ES512", 66),
}
_CURVE_BY_NAME = {cls().name: jose for jose, (cls, _, _) in EC_CURVES.items()}
ALL_ALGORITHMS = frozenset((*HMAC_ALGS, *RSA_ALGS, "ES256", "ES384", "ES512", "EdDSA"))
_ASYMMETRIC_TEXT = re.compile(
    r"-----BEGIN [A-Z0-9 ]+-----|^(ssh-(rsa|ed25519|ed448|dss)|ecdsa-sha2-nistp\d+)\s"
)
MIN_RSA_BITS = 2048
_ROCA_PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
                79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157,
                163, 167)
_roca_residues: dict[int, frozenset[int]] = {}


@dataclass(frozen=True, eq=False)
class Key:
    """One prepared verification key.

    ``verifier`` is the ``cryptography`` public key (or, for HMAC, the secret bytes); it is
    prepared once so that verifying many tokens costs only the signature check.
    """

    family: str  # "oct", "RSA", "EC" or "OKP"
    algorithms: frozenset[str]
    kid: str | None
    source: str  # "JWK", "PEM public key", "certificate", "PEM private key", "OpenSSH"...
    description: str  # "RSA 2048-bit", "EC P-256", "Ed25519", "HMAC 32 bytes"
    verifier: Any = field(repr=False)
    pinned_alg: str | None = None  # the key's own alg (JWK "alg"), if it had one
    use: str | None = None
    thumbprint: str | None = None  # RFC 7638 SHA-256 thumbprint (asymmetric keys only)
    coord_size: int = 0  # EC: bytes per coordinate (r and s each take this many)
    curve_order: int = 0  # EC: the group order n, to refuse r or s outside 1..n-1

    @property
    def symmetric(self) -> bool:
        return self.family == "oct"

    @cached_property
    def label_text(self) -> str:
        kid = f" kid {self.kid!r}" if self.kid else ""
        return f"{self.description} ({self.source}{kid})"

    def label(self) -> str:
        return self.label_text


@dataclass(frozen=True)
class KeySet:
    """Keys the user trusts, checked as a whole. ``warnings`` are shown, not fatal."""

    keys: tuple[Key, ...]
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_set(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Any:
        return iter(self.keys)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(k.kid for k in self.keys if k.kid)

    def merged(self, other: KeySet) -> KeySet:
        return KeySet(self.keys + other.keys, self.warnings + other.warnings)


def _check_set(keys: Sequence[Key]) -> None:
    if not keys:
        raise KeySetRejected("the key set holds no keys")
    families = {k.symmetric for k in keys}
    if len(families) > 1:
        raise KeySetRejected(
            "the key set mixes shared secrets (oct) with public keys: refused as a whole, since "
            "an attacker could pick the shared-secret path (RFC 8725 §2.1)"
        )
    seen: set[str] = set()
    for key in keys:
        if key.use is not None and key.use != "sig":
            raise KeySetRejected(
                f"a key{_kid_words(key.kid)} has use {key.use!r}, not 'sig': the set is refused "
                "as a whole (a key meant for encryption must not verify signatures)"
            )
        if key.kid is not None:
            if key.kid in seen:
                raise KeySetRejected(
                    f"the kid {key.kid!r} appears more than once: the set is refused as a whole"
                )
            seen.add(key.kid)


def _kid_words(kid: str | None) -> str:
    return f" (kid {kid!r})" if kid else ""


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
    return KeySet((_hmac_key(value, source="secret", kid=kid, alg=None),))


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


def _hmac_key(value: bytes, *, source: str, kid: str | None, alg: str | None,
              use: str | None = None) -> Key:
    size = len(value)
    if size < HMAC_ALGS["HS256"]:
        raise UnusableKey(
            f"the HMAC key is {size} bytes; HS256 needs at least 32 (the hash output size, "
            "RFC 7518 §3.2): a short secret can be brute-forced offline"
        )
    algs = frozenset(a for a, need in HMAC_ALGS.items() if size >= need)
    if alg is not None:
        if alg not in HMAC_ALGS:
            raise UnusableKey(f"the key's alg {alg!r} does not fit a shared secret (HS*)")
        if alg not in algs:
            raise UnusableKey(
                f"the HMAC key is {size} bytes; {alg} needs at least {HMAC_ALGS[alg]}"
            )
        algs = frozenset({alg})
    return Key("oct", algs, kid, source, f"HMAC {size} bytes", value, alg, use)


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
    if ops is not None and (not isinstance(ops, list) or not ({"verify", "sign"} & set(ops))):
        use = use or "enc"  # key_ops without verify: not a signing key
    if use is not None and use != "sig":
        raise KeySetRejected(
            f"a key{_kid_words(kid)} has use {use!r}, not 'sig': the set is refused as a whole "
            "(a key meant for encryption must not verify signatures)"
        )
    alg = jwk.get("alg")
    if alg is not None and not isinstance(alg, str):
        raise UnusableKey("the JWK alg is not a string")
    if kty == "oct":
        return _hmac_key(_b64bytes(jwk, "k"), source="JWK", kid=kid, alg=alg, use=use)
    if kty == "RSA":
        try:
            public = rsa.RSAPublicNumbers(_b64int(jwk, "e"), _b64int(jwk, "n")).public_key()
        except ValueError as exc:
            raise UnusableKey(f"the RSA JWK is not a valid key ({exc})") from None
        return _asymmetric(public, "JWK", kid, alg, use)
    if kty == "EC":
        crv = jwk.get("crv")
        if crv not in EC_CURVES:
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
        return _asymmetric(public_ec, "JWK", kid, alg, use)
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
        return _asymmetric(okp, "JWK", kid, alg, use)
    raise UnusableKey(f"unknown key type kty {kty!r} (expected RSA, EC, OKP or oct)")


def _asymmetric(public: Any, source: str, kid: str | None, alg: str | None,
                use: str | None = None) -> Key:
    """Check an asymmetric public key and bind it to its one family."""
    order = 0
    size = 0
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        bits = public.key_size
        if bits < MIN_RSA_BITS:
            raise UnusableKey(
                f"the RSA key is {bits} bits; at least {MIN_RSA_BITS} are required "
                "(RFC 7518 §3.3)"
            )
        if numbers.e < 65537 or numbers.e % 2 == 0:
            raise UnusableKey(
                f"the RSA public exponent {numbers.e} is unsafe (it must be odd and at least "
                "65537)"
            )
        if has_roca_fingerprint(numbers.n):
            raise UnusableKey(
                "the RSA modulus has the ROCA fingerprint (CVE-2017-15361): its private key "
                "can be computed from the public key; refused"
            )
        family, algs, desc = "RSA", frozenset(RSA_ALGS), f"RSA {bits}-bit"
    elif isinstance(public, ec.EllipticCurvePublicKey):
        jose = _CURVE_BY_NAME.get(public.curve.name)
        if jose is None:
            raise UnusableKey(
                f"the EC curve {public.curve.name} is not one JOSE signs with (P-256/384/521)"
            )
        _, ec_alg, size = EC_CURVES[jose]
        order = _CURVE_ORDERS[jose]
        family, algs, desc = "EC", frozenset({ec_alg}), f"EC {jose}"
    elif isinstance(public, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        name = "Ed25519" if isinstance(public, ed25519.Ed25519PublicKey) else "Ed448"
        family, algs, desc = "OKP", frozenset({"EdDSA"}), name
    elif isinstance(public, x25519.X25519PublicKey | x448.X448PublicKey):
        raise UnusableKey("X25519/X448 are key-agreement keys: they cannot verify signatures")
    else:
        raise UnusableKey(f"unsupported key type: {type(public).__name__}")
    if alg is not None:
        if alg not in algs:
            raise UnusableKey(f"the key's alg {alg!r} does not fit a {desc} key")
        algs = frozenset({alg})
    thumb = _thumbprint(jwk_from_public_key(public))
    return Key(family, algs, kid, source, desc, public, alg, use, thumb, size, order)


_CURVE_ORDERS = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77A"
        "ECEC196ACCC52973", 16),
    "P-521": int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16),
}


def has_roca_fingerprint(n: int) -> bool:
    """True when ``n`` mod each small prime lies in the subgroup generated by 65537.

    Moduli from the vulnerable Infineon library (ROCA, CVE-2017-15361) always do; a random
    modulus does with negligible probability.
    """
    if not _roca_residues:
        for p in _ROCA_PRIMES:
            _roca_residues[p] = frozenset(pow(65537, k, p) for k in range(p))
    return all(n % p in _roca_residues[p] for p in _ROCA_PRIMES)


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
                keys.append(_asymmetric(cert.public_key(), "certificate", None, None))
            elif label in ("PUBLIC KEY", "RSA PUBLIC KEY"):
                keys.append(_asymmetric(serialization.load_pem_public_key(block), "PEM public key",
                                        None, None))
            elif label == "ENCRYPTED PRIVATE KEY" or b"ENCRYPTED" in block:
                raise UnusableKey("the private key is encrypted: give its public key instead")
            elif label == "OPENSSH PRIVATE KEY":
                ssh_private = serialization.load_ssh_private_key(block, password=None)
                keys.append(_asymmetric(_private_to_public(ssh_private), "OpenSSH private key",
                                        None, None))
            elif label.endswith("PRIVATE KEY"):
                private = serialization.load_pem_private_key(block, password=None)
                keys.append(_asymmetric(_private_to_public(private), "PEM private key",
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
    return _asymmetric(public, "OpenSSH public key", None, None)


def _from_der(der: bytes) -> Key:
    try:
        return _asymmetric(serialization.load_der_public_key(der), "DER public key", None, None)
    except (ValueError, TypeError, _CryptoUnsupported):
        pass
    try:
        cert = x509.load_der_x509_certificate(der)
        return _asymmetric(cert.public_key(), "DER certificate", None, None)
    except (ValueError, TypeError, _CryptoUnsupported):
        pass
    try:
        private = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, _CryptoUnsupported):
        raise UnusableKey(
            "binary data that is not a DER public key, certificate or private key"
        ) from None
    return _asymmetric(_private_to_public(private), "DER private key", None, None)


def _short(exc: BaseException) -> str:
    text = str(exc).split("\n")[0]
    return text[:120] if text else type(exc).__name__


# --------------------------------------------------------------------------- JWK out


def _int_b64(value: int, size: int | None = None) -> str:
    length = size or max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(length, "big"))


def jwk_from_public_key(public: Any) -> dict[str, str]:
    """The public JWK (RFC 7517) of a ``cryptography`` public key, members in RFC 7638 order."""
    if isinstance(public, rsa.RSAPublicKey):
        n = public.public_numbers()
        return {"e": _int_b64(n.e), "kty": "RSA", "n": _int_b64(n.n)}
    if isinstance(public, ec.EllipticCurvePublicKey):
        jose = _CURVE_BY_NAME[public.curve.name]
        size = EC_CURVES[jose][2]
        en = public.public_numbers()
        return {"crv": jose, "kty": "EC", "x": _int_b64(en.x, size), "y": _int_b64(en.y, size)}
    if isinstance(public, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        crv = "Ed25519" if isinstance(public, ed25519.Ed25519PublicKey) else "Ed448"
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": crv, "kty": "OKP", "x": b64url_encode(raw)}
    raise UnusableKey(f"unsupported key type: {type(public).__name__}")


def _thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) over the required members."""
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())
