"""Building tokens for QA: sign header + claims, edit and re-sign, generate test keys.

Signing keys are :class:`SigningKey`: a private key (or HMAC secret) with its algorithm.
Generated keys export as PEM (PKCS#8 / SubjectPublicKeyInfo) and as JWK / JWKS.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ..errors import InvalidInput, UnsupportedAlgorithm, UnusableKey
from .b64 import b64url_encode
from .jwe import JweKey, load_decryption_key
from .keycheck import jwk_from_public_key, thumbprint
from .keyset import EC_CURVES, HMAC_ALGS, RSA_ALGS
from .parse import parse_compact
from .signatures import sign

__all__ = ["SigningKey", "encode", "generate_key", "load_signing_key", "resign"]

_KEY_TYPES = ("RSA", "EC", "Ed25519", "Ed448", "HMAC")
#: Caps on what a key generation may cost (SECURITY.md 35): an RSA key of 16,384 bits already
#: takes minutes; no HMAC algorithm uses more than a 1 KiB secret.
MAX_RSA_BITS = 16_384
MAX_HMAC_BYTES = 1024


@dataclass(frozen=True)
class SigningKey:
    """A private key or HMAC secret, with the algorithm it signs with."""

    alg: str
    private: Any = field(repr=False)
    kid: str | None = None

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK (never the private parts); HMAC keys have no public half."""
        if isinstance(self.private, bytes):
            raise UnusableKey("an HMAC secret has no public half to publish")
        jwk: dict[str, Any] = dict(jwk_from_public_key(self.private.public_key()))
        jwk.update({"use": "sig", "alg": self.alg})
        if self.kid:
            jwk["kid"] = self.kid
        return jwk

    def private_jwk(self) -> dict[str, Any]:
        if isinstance(self.private, bytes):
            jwk: dict[str, Any] = {"kty": "oct", "k": b64url_encode(self.private)}
        else:
            jwk = self.public_jwk()
            jwk.update(_private_members(self.private))
        jwk.update({"use": "sig", "alg": self.alg})
        if self.kid:
            jwk["kid"] = self.kid
        return jwk

    def public_pem(self) -> str:
        if isinstance(self.private, bytes):
            raise UnusableKey("an HMAC secret has no public half to publish")
        return str(self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode())

    def private_pem(self) -> str:
        if isinstance(self.private, bytes):
            raise UnusableKey("an HMAC secret has no PEM form; use its JWK or base64url")
        return str(self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode())


