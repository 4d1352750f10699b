"""Verification keys and key sets: what a key may verify, and the rules a set must follow.

Each :class:`Key` is bound to exactly one algorithm family (RFC 8725 §3.1): an RSA key can never
verify an HS* token, whatever the token's header says, because HS* is simply not in its
``algorithms``. A :class:`KeySet` that mixes symmetric and asymmetric keys or repeats a ``kid`` is
rejected as a whole (SECURITY.md item 10); keys that cannot verify (an encryption key, an unknown
key type, a curve JOSE does not sign with) are set aside by the loaders and named in
``set_aside``, and every verdict made with the set says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import KeySetRejected

__all__ = ["ALL_ALGORITHMS", "EC_CURVES", "HMAC_ALGS", "MIN_RSA_BITS", "RSA_ALGS", "Key", "KeySet"]

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
MIN_RSA_BITS = 2048


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
    """Keys the user trusts, checked as a whole. ``warnings`` are shown, not fatal;
    ``set_aside`` says, for each key of the source the set was read from that cannot verify
    signatures, why (``"kid 'kc-enc' is an encryption key (use 'enc')"``)."""

    keys: tuple[Key, ...]
    warnings: tuple[str, ...] = ()
    set_aside: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_set(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Any:
        return iter(self.keys)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(k.kid for k in self.keys if k.kid)

    @property
    def notes(self) -> tuple[str, ...]:
        """What a verdict made with this set says about it: the keys set aside, then the
        warnings ("2 keys set aside: kid 'kc-enc' is an encryption key; ...")."""
        notes = list(self.warnings)
        if self.set_aside:
            count = len(self.set_aside)
            notes.insert(0, f"{count} key{'s' if count > 1 else ''} set aside: "
                         + "; ".join(self.set_aside))
        return tuple(notes)

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
                f"a key{kid_words(key.kid)} has use {key.use!r}, not 'sig': the set is refused "
                "as a whole (a key meant for encryption must not verify signatures)"
            )
        if key.kid is not None:
            if key.kid in seen:
                raise KeySetRejected(
                    f"the kid {key.kid!r} appears more than once: the set is refused as a whole"
                )
            seen.add(key.kid)


def kid_words(kid: str | None) -> str:
    return f" (kid {kid!r})" if kid else ""
