"""``tokendesk client edit`` and the endpoint flags of ``client add|edit``; ``client show``'s
endpoints with their sources (issue 14).

Every endpoint can be set by hand (``--revocation-endpoint URL`` and so on); an empty value
(``--revocation-endpoint ''``) goes back to discovery. ``client edit`` changes only the flags
given, and saves through the Session so cached clients are dropped.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tokendesk.core.choices import AUTH_METHODS, ENVIRONMENTS

from . import EXIT_OK
from .common import UsageError, print_json

#: endpoint member -> flag (the core's ENDPOINTS, without importing the core at parse time)
ENDPOINT_FLAGS = {
    "authorization_endpoint": "--authorization-endpoint",
    "token_endpoint": "--token-endpoint",
    "revocation_endpoint": "--revocation-endpoint",
    "introspection_endpoint": "--introspection-endpoint",
    "userinfo_endpoint": "--userinfo-endpoint",
    "device_authorization_endpoint": "--device-authorization-endpoint",
    "jwks_uri": "--jwks-uri",
}


def add_endpoint_args(p: argparse.ArgumentParser, *, skip: tuple[str, ...] = ()) -> None:
    group = p.add_argument_group(
        "endpoints", "set any endpoint by hand (the others come from discovery: the OpenID and "
        "the RFC 8414 documents); an empty value goes back to discovery")
    for member, flag in ENDPOINT_FLAGS.items():
        if member not in skip:
            group.add_argument(flag, metavar="URL", dest=member,
                               help=f"the {member.removesuffix('_endpoint').replace('_', ' ')} "
                                    "endpoint" if member != "jwks_uri" else "the JWKS URL")


def add_edit_parser(sub: Any) -> None:
    edit = sub.add_parser("edit", help="change a client: only the options given change")
    edit.add_argument("name")
    edit.add_argument("--issuer", metavar="URL")
    edit.add_argument("--client-id", metavar="ID")
    edit.add_argument("--client-secret-stdin", action="store_true",
                      help="replace the client secret with standard input")
    edit.add_argument("--auth-method", choices=tuple(AUTH_METHODS))
    edit.add_argument("--scope", metavar="S")
    edit.add_argument("--audience", metavar="A")
    edit.add_argument("--discovery-url", metavar="URL",
                      help="read this discovery document instead of the issuer's ('' resets)")
    edit.add_argument("--environment", choices=(*ENVIRONMENTS, ""))
    add_endpoint_args(edit)


def _check_url(flag: str, value: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError as exc:
        raise UsageError(f"{flag}: {value[:200]!r} is not a URL ({exc}; nothing was "
                         "changed)") from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise UsageError(f"{flag}: {value[:200]!r} is not an http(s) URL (nothing was "
                         "changed)")
    return value


def endpoints_from_args(args: argparse.Namespace) -> dict[str, str]:
    """The endpoints given on the command line ('' included: it means "from discovery")."""
    out: dict[str, str] = {}
    for member, flag in ENDPOINT_FLAGS.items():
        value = getattr(args, member, None)
        if value is None:
            continue
        out[member] = _check_url(flag, value.strip()) if value.strip() else ""
    return out


def with_endpoint_args(endpoints: dict[str, str], args: argparse.Namespace) -> dict[str, str]:
    """``client add``: the endpoints given as flags added to the others."""
    return {**endpoints, **{k: v for k, v in endpoints_from_args(args).items() if v}}


def run_edit(vault: Any, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from tokendesk.core.session import Session

    from .vault_cmd import _stdin_secret

    client = vault.client(args.name)
    changes: dict[str, Any] = {}
    for field in ("issuer", "client_id", "auth_method", "scope", "audience", "environment"):
        value = getattr(args, field, None)
        if value is not None:
            changes[field] = value
    if "issuer" in changes:
        changes["issuer"] = _check_url("--issuer", changes["issuer"].strip())
    if "client_id" in changes and not changes["client_id"].strip():
        raise UsageError("--client-id: a client needs a client_id (nothing was changed)")
    if args.discovery_url is not None:
        changes["discovery_url"] = (_check_url("--discovery-url", args.discovery_url)
                                    if args.discovery_url else "")
    given = endpoints_from_args(args)
    if given:
        endpoints = dict(client.endpoints)
        for member, url in given.items():
            if url:
                endpoints[member] = url
            else:
                endpoints.pop(member, None)
        changes["endpoints"] = endpoints
    secret = _stdin_secret("client secret") if args.client_secret_stdin else None
    if not changes and not secret:
        raise UsageError(f"client edit {args.name}: give at least one option to change "
                         "(see 'tokendesk client edit --help')")
    session = Session()
    session.adopt(vault)
    session.update_client(replace(client, **changes), secret)
    what = sorted(changes) + (["client secret"] if secret else [])
    print(f"changed client {args.name}: {', '.join(what)}")
    return EXIT_OK


def show(vault: Any, args: argparse.Namespace) -> int:
    """The client's settings, then each endpoint with its source."""
    from tokendesk.core.errors import TokendeskError
    from tokendesk.core.oauth.endpoints import resolve
    from tokendesk.core.session import Session

    client = vault.client(args.name)
    doc = client.to_dict()
    resolved: Any = None
    problem = None
    session = Session()
    session.adopt(vault)
    try:
        resolved = resolve(client, session.exchange.discovery)
    except TokendeskError as exc:
        problem = exc.message
    finally:
        session.http.close()
    if resolved is not None:
        doc["resolved"] = resolved.to_dict()
    else:
        doc["resolved"] = {"endpoints": {m: {"url": client.endpoints.get(m) or None,
                                             "source": "set by hand" if client.endpoints.get(m)
                                             else "not known", "document": None,
                                             "conflict": None} for m in ENDPOINT_FLAGS},
                           "discovery": {"error": problem}}
    if args.json:
        print_json(doc)
        return EXIT_OK
    for key, value in client.to_dict().items():
        if key != "endpoints":
            print(f"{key:15} {value}")
    extra = {k: v for k, v in client.endpoints.items() if k not in ENDPOINT_FLAGS}
    if extra:
        print(f"{'other':15} {extra}")
    print("endpoints:")
    if resolved is not None:
        for member, endpoint in resolved.endpoints.items():
            print(f"  {member:31} {endpoint.describe()}")
        meta = resolved.metadata
        if meta is not None:
            for url in meta.documents.values():
                print(f"  (read {url})")
            for note in meta.notes:
                print(f"  (not read: {note})")
            for conflict in meta.conflicts:
                if conflict.member not in ENDPOINT_FLAGS:
                    print(f"  (the documents disagree: {conflict.describe()})")
        if resolved.discovery_error:
            print(f"  (discovery failed: {resolved.discovery_error})")
    else:
        for member in ENDPOINT_FLAGS:
            url = client.endpoints.get(member)
            print(f"  {member:31} {url + ' (set by hand)' if url else '— (not known)'}")
        print(f"  (discovery failed: {problem})", file=sys.stdout)
    return EXIT_OK
