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

from tokendesk.core.choices import AUTH_METHODS, DPOP_ALGS, ENVIRONMENTS
from tokendesk.core.support.registry import CONNECTOR_KEYS

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
    edit.add_argument("--admin", choices=(*CONNECTOR_KEYS, "off"),
                      help="make it an admin connection for the support console (off: no "
                      "longer one)")
    edit.add_argument("--admin-api", metavar="URL",
                      help="the admin API's base URL, when it does not follow from the issuer "
                      "('' resets)")
    add_bound_args(edit, off=True)
    add_endpoint_args(edit)


def add_bound_args(p: argparse.ArgumentParser, *, off: bool) -> None:
    """A client's sender constraints (issue 18): DPoP keys, a mutual-TLS certificate."""
    p.add_argument("--dpop", choices=(*DPOP_ALGS, *(("off",) if off else ())),
                   help="bind its credentials' tokens to a DPoP key of this algorithm (RFC "
                   "9449)" + ("; off: send no more proofs (bound credentials keep their key)"
                              if off else ""))
    p.add_argument("--tls-cert", metavar="FILE", help="mutual TLS (RFC 8705): the client "
                   "certificate, PEM (kept in the keyring with its key)")
    p.add_argument("--tls-key", metavar="FILE", help="mutual TLS: the certificate's private "
                   "key, PEM (read from the file, never given on the command line)")


def bound_from_args(vault: Any, name: str, args: argparse.Namespace) -> list[str]:
    """Store a certificate given with --tls-cert and --tls-key; what changed, in words."""
    cert, key = getattr(args, "tls_cert", None), getattr(args, "tls_key", None)
    if cert is None and key is None:
        return []
    if cert is None or key is None:
        raise UsageError("--tls-cert and --tls-key go together: the certificate and its "
                         "private key (nothing was changed)")
    from tokendesk.core.vault.bindings import set_client_certificate

    from .common import read_file

    thumb = set_client_certificate(vault, name,
                                   read_file(cert, "--tls-cert").decode("utf-8", "replace"),
                                   read_file(key, "--tls-key").decode("utf-8", "replace"))
    return [f"client certificate {thumb}"]


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
    if args.dpop is not None:  # DPoP (issue 18)
        changes["dpop_alg"] = "" if args.dpop == "off" else args.dpop
    if args.admin is not None:  # an admin connection for the support console
        changes["admin_provider"] = "" if args.admin == "off" else args.admin
    if "issuer" in changes:
        changes["issuer"] = _check_url("--issuer", changes["issuer"].strip())
    if "client_id" in changes and not changes["client_id"].strip():
        raise UsageError("--client-id: a client needs a client_id (nothing was changed)")
    if args.discovery_url is not None:
        changes["discovery_url"] = (_check_url("--discovery-url", args.discovery_url)
                                    if args.discovery_url else "")
    given = endpoints_from_args(args)
    if args.admin_api is not None:
        given["admin_api"] = _check_url("--admin-api", args.admin_api) if args.admin_api else ""
    if given:
        endpoints = dict(client.endpoints)
        for member, url in given.items():
            if url:
                endpoints[member] = url
            else:
                endpoints.pop(member, None)
        changes["endpoints"] = endpoints
    provider = changes.get("admin_provider", client.admin_provider)
    admin_api = changes.get("endpoints", client.endpoints).get("admin_api")
    if provider and not admin_api and ({"admin_provider", "issuer"} & set(changes)):
        from .vault_cmd import _check_admin_issuer

        _check_admin_issuer(provider, changes.get("issuer", client.issuer))
    secret = _stdin_secret("client secret") if args.client_secret_stdin else None
    bound = bound_from_args(vault, args.name, args)  # mTLS (issue 18)
    if not changes and not secret and not bound:
        raise UsageError(f"client edit {args.name}: give at least one option to change "
                         "(see 'tokendesk client edit --help')")
    session = Session()
    session.adopt(vault)
    if changes or secret:
        session.update_client(replace(vault.client(args.name), **changes), secret)
    what = sorted(changes) + (["client secret"] if secret else []) + bound
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
    from tokendesk.core.vault.bindings import client_certificate  # mTLS (issue 18)

    certificate = client_certificate(vault, args.name)
    doc["tls_client_certificate"] = certificate.thumbprint if certificate else None
    if args.json:
        print_json(doc)
        return EXIT_OK
    for key, value in client.to_dict().items():
        if key != "endpoints":
            print(f"{key:15} {value}")
    if certificate is not None:
        print(f"{'certificate':15} x5t#S256 {certificate.thumbprint} (mutual TLS; the key is "
              "in the keyring)")
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
