"""``tokendesk qa replay|race|rotation NAME``: a server's rotation and reuse detection, for
pipelines. One outcome per request, whatever it was; ``--json`` for machines.

Exit codes: 0 the requests were made and reported (for ``rotation``: and the server behaved
as ``--expect-…`` says); 1 the server did not behave as expected; 2 a local problem (unknown
name, not confirmed); 3 the server could not be reached for the first request.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from .common import UsageError, error, fail, print_json
from .exchange_cmd import with_exchange


def run(args: argparse.Namespace) -> int:
    from tokendesk.core.errors import Cancelled

    try:
        if not args.yes and not _confirm(args.name):
            return EXIT_USAGE
    except Cancelled as exc:
        return fail(exc)
    return with_exchange(args, _ACTIONS[args.action])


def _confirm(name: str) -> bool:
    question = (f"These requests may make the server revoke {name}'s whole token family. "
                "Go on?")
    if not sys.stdin or not sys.stdin.isatty():
        error(f"{question} Add --yes to confirm (nothing was sent)")
        return False
    if input(f"{question} [y/N] ").strip().lower() in ("y", "yes"):
        return True
    from tokendesk.core.errors import Cancelled

    raise Cancelled("cancelled: nothing was sent")  # exit 130, as the README's table says


def _report(report: Any, args: argparse.Namespace) -> int:
    if args.json:
        print_json(report.to_dict())
    else:
        for o in report.outcomes:
            stored = " (stored)" if o.stored else ""
            print(f"request {o.request}: {o.result}{stored}: {o.detail}")
        print(report.summary)
        if report.unknown:
            print(report.unknown)
    return EXIT_OK


def _replay(exchange: Any, args: argparse.Namespace) -> int:
    """Refresh (the token that refresh retires is kept in memory, never stored), then present
    the retired token."""
    from tokendesk.core.oauth.qa import replay

    first = exchange.refresh(args.name)
    if not first.rotated:
        raise UsageError(f"the server did not rotate {args.name}'s refresh token: there is no "
                         "retired token to replay")
    if not args.json:
        print(f"refreshed: {first.old_fp} -> {first.new_fp}")
    return _report(replay(exchange, args.name), args)


def _race(exchange: Any, args: argparse.Namespace) -> int:
    from tokendesk.core.oauth.qa import race

    return _report(race(exchange, args.name, args.count), args)


def _rotation(exchange: Any, args: argparse.Namespace) -> int:
    from tokendesk.core.oauth.qa import rotation

    report = rotation(exchange, args.name)
    expected = {"rotated": args.expect_rotation, "family_revoked": args.expect_reuse_detection}
    observed = {"rotated": report.rotated, "family_revoked": report.family_revoked}
    mismatches = [f"expected {key.replace('_', ' ')}={want}, observed "
                  f"{'unknown' if observed[key] is None else 'yes' if observed[key] else 'no'}"
                  for key, want in expected.items()
                  if want is not None and observed[key] != (want == "yes")]
    if args.json:
        print_json({**report.to_dict(), "expectations_met": not mismatches,
                    "mismatches": mismatches})
    else:
        for step in report.steps:
            print(step)
        print(f"rotated: {_word(report.rotated)}; old token refused: "
              f"{_word(report.old_refused)}; family revoked: {_word(report.family_revoked)}")
        for line in mismatches:
            error(line)
    return EXIT_REFUSED if mismatches else EXIT_OK


def _word(value: bool | None) -> str:
    return "not known" if value is None else "yes" if value else "no"


_ACTIONS = {"replay": _replay, "race": _race, "rotation": _rotation}
