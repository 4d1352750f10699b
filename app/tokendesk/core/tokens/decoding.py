"""``decode``: from pasted text to a :class:`DecodedToken`. Never raises on any input."""

from __future__ import annotations

from collections.abc import Mapping

from .b64 import lenient_decode
from .classify import (
    classify_claims,
    describe_jwe_key,
    describe_opaque,
    describe_text,
    text_words,
)
from .extract import extract
from .model import (
    EMPTY_CONTEXT,
    KINDS,
    DecodedToken,
    FoundToken,
    Problem,
    TokenFormat,
    TokenKind,
)
from .parse import MAX_TOKEN_CHARS, ParsedCompact, parse_compact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decode", "decode_all", "decode_token"]

#: The member of a token response that says what a token is (from the kinds' table).
_HINTS = {info.field: kind for kind, info in KINDS.items() if info.field}
#: Cap on the pasted text as a whole (a JSON response may hold several tokens).
MAX_INPUT_CHARS = 4 * MAX_TOKEN_CHARS


def _refused(text: str, message: str, code: str) -> DecodedToken:
    return DecodedToken(
        text=text,
        format=TokenFormat.MALFORMED,
        kind=TokenKind.UNKNOWN,
        reasons=(message,),
        problems=(Problem(code, "input", None, message),),
    )


