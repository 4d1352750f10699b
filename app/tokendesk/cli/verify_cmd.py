"""``tokendesk verify`` and ``tokendesk decrypt``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tokendesk.core.errors import TokendeskError
from tokendesk.core.tokens.extract import strip_transport

from . import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from .common import UsageError, fail, print_json, read_file, read_secret_arg, read_token_arg, stdin_text

if TYPE_CHECKING:
    from tokendesk.core.tokens.verify import Verification


def run(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.keys import load_keys, load_secret
    from tokendesk.core.tokens.verify import describe, verify

    untrusted: str | None = None  # keys fetched from the issuer the token names itself
    try:
        secret = read_secret_arg(args, "the token" if args.token in (None, "-") else None)
        token = strip_transport(read_token_arg(args.token).rstrip("\r\n"))
        options = dict(algorithms=args.alg, issuer=_trusted_issuer(args), audience=args.aud,
                       now=args.now, leeway=args.leeway, expected_kind=args.expect,
                       client_id=args.client_id, nonce=args.nonce)
        if args.key is not None:
            result = verify(token, load_keys(read_file(args.key, "--key")), **options)
        elif secret is not None:
            if isinstance(secret, bytes) and args.secret_encoding in ("base64", "base64url"):
                raise UsageError(f"the secret is not {args.secret_encoding} text")
            result = verify(token, load_secret(secret, args.secret_encoding), **options)
        else:
            result, untrusted = _verify_remote(token, args, options)
    except (UsageError, TokendeskError) as exc:
        return fail(exc, default=EXIT_USAGE)
    headline = None
    if result.verdict == "UNTRUSTED":
        headline = (f"UNTRUSTED: signature matches keys published by {untrusted} (named by the "
                    "token itself, not by you); give --iss (or --client) to trust it")
    if args.json:
        data = result.to_dict()
        if untrusted is not None:
            data["untrusted_issuer"] = untrusted
        print_json(data)
    else:
        print(describe(result, headline))
    return EXIT_OK if result.valid else EXIT_REFUSED


def _trusted_issuer(args: argparse.Namespace) -> str | None:
    """The issuer the user trusts: ``--iss``, or the issuer of the vault client ``--client``."""
    if args.client is None:
        return args.iss  # type: ignore[no-any-return]
    issuer = _client_issuer(args.client)
    if args.iss is not None and args.iss != issuer:
        raise UsageError(f"--iss {args.iss} is not the issuer of the client {args.client} "
                         f"({issuer})")
    return issuer


def _client_issuer(name: str) -> str:
    """A vault client's issuer, read from the index (no keyring, no passphrase needed)."""
    from tokendesk.core.paths import home
    from tokendesk.core.vault.index import Index

    path = home() / "vault.sqlite3"  # where Vault keeps its index
    client = None
    if path.exists():
        index = Index(path)
        try:
            client = index.client(name)
        finally:
            index.close()
    if client is None:
        raise UsageError(f"no client named {name!r} in the vault (see 'tokendesk client list')")
    return client.issuer


def _verify_remote(token: str, args: argparse.Namespace,
                   options: dict[str, Any]) -> tuple[Verification, str | None]:
    """Verify with fetched keys; also returns the issuer when only the token named it (and it
    is no vault client's issuer)."""
    from tokendesk.core.oauth.http import HttpClient
    from tokendesk.core.oauth.remote_keys import RemoteKeys, token_issuer

    issuer = options.pop("issuer")
    trusted_issuers = _vault_issuers()
    if args.issuer_keys and issuer is None and not args.jwks_url:
        named = token_issuer(token)
        if named not in trusted_issuers:
            print(f"fetching the keys of {named}, the issuer the token names: shown, not "
                  "trusted (give --iss or --client to trust an issuer)", file=sys.stderr)
    with HttpClient(ca_bundle=args.ca_bundle) as http:
        result, used = RemoteKeys(http).verify_published(
            token, issuer=issuer, jwks_url=args.jwks_url, trusted_issuers=trusted_issuers,
            **options)
    return result, used if result.issuer_trusted is False else None


def _vault_issuers() -> frozenset[str]:
    """The vault clients' issuers, read from the index (no keyring): keys an issuer the token
    names publishes are trusted when it is one of them, as in the Inspector."""
    from tokendesk.core.paths import home
    from tokendesk.core.vault.index import Index

    path = home() / "vault.sqlite3"
    if not path.exists():
        return frozenset()
    index = Index(path)
    try:
        return frozenset(c.issuer for c in index.clients() if c.issuer)
    finally:
        index.close()


def run_decrypt(args: argparse.Namespace) -> int:
    from tokendesk.core.tokens.jwe import decrypt, load_decryption_key

    try:
        token = strip_transport(read_token_arg(args.token))
        password = None
        if args.password_stdin:
            password = stdin_text("--password-stdin", line=True).rstrip("\n").encode()
            key = None
        elif args.password_file:
            secret = read_secret_arg(args, None, option="--password")
            password = secret.encode("utf-8") if isinstance(secret, str) else secret
            key = None
        else:
            if not args.key:
                raise UsageError("give --key FILE (or --password-stdin or --password-file for "
                                 "PBES2)")
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
