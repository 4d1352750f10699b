"""``tokendesk refresh|revoke|introspect|userinfo|token``: exchanges for stored credentials."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from tokendesk.core.errors import TokendeskError

from . import EXIT_OK, EXIT_REFUSED
from .common import UsageError, fail, print_json, stdin_text
from .vault_cmd import open_cli_vault


def _exchange(args: argparse.Namespace) -> Any:
    """The command's exchange, from its one Session (DESIGN.md "One session")."""
    from tokendesk.core.session import NetworkSettings, Session

    session = Session(network=NetworkSettings(args.timeout, args.ca_bundle))
    session.adopt(open_cli_vault())
    return session.exchange


def _close(exchange: Any) -> None:
    """Close the vault (old token slots still being deleted are waited for) and the
    network client."""
    exchange.vault.close()
    exchange.http.close()


def with_exchange(args: argparse.Namespace, action: Callable[[Any, argparse.Namespace], int]
                  ) -> int:
    """Run ``action`` with the command's exchange, closed afterwards; errors as exit codes."""
    try:
        exchange = _exchange(args)
        try:
            return action(exchange, args)
        finally:
            _close(exchange)
    except (UsageError, TokendeskError) as exc:
        return fail(exc)


def run(args: argparse.Namespace) -> int:
    return with_exchange(args, _COMMANDS[args.command])


def _refresh(exchange: Any, args: argparse.Namespace) -> int:
    result = exchange.refresh(args.name, scope=args.scope, resource=args.resource)
    if args.json:
        print_json(result.to_dict())
    else:
        what = ("new refresh token issued; the old one may still be valid "
                f"({result.old_fp} -> {result.new_fp})" if result.rotated
                else f"refresh token kept ({result.new_fp})")
        print(f"refreshed {args.name}: {what}; took {result.duration * 1000:.0f} ms")
    return EXIT_OK


def _revoke(exchange: Any, args: argparse.Namespace) -> int:
    report = exchange.revoke(args.name)
    if args.json:
        print_json({"name": args.name, "revoked": True, "report": report})
    else:
        for line in report:
            print(line)
    return EXIT_OK


def _introspect(exchange: Any, args: argparse.Namespace) -> int:
    result = exchange.introspect(args.name, args.token)
    if args.json:
        print_json(result)
    else:
        print("active" if result["active"] else "inactive")
        for key, value in result.items():
            if key != "active":
                print(f"  {key}: {value}")
    return EXIT_OK if result["active"] else EXIT_REFUSED


def _userinfo(exchange: Any, args: argparse.Namespace) -> int:
    print_json(exchange.userinfo(args.name))
    return EXIT_OK


def _token(exchange: Any, args: argparse.Namespace) -> int:
    if args.dpop:  # the headers of a DPoP request, for curl -H @FILE (issue 18)
        from tokendesk.core.oauth.senders import resource_headers

        if not args.url:
            raise UsageError("--dpop needs --url: the URL the request goes to (its proof is "
                             "for that URL and --method only)")
        headers = resource_headers(exchange, args.name, args.method, args.url,
                                   margin=args.min_ttl, nonce=args.nonce)
        sys.stdout.write("".join(f"{k}: {v}\n" for k, v in headers.items()))
        return EXIT_OK
    if args.url is not None or args.method != "GET":
        raise UsageError("--method and --url go with --dpop (a bearer token is the same for "
                         "every request)")
    token = exchange.access_token(args.name, margin=args.min_ttl)
    sys.stdout.write(token + "\n")
    from tokendesk.core.vault.bindings import credential_dpop_jkt

    if credential_dpop_jkt(exchange.vault, args.name) is not None:  # a bearer header fails
        print(f"note: this access token is DPoP-bound: a request needs a proof too (tokendesk "
              f"token {args.name} --dpop --method METHOD --url URL)", file=sys.stderr)
    return EXIT_OK


_COMMANDS = {"refresh": _refresh, "revoke": _revoke, "introspect": _introspect,
             "userinfo": _userinfo, "token": _token}


def run_login(args: argparse.Namespace) -> int:
    from tokendesk.core.oauth.signin import (
        check_name_free,
        finish_device,
        identity,
        sign_in,
        start_device,
    )

    try:
        exchange = _exchange(args)
        try:
            if args.device:
                check_name_free(exchange, args.name)  # before the person approves anything
                device = start_device(exchange, args.client, scope=args.scope)
                dpop = _dpop_alg(exchange, args)  # issue 18
                print(f"\n  Go to {device.verification_uri} and enter the code:\n\n"
                      f"      {device.user_code}\n", file=sys.stderr)
                if device.verification_uri_complete:
                    print(f"  (or open {device.verification_uri_complete})", file=sys.stderr)
                cred = finish_device(exchange, args.client, args.name, device, dpop=dpop)
            else:
                print("Opening your browser to sign in (waiting up to "
                      f"{args.wait:.0f} s)…", file=sys.stderr)
                cred = sign_in(exchange, args.client, args.name, scope=args.scope,
                               timeout=args.wait, dpop=_dpop_alg(exchange, args))
            who = identity(exchange, cred)
        finally:
            _close(exchange)
    except (UsageError, TokendeskError) as exc:
        return fail(exc)
    print(f"{who}; stored {cred.name} (refresh token {cred.refresh_fp})")
    return EXIT_OK


def _dpop_alg(exchange: Any, args: argparse.Namespace) -> str | None:
    """``login --dpop [ALG]``: the algorithm asked for, else the client's, else ES256."""
    if args.dpop is None:
        return None
    return args.dpop or exchange.vault.client(args.client).dpop_alg or "ES256"


def run_grant(args: argparse.Namespace) -> int:
    """``tokendesk exchange CLIENT``: client credentials, or token exchange (RFC 8693)."""
    try:
        exchange = _exchange(args)
        try:
            subject = None
            if not args.client_credentials:
                subject = stdin_text("the subject token").strip()
                if not subject:
                    raise UsageError("give the subject token on standard input")
            # audited, and a history row under the client's name (issue 14)
            _what, response = exchange.client_grant(
                args.client, subject_token=subject,
                subject_token_type=args.subject_type if subject else None,
                audience=args.audience, scope=args.scope,
                resource=None if subject else args.resource,
                requested_token_type=args.requested_type if subject else None)
        finally:
            _close(exchange)
    except (UsageError, TokendeskError) as exc:
        return fail(exc)
    if args.json:
        print_json({**response.redacted(), "access_token": response.access_token})
    else:
        sys.stdout.write((response.access_token or "") + "\n")
    return EXIT_OK