def decode(text: str | bytes) -> DecodedToken:
    """Decode the first token found in ``text``; ``found`` lists every token in it."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            return _refused(
                "", f"the input is not UTF-8 text (byte {exc.start} is 0x{text[exc.start]:02x})",
                "not_text",
            )
    if len(text) > MAX_INPUT_CHARS:
        return _refused(
            "",
            f"the input is {len(text):,} characters long; tokens are a few KB, so at most "
            f"{MAX_INPUT_CHARS:,} are read",
            "too_long",
        )
    extraction = extract(text)
    if extraction.json_document is not None:
        return _decode_json_serialization(text.strip(), extraction.json_document)
    if not extraction.tokens:
        message = extraction.note or "nothing to decode: paste a token, a header or a response"
        fmt = TokenFormat.EMPTY if extraction.source == "empty" else TokenFormat.MALFORMED
        problems = () if fmt is TokenFormat.EMPTY else (Problem("no_token", "input", None, message),)
        return DecodedToken(
            text="", format=fmt, kind=TokenKind.UNKNOWN, reasons=(message,), problems=problems,
            source=extraction.source, context=extraction.context,
        )
    first = extraction.tokens[0]
    return decode_token(first.text, first.label, found=extraction.tokens,
                        context=extraction.context)


def decode_all(text: str | bytes) -> list[DecodedToken]:
    """Every token found in ``text``, each decoded (the first is what :func:`decode` gives)."""
    first = decode(text)
    rest = [
        decode_token(f.text, f.label, found=first.found, context=first.context)
        for f in first.found[1:]
    ]
    return [first, *rest]


def _looks_like_jose(text: str) -> bool:
    if text.startswith("eyJ"):
        return True
    head = text.split(".", 1)[0]
    if "." not in text or len(head) > 8192:
        return False
    data = lenient_decode(head.strip())
    return data is not None and data.lstrip()[:1] == b"{"


def decode_token(
    text: str,
    label: str = "token",
    *,
    depth: int = 0,
    found: tuple[FoundToken, ...] = (),
    context: Mapping[str, Any] = EMPTY_CONTEXT,
) -> DecodedToken:
    """Decode one token (already extracted from its surroundings); ``label`` says where it
    was found, ``found`` and ``context`` describe the text it came from."""
    where: dict[str, Any] = {"source": label, "found": found, "context": context}
    if len(text) > MAX_TOKEN_CHARS:
        return _refused(
            text, f"the token is {len(text):,} characters long; at most {MAX_TOKEN_CHARS:,} "
            "are read", "too_long",
        )._replace(**where)
    hint = _HINTS.get(label)
    if not _looks_like_jose(text):
        words = text_words(text) if hint is None else None
        if words is not None:  # words people write: not a token, not even an opaque one
            kind, reasons = describe_text(text, words)
            return DecodedToken(
                text=text, format=TokenFormat.TEXT, kind=kind, reasons=tuple(reasons),
                problems=(Problem("not_a_token", "input", None,
                                  f"this is text ({words} words), not a token"),), **where)
        kind, reasons = describe_opaque(text, hint)
        if hint is not None:
            reasons.insert(0, f"found as {label}")
        return DecodedToken(text=text, format=TokenFormat.OPAQUE, kind=kind,
                            reasons=tuple(reasons), **where)
    parsed = parse_compact(text)
    if parsed.header is None:
        return DecodedToken(
            text=text, format=TokenFormat.MALFORMED, kind=hint or TokenKind.UNKNOWN,
            reasons=("looks like a JOSE object, but its header could not be read",),
            problems=parsed.problems, **where,
        )
    if parsed.segment_count == 5:
        return _decode_jwe(text, parsed, hint)._replace(**where)
    return _decode_jws(text, parsed, hint, label, depth, where)


def _decode_jwe(text: str, parsed: ParsedCompact, hint: TokenKind | None) -> DecodedToken:
    header = parsed.header or {}
    alg, enc = header.get("alg"), header.get("enc")
    reasons = [f"5 segments: an encrypted token (JWE), alg {alg}, enc {enc}",
               f"to read it you need {describe_jwe_key(header)}"]
    iss = header.get("iss")
    if alg == "dir" and isinstance(iss, str) and ".auth0.com" in iss:
        reasons.append(
            "looks like an Auth0 opaque access token (encrypted for Auth0 itself): you cannot "
            "decrypt it; use /userinfo or introspection"
        )
    if str(header.get("cty", "")).upper() == "JWT":
        reasons.append("cty is JWT: a signed token is nested inside (sign-then-encrypt)")
    return DecodedToken(
        text=text, format=TokenFormat.JWE, kind=hint or TokenKind.ENCRYPTED,
        reasons=tuple(reasons), header=header, problems=parsed.problems,
    )


def _decode_jws(
    text: str, parsed: ParsedCompact, hint: TokenKind | None, label: str, depth: int,
    where: dict[str, Any],
) -> DecodedToken:
    header = parsed.header or {}
    alg = header.get("alg")
    unsecured = isinstance(alg, str) and alg.lower() == "none"
    fmt = TokenFormat.UNSECURED if unsecured else TokenFormat.JWS
    problems = list(parsed.problems)
    if not isinstance(alg, str):
        problems.append(Problem("no_alg", "header", None, "header: alg is missing or not a string"))
    if unsecured and parsed.signature:
        problems.append(Problem("signature_on_none", "signature", None,
                                "signature: an unsecured token (alg none) must have none"))
    elif not unsecured and parsed.signature == b"" and parsed.segment_count == 3:
        problems.append(Problem("empty_signature", "signature", None,
                                "signature: empty, although alg is " + str(alg)))
    nested: DecodedToken | None = None
    claims = parsed.payload if isinstance(parsed.payload, dict) else None
    if str(header.get("cty", "")).upper() == "JWT" and parsed.payload_text and depth < 3:
        nested = decode_token(parsed.payload_text.strip(), label, depth=depth + 1)
        kind, reasons = TokenKind.JWT, ["cty is JWT: the payload is itself a token (nested JWT)"]
    elif claims is not None:
        kind, reasons = classify_claims(header, claims)
    elif parsed.payload_bytes == b"" and parsed.segment_count == 3:
        kind, reasons = TokenKind.SIGNED_DATA, ["empty payload: detached content (RFC 7515 App. F)"]
    else:
        what = "text" if parsed.payload_text is not None else "binary data"
        kind, reasons = TokenKind.SIGNED_DATA, [f"the payload is {what}, not a claims set"]
    if hint is not None and kind is not hint and kind in (TokenKind.JWT, TokenKind.SIGNED_DATA):
        kind = hint
        reasons.insert(0, f"found as {label}")
    reasons.insert(0, "unsecured JWT: alg none, no signature" if unsecured
                   else f"signed token (JWS), alg {alg}")
    return DecodedToken(
        text=text, format=fmt, kind=kind, reasons=tuple(reasons),
        header=header, payload=parsed.payload, payload_text=parsed.payload_text,
        payload_bytes=parsed.payload_bytes, signature=parsed.signature,
        problems=tuple(problems), nested=nested, **where,
    )


def _decode_json_serialization(text: str, doc: dict[str, Any]) -> DecodedToken:
    if "ciphertext" in doc:
        protected = _b64_json(doc.get("protected"))
        recipients = doc.get("recipients")
        count = len(recipients) if isinstance(recipients, list) and recipients else 1
        return DecodedToken(
            text=text, format=TokenFormat.JWE_JSON, kind=TokenKind.ENCRYPTED,
            reasons=(f"JWE JSON serialization for {count} recipient(s) (RFC 7516 §7.2)",
                     "to read it you need " + describe_jwe_key(protected or {})),
            header=protected,
        )
    signatures = doc.get("signatures")
    if not isinstance(signatures, list):
        signatures = [doc]
    headers = [_b64_json(s.get("protected")) if isinstance(s, dict) else None for s in signatures]
    header = next((h for h in headers if h), None)
    payload_raw = doc.get("payload")
    payload_bytes = lenient_decode(payload_raw) if isinstance(payload_raw, str) else None
    payload: Any = None
    payload_text: str | None = None
    if payload_bytes is not None:
        try:
            payload_text = payload_bytes.decode("utf-8")
            import json

            payload = json.loads(payload_text)
            payload_text = None
        except (ValueError, RecursionError):
            pass
    algs = ", ".join(str((h or {}).get("alg")) for h in headers)
    kind, reasons = (classify_claims(header or {}, payload) if isinstance(payload, dict)
                     else (TokenKind.SIGNED_DATA, []))
    reasons = [f"JWS JSON serialization with {len(signatures)} signature(s): {algs} "
               "(RFC 7515 §7.2); shown, not verified unless you ask", *reasons]
    return DecodedToken(
        text=text, format=TokenFormat.JWS_JSON, kind=kind, reasons=tuple(reasons),
        header=header, payload=payload, payload_text=payload_text, payload_bytes=payload_bytes,
    )


def _b64_json(value: Any) -> dict[str, Any] | None:
    import json

    if not isinstance(value, str):
        return None
    data = lenient_decode(value)
    if data is None:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None
