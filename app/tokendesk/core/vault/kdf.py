"""The passphrase key derivation (scrypt) of the encrypted secret file and of vault exports.

Both files carry their own scrypt parameters, so a file can choose how much memory and time
opening it costs. :func:`check_scrypt_params` bounds that cost (SECURITY.md 35) before anything
is derived: ``n`` a power of two from 2**14 to 2**20, ``r`` from 1 to 16, ``p`` from 1 to 4.
"""

from __future__ import annotations

from typing import Any

from ..errors import VaultCorrupt

__all__ = ["MAX_N", "MAX_P", "MAX_R", "MIN_N", "check_scrypt_params", "derive_key"]

MIN_N, MAX_N, MAX_R, MAX_P = 2**14, 2**20, 16, 4


def _shown(value: int) -> str:
    return str(value) if value.bit_length() <= 64 else f"a {value.bit_length()}-bit number"


def check_scrypt_params(n: Any, r: Any, p: Any, *, what: str) -> tuple[int, int, int]:
    """Return ``(n, r, p)`` when they are whole numbers within the limits; otherwise raise
    :class:`VaultCorrupt` naming ``what`` (e.g. "secrets.enc", "the export")."""
    for name, value in (("n", n), ("r", r), ("p", p)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise VaultCorrupt(f"{what} is damaged: its scrypt parameter {name} is not a whole "
                               "number")
    if n < MIN_N or n > MAX_N or n & (n - 1):
        raise VaultCorrupt(f"{what} asks for scrypt cost n={_shown(n)}: Tokendesk accepts only a "
                           "power of two from 2**14 to 2**20 (the file is damaged or was not "
                           "written by Tokendesk)")
    if not 1 <= r <= MAX_R:
        raise VaultCorrupt(f"{what} asks for scrypt block size r={_shown(r)}: Tokendesk accepts "
                           f"1 to {MAX_R} (the file is damaged or was not written by Tokendesk)")
    if not 1 <= p <= MAX_P:
        raise VaultCorrupt(f"{what} asks for scrypt parallelism p={_shown(p)}: Tokendesk accepts "
                           f"1 to {MAX_P} (the file is damaged or was not written by Tokendesk)")
    return n, r, p


def derive_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """A 32-byte key from ``passphrase``; the parameters must have passed the check."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    check_scrypt_params(n, r, p, what="the key derivation")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
