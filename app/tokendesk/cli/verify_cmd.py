"""``tokendesk verify`` and ``tokendesk decrypt``."""

from __future__ import annotations

import argparse
import sys

from tokendesk.core.errors import TokendeskError
from tokendesk.core.tokens.extract import strip_transport

from . import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from .common import UsageError, fail, print_json, read_file, read_token_arg


def run(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.keys import load_keys, load_secret
    from tokendesk.core.tokens.verify import describe, verify

    try:
        token = strip_transport(read_token_arg(args.token).rstrip("\r\n"))
        options = dict(algorithms=args.alg, issuer=args.iss, audience=args.aud, now=args.now,
                       leeway=args.leeway, expected_kind=args.expect, client_id=args.client_id,
                       nonce=args.nonce)
        if args.key is not None:
            result = verify(token, load_keys(read_file(args.key, "--key")), **options)
        elif args.secret is not None:
            result = verify(token, load_secret(args.secret, args.secret_encoding), **options)
        else:
            result = _verify_remote(token, args, options)
    except (UsageError, TokendeskError) as exc:
        return fail(exc, default=EXIT_USAGE)
    if args.json:
        print_json(result.to_dict())
    else:
        print(describe(result))
    return EXIT_OK if result.valid else EXIT_REFUSED


def _verify_remote(token: str, args: argparse.Namespace, options: dict[str, object]):  # type: ignore[no-untyped-def]
    from tokendesk.core import decode
    from tokendesk.core.oauth.http import HttpClient
    from tokendesk.core.tokens.remote import RemoteKeys

    issuer = args.iss
    if args.issuer_keys and issuer is None:
        claims = decode(token).claims or {}
        issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else None
        if issuer is None:
            raise UsageError("the token has no iss claim: give --iss or --jwks-url")
        print(f"fetching the keys of {issuer} (the token's iss, UNVERIFIED until checked)",
              file=sys.stderr)
    with HttpClient(ca_bundle=args.ca_bundle) as http:
        remote = RemoteKeys(http)
        options = {k: v for k, v in options.items() if k != "issuer"}
        return remote.verify(token, issuer=issuer, jwks_url=args.jwks_url, **options)


def run_decrypt(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.jwe import decrypt, load_decryption_key

    try:
        token = strip_transport(read_token_arg(args.token))
        password = None
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n").encode()
            key = None
        else:
            if not args.key:
                raise UsageError("give --key FILE (or --password-stdin for PBES2)")
            key = load_decryption_key(read_file(args.key, "--key"))
        result = decrypt(token, key, password=password)
    except (UsageError, TokendeskError) as exc:
        return fail(exc, default=EXIT_REFUSED)
    if args.json:
        print_json({"header": result.header, "plaintext": result.text,
                    "plaintext_hex": None if result.text is not None else result.plaintext.hex(),
                    "warnings": list(result.warnings)})
    else:
        print(result.text if result.text is not None else result.plaintext.hex())
    return EXIT_OK
