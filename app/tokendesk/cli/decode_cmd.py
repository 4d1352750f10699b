"""``tokendesk decode``: offline, standard library only (no cryptography, httpx, Qt)."""

from __future__ import annotations

import json
import time

from tokendesk.core import DecodedToken, TokenFormat, decode
from tokendesk.core.tokens.claims import explain_claims
from tokendesk.core.tokens.decoding import decode_all

from . import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from .common import UsageError, error, print_json, read_token_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any


def run(args: argparse.Namespace) -> int:
    try:
        text = read_token_arg(args.token)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    now = time.time() if args.now is None else args.now
    tokens = decode_all(text) if args.all else [decode(text)]
    first = tokens[0]
    if first.format is TokenFormat.EMPTY:
        error("nothing to decode: give a token, or pipe one on standard input")
        return EXIT_USAGE
    # What the pasted text held (every token's label, the response's other members) is the
    # same for each token: with --all it is shown once, so the output stays linear in the input.
    if args.json:
        docs = [to_json(t, now, surroundings=not i) for i, t in enumerate(tokens)]
        print_json(docs if args.all else docs[0])
    else:
        for i, token in enumerate(tokens):
            if i:
                print()
            print(render_text(token, now, surroundings=not i))
    return EXIT_OK if all(t.ok and t.format is not TokenFormat.MALFORMED for t in tokens) \
        else EXIT_REFUSED


def to_json(token: DecodedToken, now: float, *, surroundings: bool = True) -> dict[str, Any]:
    """The JSON form of a decoded token; without ``surroundings``, ``found`` and ``context``
    (the same for every token of one text) are null."""
    claims = token.claims
    return {
        "verified": False,
        "source": token.source,
        "format": str(token.format),
        "kind": str(token.kind),
        "kind_label": token.kind.label,
        "reasons": list(token.reasons),
        "header": token.header,
        "payload": token.payload,
        "payload_text": token.payload_text,
        "payload_hex": (token.payload_bytes.hex() if token.payload is None
                        and token.payload_text is None and token.payload_bytes else None),
        "claims": [
            {"name": c.name, "value": c.value, "meaning": c.info.meaning, "source": c.info.source,
             "utc": c.utc, "local": c.local, "relative": c.relative}
            for c in (explain_claims(claims, now) if claims else [])
        ],
        "problems": [{"code": p.code, "segment": p.segment, "offset": p.offset,
                      "message": p.message} for p in token.problems],
        "warnings": [{"code": f.code, "message": f.message, "severity": f.severity}
                     for f in token.findings],
        "found": [f.label for f in token.found] if surroundings else None,
        "context": token.context if surroundings else None,
        "nested": to_json(token.nested, now) if token.nested else None,
    }


def _shown(text: str, *, keep_lines: bool = False) -> str:
    """Text from a token, safe for a terminal: control characters (an escape sequence that
    clears the screen or retitles the window, a carriage return that overwrites a line) are
    shown as escapes, as JSON output shows them."""
    import re

    pattern = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]" if keep_lines else r"[\x00-\x1f\x7f-\x9f]"
    return re.sub(pattern, lambda m: f"\\x{ord(m.group()):02x}", text)


def render_text(token: DecodedToken, now: float, *, surroundings: bool = True) -> str:
    lines = [f"{token.kind.label} — {token.format.value} — UNVERIFIED (decoded only, "
             "signature not checked)"]
    if surroundings and len(token.found) > 1:
        lines.append("found: " + ", ".join(f.label for f in token.found)
                     + f" (showing {token.source}; --all shows every one)")
    lines += [f"  · {r}" for r in token.reasons]
    for p in token.problems:
        where = f" at character {p.offset + 1}" if p.offset is not None else ""
        lines.append(f"problem ({p.segment}{where}): {p.message}")
    if token.header is not None:
        lines += ["", "Header:", json.dumps(token.header, indent=2, ensure_ascii=False)]
    if token.payload is not None:
        lines += ["", "Payload:", json.dumps(token.payload, indent=2, ensure_ascii=False)]
    elif token.payload_text is not None:
        lines += ["", "Payload (text):", _shown(token.payload_text, keep_lines=True)]
    elif token.payload_bytes:
        lines += ["", "Payload (hex):", token.payload_bytes[:256].hex()]
    if token.claims:
        lines += ["", "Claims:"]
        for c in explain_claims(token.claims, now):
            lines.append(f"  {_shown(c.name):<14} {_shown(c.display)}")
            lines.append(f"  {'':<14} {c.info.meaning} [{c.info.source}]")
    if surroundings and token.context:
        lines += ["", "Response:"] + [f"  {_shown(str(k))}: {_shown(str(v))}"
                                      for k, v in token.context.items()]
    if token.findings:
        lines += ["", "Warnings:"] + [f"  ! {f.message}" for f in token.findings]
    return "\n".join(lines)
