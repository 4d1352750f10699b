"""``tokendesk encrypt``: a JWE for a recipient's key (or a PBES2 password), for testing."""

from __future__ import annotations

import argparse
import re

from tokendesk.core.errors import TokendeskError

from . import EXIT_OK, EXIT_USAGE
from .common import UsageError, fail, read_file, read_secret_arg, read_token_arg

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


def run(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.jwe_encrypt import encrypt, load_encryption_key

    try:
        password = _password(args)
        text = read_token_arg(args.payload)
        stripped = text.strip()
        nested = _COMPACT_JWS.fullmatch(stripped) is not None
        plaintext = (stripped if nested else text.rstrip("\r\n")).encode("utf-8")
        if not plaintext:
            raise UsageError("nothing to encrypt: the payload is empty")
        key = None
        if args.key is not None:
            key = load_encryption_key(read_file(args.key, "--key"), kid=args.kid)
        header: dict[str, str] = {}
        kid = args.kid or (key.kid if key is not None else None)
        if kid:
            header["kid"] = kid
        cty = args.cty or ("JWT" if nested else None)
        if cty:
            header["cty"] = cty
        token = encrypt(plaintext, key, alg=args.alg, enc=args.enc, header=header,
                        password=password, compress=args.zip, p2c=args.p2c)
    except (UsageError, TokendeskError) as exc:
        return fail(exc, default=EXIT_USAGE)
    print(token)
    return EXIT_OK


def _password(args: argparse.Namespace) -> bytes | None:
    secret = read_secret_arg(args, "the payload" if args.payload in (None, "-") else None,
                             option="--password")
    if secret is None:
        return None
    return secret.encode("utf-8") if isinstance(secret, str) else secret
