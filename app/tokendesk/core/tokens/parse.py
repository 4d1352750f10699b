"""Parsing compact JOSE objects.

Two parsers over the same rules:

* :func:`parse_compact` is lenient and never raises: it decodes whatever it can and returns a
  list of precise :class:`Problem` (segment, offset, what was expected). The Inspector uses it.
* :func:`parse_strict` is the verifier's: a fast path that accepts only a canonical compact
  JWS (RFC 7515 §7.1, RFC 7519 §7.2) and otherwise returns the first problem.
"""

from __future__ import annotations

import json
import re
import sys

from .._record import NamedTuple
from .b64 import (
    b64url_decode,
    b64url_decode_checked,
    first_bad_char,
    is_canonical,
    lenient_decode,
    non_canonical_message,
)
from .model import JWE_SEGMENTS, JWS_SEGMENTS, Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "JWE_SEGMENTS",
    "JWS_SEGMENTS",
    "MAX_TOKEN_CHARS",
    "ParsedCompact",
    "StrictJWS",
    "loads_no_duplicates",
    "parse_compact",
    "parse_strict",
]

#: Inputs longer than this are refused before any decoding (real tokens are a few KB).
MAX_TOKEN_CHARS = 1 << 20
_WS = re.compile(r"\s")
_COMPACT_JWS = re.compile(r"([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)")


class DuplicateMember(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"the member {name!r} appears more than once")
        self.name = name


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise DuplicateMember(name)
            seen.add(name)
    return result


def _json_int(text: str) -> int | float:
    """A JSON integer; one too long for Python's int conversion (4,300 digits) is read as a
    float (infinite at that size) instead of failing the whole document: a payload that is a
    claims set must stay one, or its time checks would be skipped (a 5,000-digit padding
    claim once made an expired token verify)."""
    return int(text) if len(text) <= 4000 else float(text)


# (headers stay strict: a header with such a number is reported as a problem)
_STRICT_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)


