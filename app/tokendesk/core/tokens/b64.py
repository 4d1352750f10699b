"""Strict base64url (RFC 7515 §2: no padding, no whitespace, URL-safe alphabet only)."""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["b64url_decode", "b64url_decode_checked", "b64url_encode", "first_bad_char", "is_b64url",
           "is_canonical", "lenient_decode", "non_canonical_message"]

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_B64_ANY = re.compile(r"[A-Za-z0-9_+/-]*={0,2}")


def is_b64url(segment: str) -> bool:
    """True when every character is in the base64url alphabet (empty counts)."""
    return _ALPHABET.fullmatch(segment) is not None


def first_bad_char(segment: str) -> int | None:
    """Offset of the first character outside the base64url alphabet, or None."""
    match = _ALPHABET.match(segment)
    end = match.end() if match else 0
    return None if end == len(segment) else end


#: The characters that may end a canonical segment, by ``len % 4``: their unused low bits
#: (4 of them after 2 characters, 2 after 3) are zero (RFC 4648 §3.5).
_LAST_AFTER_2 = frozenset("AQgw")
_LAST_AFTER_3 = frozenset("AEIMQUYcgkosw048")


def is_canonical(segment: str) -> bool:
    """True unless the last character carries non-zero unused bits (SECURITY.md 7a): only that
    character is looked at, so this costs nothing on the hot path."""
    rest = len(segment) % 4
    if rest == 2:
        return segment[-1] in _LAST_AFTER_2
    if rest == 3:
        return segment[-1] in _LAST_AFTER_3
    return True


def non_canonical_message(name: str, segment: str) -> str:
    return (f"{name}: the last character {segment[-1]!r} has non-zero unused bits, so this is "
            "not the canonical base64url spelling (RFC 4648 §3.5): the same bytes can be "
            "written several ways")


_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def b64url_decode(segment: str) -> bytes:
    """Decode a base64url segment that has already passed :func:`is_b64url`.

    Raises ValueError when the length is impossible (one character left over).
    """
    size = len(segment)
    if size % 4 == 1:
        raise ValueError("a base64url text cannot be 1 more than a multiple of 4 characters long")
    return binascii.a2b_base64(segment.encode("ascii").translate(_TO_STANDARD) + _PAD[size % 4])


_PAD = (b"", b"", b"==", b"=")


def b64url_decode_checked(segment: str) -> bytes:
    """Decode a base64url segment, refusing any character outside the alphabet (ValueError),
    without a separate pass over the text: ``strict_mode`` makes the decoder check it. The
    caller refuses ``+``, ``/`` and ``=`` (which the decoder would take after translation)."""
    size = len(segment)
    if size % 4 == 1:
        raise ValueError("a base64url text cannot be 1 more than a multiple of 4 characters long")
    return binascii.a2b_base64(segment.encode("ascii").translate(_TO_STANDARD) + _PAD[size % 4],
                               strict_mode=True)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def lenient_decode(segment: str) -> bytes | None:
    """Best-effort decode for display: accepts padding and the standard alphabet too."""
    if _B64_ANY.fullmatch(segment) is None:
        return None
    body = segment.rstrip("=").replace("+", "-").replace("/", "_")
    if len(body) % 4 == 1:
        body = body[:-1]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