def _int(value: int, size: int | None = None) -> str:
    return b64url_encode(value.to_bytes(size or max(1, (value.bit_length() + 7) // 8), "big"))


def _private_members(private: Any) -> dict[str, str]:
    if isinstance(private, rsa.RSAPrivateKey):
        n = private.private_numbers()
        return {"d": _int(n.d), "p": _int(n.p), "q": _int(n.q), "dp": _int(n.dmp1),
                "dq": _int(n.dmq1), "qi": _int(n.iqmp)}
    if isinstance(private, ec.EllipticCurvePrivateKey):
        size = (private.curve.key_size + 7) // 8
        return {"d": _int(private.private_numbers().private_value, size)}
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    return {"d": b64url_encode(raw)}


def generate_key(kind: str = "RSA", *, size: int | None = None, curve: str = "P-256",
                 alg: str | None = None, kid: str | None = None) -> SigningKey:
    """A fresh test key: ``RSA`` (2048+ bits), ``EC`` (P-256/384/521), ``Ed25519``, ``Ed448``,
    or ``HMAC`` (``size`` bytes, default 32). ``kid`` defaults to the RFC 7638 thumbprint."""
    if kind == "RSA":
        bits = size or 2048
        if bits < 2048:
            raise UnusableKey("RSA keys must be at least 2048 bits")
        if bits > MAX_RSA_BITS:
            raise UnusableKey(f"RSA keys are generated with at most {MAX_RSA_BITS:,} bits "
                              f"(asked for {bits:,})")
        key: Any = rsa.generate_private_key(65537, bits)
        chosen = alg or "RS256"
        if chosen not in RSA_ALGS:
            raise UnsupportedAlgorithm(f"{chosen!r} does not fit an RSA key")
    elif kind == "EC":
        if curve not in EC_CURVES:
            raise UnusableKey(f"unknown curve {curve!r} (P-256, P-384, P-521)")
        key = ec.generate_private_key(EC_CURVES[curve][0]())
        chosen = EC_CURVES[curve][1]
    elif kind in ("Ed25519", "Ed448", "OKP", "EdDSA"):
        key = (ed448.Ed448PrivateKey if kind == "Ed448" else ed25519.Ed25519PrivateKey).generate()
        chosen = "EdDSA"
    elif kind in ("HMAC", "oct"):
        chosen = alg or "HS256"
        if chosen not in HMAC_ALGS:
            raise UnsupportedAlgorithm(f"{chosen!r} is not an HMAC algorithm")
        length = size or HMAC_ALGS[chosen]
        if length < HMAC_ALGS[chosen]:
            raise UnusableKey(f"{chosen} needs at least {HMAC_ALGS[chosen]} bytes")
        if length > MAX_HMAC_BYTES:
            raise UnusableKey(f"HMAC secrets are generated with at most {MAX_HMAC_BYTES:,} "
                              f"bytes (asked for {length:,})")
        return SigningKey(chosen, os.urandom(length), kid)
    else:
        raise UnusableKey(f"unknown key type {kind!r} ({', '.join(_KEY_TYPES)})")
    if kid is None:
        kid = thumbprint(jwk_from_public_key(key.public_key()))[:16]
    return SigningKey(chosen, key, kid)


def load_signing_key(data: str | bytes, alg: str | None = None) -> SigningKey:
    """A private key (PEM or JWK) or, for HS*, the secret bytes, bound to ``alg``."""
    if isinstance(data, bytes) and alg and alg.startswith("HS"):
        return SigningKey(alg, data)
    private = load_decryption_key(data)
    if isinstance(private, JweKey):  # a JWK: the private key itself signs
        private = private.key
    kid = None
    if isinstance(data, str) and data.strip().startswith("{"):
        doc = json.loads(data)
        kid = doc.get("kid") if isinstance(doc.get("kid"), str) else None
        alg = alg or (doc.get("alg") if isinstance(doc.get("alg"), str) else None)
    if isinstance(private, bytes):
        return SigningKey(alg or "HS256", private, kid)
    if alg is None:
        if isinstance(private, rsa.RSAPrivateKey):
            alg = "RS256"
        elif isinstance(private, ec.EllipticCurvePrivateKey):
            alg = next(a for (c, a, _) in EC_CURVES.values() if c().name == private.curve.name)
        else:
            alg = "EdDSA"
    return SigningKey(alg, private, kid)


def encode(claims: Any, key: SigningKey | None, *, header: dict[str, Any] | None = None,
           payload_bytes: bytes | None = None) -> str:
    """Sign ``claims`` (any JSON value) with ``key``; ``key=None`` makes an unsecured token."""
    head: dict[str, Any] = {"alg": key.alg if key else "none", "typ": "JWT"}
    if key and key.kid:
        head["kid"] = key.kid
    if header:
        head.update(header)
        head["alg"] = key.alg if key else "none"
    body = payload_bytes if payload_bytes is not None else _json_bytes(claims, "the claims")
    signing_input = b64url_encode(_json_bytes(head, "the header")) + "." + b64url_encode(body)
    if key is None:
        return signing_input + "."
    signature = sign(key.alg, key.private, signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def _json_bytes(value: Any, what: str) -> bytes:
    """Compact UTF-8 JSON, refusing what no JSON reader should be handed: NaN and Infinity
    (SECURITY.md 35) and lone surrogates (not text)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:  # a ValueError too: caught first
        raise InvalidInput(f"{what}: a string holds a lone surrogate (such as \\ud800), "
                           "which is not text: refused") from None
    except ValueError:
        raise InvalidInput(f"{what}: a number is not finite (NaN, Infinity, or one as large "
                           "as 1e400): refused") from None
    except RecursionError:
        raise InvalidInput(f"{what}: nested too deeply") from None


def resign(token: str, key: SigningKey | None, *, claims: Any = None,
           header_changes: dict[str, Any] | None = None) -> str:
    """Edit and re-sign an existing token: new ``claims`` (or the old ones) under ``key``."""
    parsed = parse_compact(token.strip())
    if parsed.header is None:
        raise UnusableKey("the token's header could not be read, so it cannot be re-signed")
    header = {k: v for k, v in parsed.header.items() if k not in ("alg", "kid")}
    if header_changes:
        header.update(header_changes)
    if claims is None:
        if parsed.payload is not None:
            claims = parsed.payload
        else:
            return encode(None, key, header=header, payload_bytes=parsed.payload_bytes or b"")
    return encode(claims, key, header=header)
