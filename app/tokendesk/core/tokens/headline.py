"""The one line the Inspector leads with: the worst thing about the input, in plain words.

A token cut in half is first of all a truncated token, not "signed data": when the text has
problems, the headline names the most telling one ("Truncated token: 2 of 3 segments — was it
cut off?"), and the details (every problem, with its segment and character) follow it. Text
that is not a token at all says so. A token that decoded cleanly has no headline: its kind
badge leads.
"""

from __future__ import annotations

from .._record import NamedTuple
from .model import DecodedToken, Problem, TokenFormat

__all__ = ["Headline", "headline"]

PROBLEM, WARNING = "problem", "warning"

_WHITESPACE = ("is a line break", "is a carriage return", "is a tab", "is a space")
_SEGMENT_WORDS = {"encrypted_key": "encrypted key", "iv": "IV"}
#: Which problem of one segment leads when it has several (see _rank).
_RANK = ("too_long", "not_text", "no_token", "not_a_token", "segment_count", "bad_length",
         "bad_character", "not_utf8", "bad_json", "too_deep", "header_not_object",
         "duplicate_member", "no_alg", "empty_signature", "signature_on_none", "non_canonical")
#: Problems that say more than a short signature does (the rest: its spelling).
_BEFORE_SIGNATURE = ("too_long", "not_text", "segment_count", "bad_character", "not_utf8",
                     "bad_json", "too_deep", "header_not_object", "duplicate_member", "no_alg")
_SEGMENT_ORDER = ("input", "header", "encrypted_key", "iv", "payload", "ciphertext", "tag",
                  "signature")


class Headline(NamedTuple):
    """``severity`` is ``problem`` (shown in the theme's "bad" color) or ``warning``."""

    severity: str
    title: str
    detail: str = ""


def _words(segment: str) -> str:
    return _SEGMENT_WORDS.get(segment, segment)


def _rank(problem: Problem) -> tuple[bool, int, int]:
    """A non-canonical spelling last (the bytes were read all the same); otherwise the first
    segment that has a problem, and its most telling problem."""
    code = _RANK.index(problem.code) if problem.code in _RANK else len(_RANK)
    seg = (_SEGMENT_ORDER.index(problem.segment) if problem.segment in _SEGMENT_ORDER
           else len(_SEGMENT_ORDER))
    return problem.code == "non_canonical", seg, code


def _segment_title(token: DecodedToken) -> str:
    count = token.text.count(".") + 1
    encrypted = bool(token.header) and "enc" in (token.header or {})
    if count < 3:
        return f"Truncated token: {count} of 3 segments — was it cut off?"
    if count == 4 and encrypted:
        return "Truncated encrypted token: 4 of 5 segments — was it cut off?"
    if count == 4:
        return ("4 segments: a signed token has 3, an encrypted one 5 — was it cut off, or "
                "was a dot added?")
    return (f"{count} segments: a signed token has 3, an encrypted one 5 — are two tokens "
            "stuck together?")


def _title(problem: Problem, token: DecodedToken) -> str:
    code, seg = problem.code, _words(problem.segment)
    if code == "segment_count":
        return _segment_title(token)
    if code == "bad_length":
        at_end = problem.segment in ("signature", "tag")  # the last segment: cut short
        return (f"Truncated token: the {seg} ends mid-character — was it cut off?" if at_end
                else f"Bad base64 in the {seg}: its length cannot be base64url — was it cut "
                     "off?")
    if code == "bad_character" and any(w in problem.message for w in _WHITESPACE):
        where = f", character {problem.offset + 1}" if problem.offset is not None else ""
        return f"Whitespace inside the token ({seg}{where}) — was it wrapped over lines?"
    if code == "bad_character":
        where = f" (character {problem.offset + 1})" if problem.offset is not None else ""
        return f"Bad base64 in the {seg}{where}"
    if code == "non_canonical":
        return f"Non-canonical base64url in the {seg}"
    if code == "not_utf8":
        return f"The {seg} is not UTF-8 text"
    if code == "bad_json":
        return f"Bad JSON in the {seg}"
    if code == "too_deep":
        return f"The {seg} is JSON nested too deeply"
    if code == "header_not_object":
        return "Bad header: not a JSON object"
    if code == "duplicate_member":
        return f"Duplicate member in the {seg}"
    if code == "no_alg":
        return "No algorithm: the header has no alg"
    if code == "empty_signature":
        return "Missing signature: the last segment is empty — was it cut off?"
    if code == "signature_on_none":
        return "Unsecured (alg none), yet a signature is attached"
    if code == "not_a_token":
        return "Text — not a token"
    if code == "no_token":
        return "No token found"
    if code == "too_long":
        return "Too long to be a token"
    if code == "not_text":
        return "Not text: binary data"
    message = problem.message
    return message[:1].upper() + message[1:]


#: Signature sizes that do not depend on the key (bytes): a shorter one was cut off.
_SIGNATURE_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64, "ES256": 64, "ES384": 96,
                    "ES512": 132, "EdDSA": 64}


def _short_signature(token: DecodedToken) -> Headline | None:
    expected = _SIGNATURE_BYTES.get(token.alg or "")
    got = len(token.signature) if token.signature is not None else None
    if token.format is not TokenFormat.JWS or expected is None or not got or got >= expected:
        return None
    return Headline(PROBLEM, f"Truncated token: the signature is {got} of {expected} bytes — "
                             "was it cut off?",
                    f"{token.alg} signatures are {expected} bytes long, whatever the key")


def headline(token: DecodedToken | None) -> Headline | None:
    """What the Inspector says first about ``token``, or None when its kind badge may lead."""
    if token is None or token.format is TokenFormat.EMPTY:
        return None
    short = _short_signature(token)
    if short is not None and not any(p.code in _BEFORE_SIGNATURE for p in token.problems):
        return short  # a cut-off signature says more than its last character's spelling
    if token.problems:
        first = min(token.problems, key=_rank)
        more = len(token.problems) - 1
        detail = first.message + (f" (and {more} more problem{'s' if more > 1 else ''} "
                                  "below)" if more else "")
        if token.format is TokenFormat.TEXT:
            detail = "; ".join(token.reasons)
        return Headline(PROBLEM, _title(first, token), detail)
    if token.format is TokenFormat.UNSECURED:
        return Headline(WARNING, "Unsecured token: alg none — anyone can make one like it",
                        "verifiers refuse it; it proves nothing about who wrote it")
    return None
