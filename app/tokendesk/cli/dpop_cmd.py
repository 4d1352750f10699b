"""``tokendesk verify-dpop`` and ``tokendesk check-binding``: sender-constrained tokens, offline
(issue 18).

``verify-dpop`` checks a DPoP proof on its own, as a resource server would (RFC 9449 §4.3):
``--method`` and ``--url`` say what request it came with, ``--access-token-file`` (or
``-stdin``) the access token sent beside it (``ath``, and a JWT's ``cnf.jkt``), ``--now`` the
clock. ``check-binding`` compares an access token's ``cnf`` with a proof's key, a key, or a
client certificate. Access tokens never travel on the command line: a file or standard input.
"""

from __future__ import annotations

import argparse
import time

from tokendesk.core.errors import TokendeskError

from . import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from .common import UsageError, fail, print_json, read_file, read_token_arg, stdin_text


def add_verify_dpop_args(p: argparse.ArgumentParser, finite: type[float] | object,
                         seconds: object) -> None:
    p.add_argument("proof", nargs="?", default="-",
                   help="the DPoP proof (or a 'DPoP: …' header line); - (default) reads stdin")
    p.add_argument("--method", required=True, help="the HTTP method of the request (htm)")
    p.add_argument("--url", required=True, help="the URL of the request (htu: compared "
                   "without query and fragment)")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--access-token-file", metavar="FILE",
                       help="the access token sent with the proof (ath; a JWT's cnf.jkt)")
    token.add_argument("--access-token-stdin", action="store_true",
                       help="read that access token from standard input")
    p.add_argument("--nonce", help="the DPoP-Nonce the server gave")
    p.add_argument("--now", type=finite, metavar="EPOCH",  # type: ignore[arg-type]
                   help="the clock (default: now)")
    p.add_argument("--max-age", type=seconds, default=300.0,  # type: ignore[arg-type]
                   metavar="SECONDS", help="how old the proof may be (default 300)")
    p.add_argument("--leeway", type=seconds, default=5.0,  # type: ignore[arg-type]
                   metavar="SECONDS", help="how far in the future its iat may be (default 5)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def add_check_binding_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("token", nargs="?", default="-",
                   help="the access token; - (default) reads stdin")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--proof", metavar="PROOF", help="a DPoP proof (its jwk's thumbprint)")
    what.add_argument("--key", metavar="FILE", help="a public or private key: PEM or JWK "
                      "(its RFC 7638 thumbprint, for cnf.jkt)")
    what.add_argument("--cert", metavar="FILE", help="a client certificate, PEM or DER (its "
                      "SHA-256 thumbprint, for cnf.x5t#S256)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _header_value(text: str) -> str:
    """A proof pasted with its header name (``DPoP: eyJ…``) is the proof."""
    text = text.strip()
    name, colon, rest = text.partition(":")
    if colon and name.strip().lower() == "dpop":
        return rest.strip()
    return text


def _access_token(args: argparse.Namespace) -> str | None:
    if args.access_token_stdin:
        if args.proof in (None, "-"):
            raise UsageError("--access-token-stdin reads standard input, and so does the "
                             "proof: give the proof as an argument (or use --access-token-file)")
        token = stdin_text("--access-token-stdin").strip()
    elif args.access_token_file is not None:
        token = read_file(args.access_token_file, "--access-token-file").decode(
            "utf-8", "replace").strip()
    else:
        return None
    from tokendesk.core.tokens.extract import strip_transport

    token = strip_transport(token)  # "Authorization: DPoP …" as well as the bare token
    if not token:
        raise UsageError("the access token is empty")
    return token


def run_verify(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.dpop_check import check_proof

    try:
        access_token = _access_token(args)
        proof = _header_value(read_token_arg(args.proof))
        result = check_proof(proof, method=args.method, url=args.url,
                             now=time.time() if args.now is None else args.now,
                             max_age=args.max_age, leeway=args.leeway,
                             access_token=access_token, nonce=args.nonce)
    except (UsageError, TokendeskError) as exc:
        return fail(exc, default=EXIT_USAGE)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"{result.verdict}: {result.reason}")
        if result.jkt:
            print(f"  key thumbprint (jkt): {result.jkt}")
        for c in result.checks:
            mark = "---" if not c.checked else "ok " if c.passed else "BAD"
            print(f"  {mark} {c.name}: {c.reason}")
    return EXIT_OK if result.valid else EXIT_REFUSED


def run_binding(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.binding import check_binding
    from tokendesk.core.tokens.extract import strip_transport

    try:
        token = strip_transport(read_token_arg(args.token).strip())
        key = read_file(args.key, "--key") if args.key else None
        cert = read_file(args.cert, "--cert") if args.cert else None
        proof = _header_value(args.proof) if args.proof else None
        result = check_binding(token, proof=proof, key=key, certificate=cert)
    except (UsageError, TokendeskError) as exc:
        return fail(exc, default=EXIT_USAGE)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"{result.verdict}: {result.reason}")
        print(f"  the token: {result.confirmation.describe()}")
        for c in result.checks:
            print(f"  {'ok ' if c.passed else 'BAD'} {c.name}: {c.reason}")
    return EXIT_OK if result.valid else EXIT_REFUSED
