"""The passphrase envelope of the encrypted secret file and of vault exports: an scrypt-derived
key and AES-GCM, in one JSON object ``{kdf, n, r, p, salt, nonce, ciphertext}`` beside the
file's own ``format`` and ``version``.

Both files carry their own scrypt parameters, so a file can choose how much memory and time
opening it costs. :func:`check_scrypt_params` bounds that cost (SECURITY.md 35) before anything
is derived: ``n`` a power of two from 2**14 to 2**20, ``r`` from 1 to 16, ``p`` from 1 to 4.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from ..errors import VaultCorrupt, VaultError

__all__ = ["DEFAULT_PARAMS", "MAX_N", "MAX_P", "MAX_R", "MIN_N", "MIN_PASSPHRASE",
           "check_new_passphrase", "check_scrypt_params", "derive_key", "new_salt", "open_sealed",
           "read_kdf", "seal"]

MIN_N, MAX_N, MAX_R, MAX_P = 2**14, 2**20, 16, 4
#: What new files are written with (about 0.1 s and 32 MiB on these machines).
DEFAULT_PARAMS = (2**15, 8, 1)
#: The shortest passphrase a new secret file or export accepts (the window says so as you type).
MIN_PASSPHRASE = 8


def check_new_passphrase(passphrase: str, what: str = "") -> None:
    """Refuse a passphrase shorter than :data:`MIN_PASSPHRASE` for a new file (``what``: " for
    the export", say)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise VaultError(f"choose a passphrase of at least {MIN_PASSPHRASE} characters{what}")


def new_salt() -> bytes:
    return os.urandom(16)


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


def read_kdf(doc: dict[str, Any], *, what: str) -> tuple[bytes, tuple[int, int, int]]:
    """The salt and the bounded scrypt parameters of an envelope (SECURITY.md 35), checked
    before anything is derived; :class:`VaultCorrupt` naming ``what`` otherwise."""
    if doc.get("kdf", "scrypt") != "scrypt":
        raise VaultCorrupt(f"{what} names a key derivation Tokendesk does not know")
    params = check_scrypt_params(doc.get("n"), doc.get("r"), doc.get("p"), what=what)
    try:
        salt = base64.b64decode(doc["salt"], validate=True)
    except (KeyError, ValueError, TypeError) as exc:
        raise VaultCorrupt(f"{what} is damaged ({type(exc).__name__})") from None
    if len(salt) < 16:
        raise VaultCorrupt(f"{what} is damaged (its salt is too short)")
    return salt, params


def seal(key: bytes, salt: bytes, params: tuple[int, int, int], plain: bytes,
         aad: bytes) -> dict[str, Any]:
    """The envelope's fields for ``plain`` encrypted under ``key`` (derived from ``salt`` and
    ``params``), bound to ``aad`` (the file's format name)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain, aad)
    n, r, p = params
    return {"kdf": "scrypt", "n": n, "r": r, "p": p, "salt": base64.b64encode(salt).decode(),
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(sealed).decode()}


def open_sealed(key: bytes, doc: dict[str, Any], aad: bytes, *, what: str) -> bytes:
    """The plain text of an envelope. A wrong key (or an altered file) raises cryptography's
    ``InvalidTag``, for the caller to word; a damaged envelope :class:`VaultCorrupt`."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        nonce = base64.b64decode(doc["nonce"], validate=True)
        ciphertext = base64.b64decode(doc["ciphertext"], validate=True)
    except (KeyError, ValueError, TypeError) as exc:
        raise VaultCorrupt(f"{what} is damaged ({type(exc).__name__})") from None
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except ValueError as exc:  # a nonce of the wrong length
        raise VaultCorrupt(f"{what} is damaged ({type(exc).__name__})") from None
