"""JWS signature primitives over ``cryptography`` (RFC 7518 §3), for verifying and signing."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    encode_dss_signature,
)

from ..errors import UnsupportedAlgorithm
from .keys import EC_CURVES, Key

__all__ = ["check_signature", "sign"]

_DIGEST_NAMES = {"256": "sha256", "384": "sha384", "512": "sha512"}
_HASHLIB = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "256": hashes.SHA256(),
    "384": hashes.SHA384(),
    "512": hashes.SHA512(),
}
_PKCS1 = padding.PKCS1v15()
_PSS = {
    bits: padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size) for bits, h in _HASHES.items()
}
_ECDSA = {bits: ec.ECDSA(h) for bits, h in _HASHES.items()}


def check_signature(key: Key, alg: str, signing_input: bytes, signature: bytes) -> str | None:
    """None when the signature is valid, else the reason in plain words. Never raises."""
    family = alg[:2]
    bits = alg[2:]
    try:
        if family == "HS":
            expected = hmac.digest(key.verifier, signing_input, _DIGEST_NAMES[bits])
            return None if hmac.compare_digest(expected, signature) else _MISMATCH
        if family in ("RS", "PS"):
            size = (key.verifier.key_size + 7) // 8
            if len(signature) != size:  # a cut-off token, not a forged one: say so
                return (f"the signature is {len(signature)} bytes; an RSA {size * 8}-bit key "
                        f"makes {size}: was the token cut off?")
        if family == "RS":
            key.verifier.verify(signature, signing_input, _PKCS1, _HASHES[bits])
            return None
        if family == "PS":
            key.verifier.verify(signature, signing_input, _PSS[bits], _HASHES[bits])
            return None
        if family == "ES":
            size = key.coord_size
            if len(signature) != 2 * size:
                return (
                    f"an {alg} signature is {2 * size} bytes (r and s, raw); this one is "
                    f"{len(signature)} (DER-encoded signatures are refused, RFC 7518 §3.4)"
                )
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            n = key.curve_order
            if not (0 < r < n and 0 < s < n):
                return (
                    "r or s is zero or not below the curve order: a forged ECDSA signature "
                    "(CVE-2022-21449, the 'psychic signature')"
                )
            key.verifier.verify(encode_dss_signature(r, s), signing_input, _ECDSA[bits])
            return None
        if alg == "EdDSA":
            key.verifier.verify(signature, signing_input)
            return None
    except InvalidSignature:
        return _MISMATCH
    except Exception as exc:  # noqa: BLE001 - SECURITY.md 4: any failure means invalid
        return f"the signature could not be checked ({type(exc).__name__})"
    return f"unsupported algorithm {alg!r}"


_MISMATCH = "the signature does not match: the token was changed or signed with another key"


def sign(alg: str, private: Any, signing_input: bytes) -> bytes:
    """Sign for ``alg`` with a private key (or HMAC secret bytes).

    The key is checked here (one family per algorithm, an EC key on the algorithm's own
    curve, which PyJWT does not check); the signature itself is PyJWT's (its algorithm objects
    call the same ``cryptography`` primitives and write ECDSA signatures in JOSE's raw form).
    Signing is never on a hot path, so PyJWT serves as well as own code would.
    """
    family, bits = alg[:2], alg[2:]
    if family == "HS" and bits in _HASHLIB:
        if not isinstance(private, bytes):
            raise UnsupportedAlgorithm(f"{alg} needs a shared secret")
    elif family in ("RS", "PS") and bits in _HASHES:
        if not isinstance(private, rsa.RSAPrivateKey):
            raise UnsupportedAlgorithm(f"{alg} needs an RSA private key")
    elif family == "ES" and bits in _HASHES:
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise UnsupportedAlgorithm(f"{alg} needs an EC private key")
        size = next(s for (cls, a, s) in EC_CURVES.values() if a == alg)
        if private.key_size != {32: 256, 48: 384, 66: 521}[size]:
            raise UnsupportedAlgorithm(f"{alg} needs a key on its own curve")
    elif alg == "EdDSA":
        if not isinstance(private, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
            raise UnsupportedAlgorithm("EdDSA needs an Ed25519 or Ed448 private key")
    else:
        raise UnsupportedAlgorithm(f"cannot sign with {alg!r}")
    signature: bytes = _pyjwt_algorithms()[alg].sign(signing_input, private)
    return signature


_PYJWT: dict[str, Any] = {}


def _pyjwt_algorithms() -> dict[str, Any]:
    """PyJWT's algorithm objects, imported on first use (``decode`` never needs them)."""
    if not _PYJWT:
        from jwt.algorithms import get_default_algorithms

        _PYJWT.update(get_default_algorithms())
    return _PYJWT
