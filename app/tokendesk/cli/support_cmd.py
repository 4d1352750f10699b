"""``tokendesk support find|tokens|revoke``: the support console from scripts.

Exit codes as everywhere: 0 done, 1 the provider refused (or some revocations failed),
2 usage or local error (unknown connection, not confirmed), 3 network, provider unavailable or
rate limited.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tokendesk.core.errors import TokendeskError
from tokendesk.core.timefmt import format_utc_or_dash

from . import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from .common import UsageError, fail, print_json
from .vault_cmd import _confirm, open_cli_vault


def _progress(args: argparse.Namespace) -> Any:
    if args.json or not sys.stderr.isatty():
        return None
    return lambda message: print(f"… {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from tokendesk.core.oauth.exchange import Exchange
    from tokendesk.core.oauth.http import HttpClient
    from tokendesk.core.support import SupportConsole

    try:
        vault = open_cli_vault()
        with HttpClient(timeout=args.timeout, ca_bundle=args.ca_bundle) as http:
            console = SupportConsole(Exchange(vault, http))
            return _COMMANDS[args.action](console, args)
    except (UsageError, TokendeskError) as exc:
        return fail(exc)


def _find(console: Any, args: argparse.Namespace) -> int:
    users = console.find(args.connection, args.query, _progress(args))
    if args.json:
        print_json([u.to_dict() for u in users])
    elif not users:
        print(f"no user matches {args.query!r}", file=sys.stderr)
    for u in [] if args.json else users:
        flags = " [blocked]" if u.blocked else ""
        print(f"{u.id}  {u.email or '—'}  {u.name or '—'}  created {format_utc_or_dash(u.created_at)}  "
              f"last login {format_utc_or_dash(u.last_login)}{flags}")
    return EXIT_OK


def _tokens(console: Any, args: argparse.Namespace) -> int:
    user = console.user(args.connection, args.user)  # an unknown user is a clear 404
    items = console.items(args.connection, args.user, _progress(args))
    if args.json:
        print_json({"user": user.to_dict(), "items": [i.to_dict() for i in items]})
        return EXIT_OK
    print(f"{user.id}  {user.email or '—'}  {user.name or '—'}")
    if not items:
        print(f"{args.user} has no refresh tokens, sessions or grants", file=sys.stderr)
    for i in items:
        print(f"{i.kind:17} {i.id}  client {i.client or '—'}  created {format_utc_or_dash(i.created_at)}  "
              f"last used {format_utc_or_dash(i.last_used)}  expires {format_utc_or_dash(i.expires_at)}"
              + (f"  ({i.detail})" if i.detail else ""))
    return EXIT_OK


def _revoke(console: Any, args: argparse.Namespace) -> int:
    if args.all:
        plan = [("all-tokens", None), ("all-sessions", None)]
    elif args.all_tokens:
        plan = [("all-tokens", None)]
    elif args.all_sessions:
        plan = [("all-sessions", None)]
    elif args.token:
        plan = [("token", args.token)]
    elif args.session:
        plan = [("session", args.session)]
    else:
        plan = [("grant", args.grant)]
    from tokendesk.core.support import ACTIONS

    connector = console.connection(args.connection)
    unsupported = [connector.UNSUPPORTED[a] for a, _ in plan if a in connector.UNSUPPORTED]
    if unsupported:
        raise UsageError(unsupported[0])
    what = " and ".join(ACTIONS[a] + (f" {i}" if i else "") for a, i in plan)
    stops = "; ".join(connector.CONSEQUENCES[a] for a, _ in plan)
    question = (f"{what[0].upper()}{what[1:]} for user {args.user} at {connector.provider} "
                f"({args.connection})? What stops working: {stops}.")
    if not _confirm(args, question):
        return EXIT_USAGE
    results = [console.revoke(args.connection, args.user, action, item, _progress(args))
               for action, item in plan]
    if args.json:
        print_json([r.to_dict() for r in results])
    else:
        for r in results:
            print(r.summary())
            for o in r.outcomes:
                print(f"  {'ok    ' if o.ok else 'FAILED'} {o.target}: {o.message}")
    return EXIT_OK if all(r.ok or not r.outcomes for r in results) else EXIT_REFUSED


_COMMANDS = {"find": _find, "tokens": _tokens, "revoke": _revoke}
