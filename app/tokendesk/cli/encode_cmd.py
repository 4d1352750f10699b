"""``tokendesk encode`` and ``tokendesk keygen``: test tokens and test keys."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from tokendesk.core.errors import TokendeskError

from . import EXIT_OK, EXIT_USAGE
from .common import UsageError, error, print_json, read_file, read_json_arg, read_secret_arg


def _claims(args: argparse.Namespace) -> Any:
    from tokendesk.core import decode

    if args.from_token:
        base = decode(args.from_token)
        claims: Any = dict(base.claims) if base.claims is not None else {}
        extra = read_json_arg(args.claims, "--claims")
        if isinstance(extra, dict):
            claims.update(extra)
    else:
        claims = read_json_arg(args.claims, "--claims")
    if args.set or args.expires_in is not None:
        if not isinstance(claims, dict):
            raise UsageError("--set and --expires-in need the claims to be a JSON object")
        for item in args.set:
            name, sep, raw = item.partition("=")
            if not sep or not name:
                raise UsageError(f"--set takes NAME=VALUE, not {item!r}")
            try:
                claims[name] = json.loads(raw)
            except (ValueError, RecursionError):
                claims[name] = raw
        if args.expires_in is not None:
            now = int(time.time())
            claims["iat"], claims["exp"] = now, now + args.expires_in
    return claims


def run_encode(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.encode import SigningKey, encode, load_signing_key, resign

    try:
        secret = read_secret_arg(args, "--claims -" if args.claims == "-" else None)
        claims = _claims(args)
        header = read_json_arg(args.header, "--header") if args.header else None
        if header is not None and not isinstance(header, dict):
            raise UsageError("--header must be a JSON object")
        key: SigningKey | None
        if args.unsecured:
            key = None
        elif secret is not None:
            raw = secret.encode("utf-8") if isinstance(secret, str) else secret
            key = SigningKey(args.alg or "HS256", raw, args.kid)
        else:
            key = load_signing_key(read_file(args.key, "--key").decode("utf-8", "replace"),
                                   args.alg)
            if args.kid:
                key = SigningKey(key.alg, key.private, args.kid)
        if args.from_token:
            print(resign(args.from_token, key, claims=claims, header_changes=header))
        else:
            print(encode(claims, key, header=header))
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    except TokendeskError as exc:
        error(exc.message, code=exc.code)
        return EXIT_USAGE
    return EXIT_OK


def run_keygen(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.encode import generate_key

    try:
        key = generate_key(args.type, size=args.size, curve=args.curve, alg=args.alg,
                           kid=args.kid)
        public: str | None
        if args.format == "pem" and args.type != "HMAC":
            private, public = key.private_pem(), key.public_pem()
        else:
            private = json.dumps(key.private_jwk(), indent=2)
            public = None if args.type == "HMAC" else json.dumps(
                {"keys": [key.public_jwk()]}, indent=2)
    except TokendeskError as exc:
        error(exc.message, code=exc.code)
        return EXIT_USAGE
    if args.out:
        targets = [args.out + ".key"] + ([args.out + ".pub"] if public is not None else [])
        try:
            existing = [t for t in targets if os.path.lexists(t)]
        except ValueError:  # a NUL in the name
            existing = []
        if existing and not args.force:  # a key someone relies on is not replaced silently
            error(f"{existing[0]} exists: nothing was written (add --force to replace it)")
            return EXIT_USAGE
        try:
            _write_private(args.out + ".key", private, replace=args.force)
            if public is not None:
                with open(args.out + ".pub", "w" if args.force else "x",
                          encoding="utf-8") as handle:
                    handle.write(public + "\n")
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            error(f"cannot write {args.out}.key or .pub: "
                  f"{getattr(exc, 'strerror', None) or exc}")
            return EXIT_USAGE
        print(f"wrote {args.out}.key (private, mode 0600)"
              + (f" and {args.out}.pub" if public is not None else ""))
        return EXIT_OK
    if args.format == "jwk":
        print_json({"private": json.loads(private),
                    "public": json.loads(public) if public else None})
    else:
        print(private + public if public else private)
    return EXIT_OK


def _write_private(path: str, text: str, *, replace: bool = False) -> None:
    # O_EXCL (unless replacing on purpose) and O_NOFOLLOW: never through a planted symlink
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    if not replace:
        flags |= os.O_EXCL
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
