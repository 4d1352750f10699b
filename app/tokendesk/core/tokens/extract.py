"""Find the tokens in what people paste.

Handles: a bare token; ``Bearer …`` / ``DPoP …``; a whole ``Authorization:`` header line; text
wrapped in quotes, whitespace or line breaks; a JSON token response (RFC 6749 §5.1 and the
vendor variants); a JOSE JSON serialization; a redirect URL or bare fragment/query
(``#access_token=…&id_token=…``); a ``Cookie:``/``Set-Cookie:`` line or ``name=value`` pair; and,
as a last resort, a JWT anywhere in a line of text (a curl command, a log line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from .._record import NamedTuple
from .model import EMPTY_CONTEXT, FoundToken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Extraction", "TOKEN_RESPONSE_FIELDS", "extract", "strip_transport"]

#: JSON members that hold a token, in the order they are offered.
TOKEN_RESPONSE_FIELDS = (
    "access_token",
    "id_token",
    "refresh_token",
    "issued_token",  # RFC 8693
    "logout_token",
    "token",
    "jwt",
    "assertion",
    "client_assertion",
    "subject_token",
    "actor_token",
)
_URL_FIELDS = ("access_token", "id_token", "refresh_token", "code", "token", "logout_token")
_QUOTES = "\"'`"
_AUTH_HEADER = re.compile(r"(?i)^(?:proxy-)?authorization\s*:\s*")
_SCHEME = re.compile(r"(?i)^(bearer|dpop|jwt)\s+")
_COOKIE_HEADER = re.compile(r"(?i)^(set-)?cookie\s*:\s*")
_JWT_ANYWHERE = re.compile(
    r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?"
)
_WS = re.compile(r"\s+")
_MAX_JSON = 1 << 20


class Extraction(NamedTuple):
    """What was found: the tokens (in document order), and the response around them."""

    tokens: tuple[FoundToken, ...]
    source: str  # "token", "Authorization header", "JSON token response", "URL", "cookie"...
    context: Mapping[str, Any] = EMPTY_CONTEXT
    json_document: Any = None  # a JOSE JSON serialization, when that is what was pasted
    note: str | None = None


def strip_transport(text: str) -> str:
    """Remove what surrounds a single token in transport: whitespace, quotes, header, scheme."""
    text = text.strip().strip(_QUOTES).strip()
    text = _AUTH_HEADER.sub("", text, count=1)
    text = _SCHEME.sub("", text, count=1)
    return text.strip().strip(_QUOTES).strip()


def extract(text: str) -> Extraction:
    """Find every token in ``text``. Never raises."""
    stripped = text.strip().strip(_QUOTES).strip()
    if not stripped:
        return Extraction((), "empty")
    if (stripped.startswith("eyJ") and stripped.isascii() and " " not in stripped
            and "\n" not in stripped and "\t" not in stripped and "\r" not in stripped):
        # the common case, fast (isascii is O(1); other control characters are reported by
        # the parser, at their offset)
        return Extraction((FoundToken("token", stripped),), "token")

    if "\n" in stripped and _HEADER_LINE.match(stripped):
        found = _from_header_lines(stripped)
        if found is not None:
            return found
    header = _AUTH_HEADER.match(stripped)
    if header:
        value = _SCHEME.sub("", stripped[header.end() :], count=1).strip().strip(_QUOTES)
        return Extraction((FoundToken("Authorization header", value),), "Authorization header")
    scheme = _SCHEME.match(stripped)
    if scheme:
        value = stripped[scheme.end() :].strip().strip(_QUOTES)
        label = f"{scheme.group(1).capitalize()} credential"
        return Extraction((FoundToken(label, value),), label)

    if stripped[0] in "{[":
        found = _from_json(stripped)
        if found is not None:
            return found

    if _looks_like_url(stripped):
        found = _from_url(stripped)
        if found is not None:
            return found

    cookie = _COOKIE_HEADER.match(stripped)
    if cookie or (";" in stripped and "=" in stripped):
        found = _from_cookie(stripped[cookie.end() :] if cookie else stripped)
        if found is not None:
            return found

    has_space = not stripped.isprintable() or " " in stripped
    compact = _WS.sub("", stripped) if has_space else stripped
    if compact != stripped and _JWT_ANYWHERE.fullmatch(compact):
        # A token broken over several lines: keep the text as given so that the parser can
        # say exactly where the whitespace is.
        return Extraction((FoundToken("token", stripped),), "token")
    if compact != stripped:
        hits = _JWT_ANYWHERE.findall(stripped)
        if hits:
            tokens = tuple(FoundToken(f"JWT {i + 1} in text", t) for i, t in enumerate(hits))
            return Extraction(tokens, "text")
    if "=" in stripped and not stripped.endswith("=") and _single_pair(stripped):
        found = _from_cookie(stripped)
        if found is not None:
            return found
    return Extraction((FoundToken("token", stripped),), "token")


#: A line of HTTP headers, as curl -H @FILE reads them (``Name: value``).
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*\s*:\s*\S")


def _from_header_lines(text: str) -> Extraction | None:
    """Several HTTP header lines (``Authorization: DPoP …`` and ``DPoP: <proof>``, as
    ``tokendesk token --dpop`` prints them): each token where its header says."""
    found: list[FoundToken] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not _HEADER_LINE.match(line):
            return None  # not headers after all
        name, _, value = line.partition(":")
        value = value.strip().strip(_QUOTES)
        if name.strip().lower() in ("authorization", "proxy-authorization"):
            found.append(FoundToken("Authorization header",
                                    _SCHEME.sub("", value, count=1).strip()))
        elif name.strip().lower() == "dpop":
            found.append(FoundToken("DPoP proof", value))
    return Extraction(tuple(found), "HTTP headers") if found else None


def _from_json(text: str) -> Extraction | None:
    if len(text) > _MAX_JSON:
        return None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    if "payload" in doc and ("signatures" in doc or "signature" in doc):
        return Extraction((), "JWS JSON serialization", json_document=doc)
    if "ciphertext" in doc and ("protected" in doc or "recipients" in doc or "iv" in doc):
        return Extraction((), "JWE JSON serialization", json_document=doc)
    tokens = tuple(
        FoundToken(name, doc[name])
        for name in TOKEN_RESPONSE_FIELDS
        if isinstance(doc.get(name), str) and doc[name]
    )
    # Some providers wrap the response: {"data": {...}} (Authing's older APIs do).
    if not tokens and isinstance(doc.get("data"), dict):
        inner = _from_json(json.dumps(doc["data"]))
        if inner is not None and inner.tokens:
            return inner
    if not tokens:
        members = ", ".join(list(doc)[:8]) or "none"
        return Extraction((), "JSON", note=f"this JSON object holds no token (members: {members})")
    context = {k: v for k, v in doc.items() if k not in TOKEN_RESPONSE_FIELDS}
    return Extraction(tokens, "JSON token response", context=context)


def _looks_like_url(text: str) -> bool:
    if text.startswith(("http://", "https://", "#", "?")) or "://" in text[:40]:
        return True
    return any(text.startswith(f"{name}=") for name in _URL_FIELDS)


def _from_url(text: str) -> Extraction | None:
    from urllib.parse import parse_qsl, urlsplit  # only here: it costs start-up time

    try:
        parts = urlsplit(text if "://" in text else "x://x/" + text.lstrip("/"))
    except ValueError:  # "http://[::1": an unclosed IPv6 host is not a URL to read
        return None
    pairs = parse_qsl(parts.fragment, keep_blank_values=True) + parse_qsl(
        parts.query, keep_blank_values=True
    )
    values = dict(pairs)
    tokens = tuple(FoundToken(name, values[name]) for name in _URL_FIELDS if values.get(name))
    context = {k: v for k, v in values.items() if k not in _URL_FIELDS}
    if not tokens:
        if "error" in values:
            return Extraction((), "URL", context=context, note="the redirect carries an error")
        return None
    return Extraction(tokens, "URL", context=context)


def _single_pair(text: str) -> bool:
    name = text.split("=", 1)[0]
    return bool(re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name))


def _from_cookie(text: str) -> Extraction | None:
    tokens = []
    for chunk in text.split(";"):
        name, sep, value = chunk.strip().partition("=")
        value = value.strip().strip('"')
        if sep and _JWT_ANYWHERE.fullmatch(value):
            tokens.append(FoundToken(f"cookie {name}", value))
    if not tokens:
        return None
    return Extraction(tuple(tokens), "cookie")