def loads_no_duplicates(data: bytes | str) -> Any:
    """``json.loads`` that raises :class:`ValueError` on a duplicate object member."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return _STRICT_DECODER.decode(data)


class ParsedCompact(NamedTuple):
    """The lenient parse of a compact JOSE object."""

    segment_count: int
    header: dict[str, Any] | None
    payload: Any = None
    payload_text: str | None = None
    payload_bytes: bytes | None = None
    signature: bytes | None = None
    problems: tuple[Problem, ...] = ()


def _describe_char(ch: str) -> str:
    if ch == "=":
        return "padding '=' (base64url in JOSE has no padding)"
    if ch.isspace():
        return {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}.get(ch, "a space")
    if ch in "+/":
        return f"{ch!r}, which is standard base64, not base64url (use '-' and '_')"
    if ch.isprintable():
        return f"{ch!r}, which is not a base64url character"
    return f"the character U+{ord(ch):04X}, which is not a base64url character"


def _decode_segment(name: str, text: str, problems: list[Problem]) -> bytes | None:
    bad = first_bad_char(text)
    if bad is not None:
        problems.append(
            Problem(
                "bad_character",
                name,
                bad,
                f"{name}: character {bad + 1} is {_describe_char(text[bad])}",
            )
        )
        return lenient_decode(_WS.sub("", text))
    if len(text) % 4 == 1:
        problems.append(
            Problem(
                "bad_length",
                name,
                len(text) - 1,
                f"{name}: {len(text)} characters cannot be base64url (one character too many "
                "or too few: was the token cut off?)",
            )
        )
        return lenient_decode(text)
    if not is_canonical(text):  # SECURITY.md 7a: decoded all the same, but reported
        problems.append(Problem("non_canonical", name, len(text) - 1,
                                non_canonical_message(name, text)))
    return b64url_decode(text)


def _json_segment(name: str, data: bytes, problems: list[Problem]) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                "not_utf8",
                name,
                None,
                f"{name}: byte {exc.start} of the decoded {name} is not valid UTF-8",
            )
        )
        return None
    try:
        return loads_no_duplicates(text)
    except DuplicateMember as exc:
        problems.append(Problem("duplicate_member", name, None, f"{name}: {exc}"))
    except ValueError as exc:
        problems.append(_json_problem(name, exc))
        return None
    except RecursionError:
        problems.append(Problem("too_deep", name, None, f"{name}: JSON nested too deeply"))
        return None
    # A duplicate member: show what a reader that keeps the last one would see, when the rest
    # of the text is JSON at all (the duplicate is found before any trailing garbage is).
    try:
        return json.loads(text)
    except ValueError as exc:
        problems.append(_json_problem(name, exc))
    except RecursionError:
        problems.append(Problem("too_deep", name, None, f"{name}: JSON nested too deeply"))
    return None


def _json_problem(name: str, exc: ValueError) -> Problem:
    if isinstance(exc, json.JSONDecodeError):
        return Problem("bad_json", name, None,
                       f"{name}: not valid JSON at character {exc.pos + 1} of the decoded {name} "
                       f"({exc.msg})")
    # int() refuses a number longer than sys.get_int_max_str_digits() (quadratic to convert)
    return Problem("bad_json", name, None,
                   f"{name}: a number in it is too long to read (more than "
                   f"{sys.get_int_max_str_digits():,} digits)")


def parse_compact(text: str) -> ParsedCompact:
    """Lenient parse of a JWS (3 segments) or JWE (5 segments). Never raises."""
    fast = _fast_jws(text)
    if fast is not None:
        return fast
    parts = text.split(".")
    problems: list[Problem] = []
    count = len(parts)
    if count not in (3, 5):
        problems.append(
            Problem(
                "segment_count",
                "input",
                None,
                f"the token has {count} segments; a signed token (JWS) has 3 and an encrypted "
                "one (JWE) has 5",
            )
        )
    names = JWE_SEGMENTS if count == 5 else JWS_SEGMENTS

    raw: list[bytes | None] = []
    for i, part in enumerate(parts[: len(names)]):
        raw.append(_decode_segment(names[i], part, problems))

    header: dict[str, Any] | None = None
    if raw and raw[0] is not None:
        value = _json_segment("header", raw[0], problems)
        if isinstance(value, dict):
            header = value
        elif value is not None:
            problems.append(
                Problem("header_not_object", "header", None, "header: not a JSON object")
            )

    if count == 5 or len(raw) < 2:
        return ParsedCompact(count, header, problems=tuple(problems))

    payload: Any = None
    payload_text: str | None = None
    payload_bytes = raw[1]
    if header is not None and header.get("b64") is False:
        payload_text = parts[1]
        try:
            payload_bytes = payload_text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: not text at all
            problems.append(Problem(
                "not_utf8", "payload", exc.start,
                f"payload: character {exc.start + 1} is a lone surrogate "
                f"(U+{ord(payload_text[exc.start]):04X}), which is not text"))
            payload_bytes = payload_text.encode("utf-8", "backslashreplace")
            payload_text = payload_bytes.decode("ascii", "replace")
    elif payload_bytes is not None:
        payload, payload_text = _payload_value(payload_bytes)
    signature = raw[2] if len(raw) > 2 else None
    return ParsedCompact(count, header, payload, payload_text, payload_bytes, signature,
                         tuple(problems))


def _fast_jws(text: str) -> ParsedCompact | None:
    """The common case, a well-formed JWS, without the per-segment diagnostics: the decoder's
    strict mode checks the alphabet as it decodes, so the text is read once. Anything unusual
    returns None, and the diagnosing parser takes over."""
    if "+" in text or "/" in text or "=" in text:
        return None
    parts = text.split(".")
    if len(parts) != 3:
        return None
    h, p, s = parts
    if not (is_canonical(h) and is_canonical(p) and is_canonical(s)):
        return None  # the diagnosing parser reports it (SECURITY.md 7a)
    try:
        header = loads_no_duplicates(b64url_decode_checked(h))
        if not isinstance(header, dict) or header.get("b64") is False:
            return None
        payload_bytes = b64url_decode_checked(p)
        signature = b64url_decode_checked(s)
    except (ValueError, RecursionError):  # binascii.Error and UnicodeError are ValueErrors
        return None
    payload, payload_text = _payload_value(payload_bytes)
    return ParsedCompact(3, header, payload, payload_text, payload_bytes, signature)


def _payload_value(data: bytes) -> tuple[Any, str | None]:
    """The payload as JSON when it is JSON, else as text, else nothing (show hex)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(text, parse_int=_json_int), None
        except (ValueError, RecursionError):
            return None, text
    return None, text


class StrictJWS(NamedTuple):
    """A canonical compact JWS, ready for signature and claim checks."""

    signing_input: bytes
    header: dict[str, Any]
    payload_bytes: bytes
    signature: bytes


def parse_strict(text: str) -> StrictJWS | str:
    """The verifier's parser: a :class:`StrictJWS`, or a plain-words reason it was refused."""
    if len(text) > MAX_TOKEN_CHARS:
        return f"the token is {len(text):,} characters long; at most {MAX_TOKEN_CHARS:,} are read"
    match = _COMPACT_JWS.fullmatch(text)
    if match is None:
        count = text.count(".") + 1
        if count == 5:
            return "this is an encrypted token (JWE, 5 segments): decrypt it first"
        if count != 3:
            return f"a signed token (JWS) has 3 segments; this one has {count}"
        problems = parse_compact(text).problems
        return problems[0].message if problems else "the token could not be decoded"
    h, p, s = match.groups()
    if not is_canonical(h):
        return non_canonical_message("header", h)
    if not is_canonical(p):
        return non_canonical_message("payload", p)
    if not is_canonical(s):
        return non_canonical_message("signature", s)
    try:
        header_bytes = b64url_decode(h)
        payload_bytes = b64url_decode(p)
        signature = b64url_decode(s)
        header = loads_no_duplicates(header_bytes)
    except (ValueError, RecursionError):
        problems = parse_compact(text).problems
        return problems[0].message if problems else "the token could not be decoded"
    if not isinstance(header, dict):
        return "header: not a JSON object"
    if header.get("b64") is False:
        return "unencoded payloads (RFC 7797 b64: false) are not verified"
    return StrictJWS(f"{h}.{p}".encode("ascii"), header, payload_bytes, signature)
