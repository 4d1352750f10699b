"""``tokendesk client …``, ``tokendesk vault …`` and ``tokendesk audit``.

Secrets come in on standard input (``--client-secret-stdin``, ``--refresh-token-stdin``), never
as arguments (which other users can see in the process list); they are printed only with
``--reveal``.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tokendesk.core.errors import TokendeskError, VaultLocked

from . import EXIT_OK, EXIT_USAGE
from .common import UsageError, error, fail, print_json, read_file, stdin_text


def open_cli_vault() -> Any:
    from tokendesk.core.paths import home
    from tokendesk.core.vault import FileStore, open_vault

    vault = open_vault(home())
    store = vault.store
    if isinstance(store, FileStore):
        from tokendesk.core.errors import KeyringUnavailable, VaultLocked

        if not store.exists:
            raise KeyringUnavailable("no usable keyring, and no encrypted file store yet: "
                                     "create one with 'tokendesk vault create-file-store'")
        passphrase = os.environ.get("TOKENDESK_VAULT_PASSPHRASE")
        if passphrase is None:
            if not sys.stdin or not sys.stdin.isatty():
                raise VaultLocked("the vault is an encrypted file: set "
                                  "TOKENDESK_VAULT_PASSPHRASE or run this in a terminal to be "
                                  "asked")
            passphrase = getpass.getpass("Vault passphrase: ")
        store.unlock(passphrase)
        vault.recover_pending_slots()
        vault.collect_stale_slots()
    return vault


def _check_admin_issuer(provider: str, issuer: str) -> None:
    """Refuse an admin connection whose admin API cannot be found from its issuer (a Keycloak
    issuer that is not a realm's) before anything is stored, not at the first search."""
    from tokendesk.core.errors import AdminError, InvalidInput
    from tokendesk.core.support.registry import connector_class

    try:
        connector_class(provider).api_base(issuer)
    except AdminError as exc:
        raise InvalidInput(f"{exc.message}; give the realm's issuer or --admin-api URL "
                           "(nothing was stored)") from None


def _stdin_secret(what: str) -> str:
    if sys.stdin is None:
        raise UsageError(f"{what}: no standard input")
    if sys.stdin.isatty():
        return getpass.getpass(f"{what}: ")
    value = stdin_text(what).strip()
    if not value:
        raise UsageError(f"{what}: standard input was empty")
    return value


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "unknown"
    from tokendesk.core.timefmt import format_utc, relative

    return f"{format_utc(epoch)} ({relative(epoch, time.time())})"


def run_client(args: argparse.Namespace) -> int:
    from tokendesk.core.vault import Client

    from .client_cmd import run_edit, with_endpoint_args  # issue 14: endpoints by hand
    from .client_cmd import show as show_client  # issue 14: endpoints by hand

    try:
        vault = open_cli_vault()
        if args.action == "add":
            for option in ("issuer", "token_endpoint", "discovery_url", "admin_api"):
                _check_url(getattr(args, option), "--" + option.replace("_", "-"))
            secret = _stdin_secret("client secret") if args.client_secret_stdin else None
            if args.auth_method in ("client_secret_basic", "client_secret_post") and not secret:
                print("note: no client secret given; add one with --client-secret-stdin, or use "
                      "--auth-method none for a public client", file=sys.stderr)
            key = _text_file(args.private_key, "--private-key") if args.private_key else None
            endpoints = {k: v for k, v in (("token_endpoint", args.token_endpoint),
                                           ("admin_api", args.admin_api)) if v}
            if args.admin and not args.admin_api:  # the admin API must follow from the issuer
                _check_admin_issuer(args.admin, args.issuer)
            if (args.tls_cert is None) != (args.tls_key is None):  # mTLS (issue 18)
                raise UsageError("--tls-cert and --tls-key go together (nothing was added)")
            client = vault.add_client(Client(
                args.name, args.issuer, args.client_id, args.auth_method, args.scope or "",
                args.audience or "", args.discovery_url or "",
                with_endpoint_args(endpoints, args),  # issue 14: endpoints by hand
                environment=args.environment or "", admin_provider=args.admin or "",
                dpop_alg=args.dpop or ""), secret, key)
            _add_certificate(vault, client.name, args)  # mTLS (issue 18)
            print(f"added client {client.name} ({client.issuer}); secrets are in "
                  f"{vault.store.description}")
        elif args.action == "list":
            clients = vault.clients()
            if args.json:
                print_json([c.to_dict() for c in clients])
            else:
                for c in clients:
                    env = f" [{c.environment}]" if c.environment else ""
                    print(f"{c.name}{env}  {c.issuer}  {c.client_id}  {c.auth_method}")
        elif args.action == "show":
            return show_client(vault, args)  # issue 14: endpoints by hand
        elif args.action == "edit":
            return run_edit(vault, args)  # issue 14: endpoints by hand
        elif args.action == "rm":
            if not _confirm(args, f"Delete the client {args.name!r} and its secret?"):
                return EXIT_USAGE
            vault.remove_client(args.name)
            print(f"deleted client {args.name}")
    except (UsageError, TokendeskError) as exc:
        return fail(exc)
    return EXIT_OK


def _add_certificate(vault: Any, name: str, args: argparse.Namespace) -> None:
    """``client add --tls-cert --tls-key`` (issue 18): a certificate that cannot be stored
    takes the new client with it."""
    from .client_cmd import bound_from_args

    try:
        bound_from_args(vault, name, args)
    except BaseException:
        vault.remove_client(name)
        raise


def _check_url(value: str | None, what: str) -> None:
    """Refuse a URL that cannot even be split ("http://[::1"): stored, it would break every
    later use of the client."""
    if value is None:
        return
    from urllib.parse import urlsplit

    try:
        urlsplit(value)
    except ValueError as exc:
        raise UsageError(f"{what}: {value[:200]!r} is not a URL ({exc})") from None


def _text_file(path: str, what: str) -> str:
    """A key file's text: a binary file (DER, a picture chosen by mistake) is refused."""
    try:
        return read_file(path, what).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what}: {path} is not a text file (byte {exc.start} is not UTF-8); "
                         "give a PEM or JWK private key") from None


def _confirm(args: argparse.Namespace, question: str) -> bool:
    if getattr(args, "yes", False):
        return True
    if not sys.stdin or not sys.stdin.isatty():
        error(f"{question} Add --yes to confirm (nothing was changed)")
        return False
    if input(f"{question} [y/N] ").strip().lower() in ("y", "yes"):
        return True
    from tokendesk.core.errors import Cancelled

    raise Cancelled("cancelled: nothing was changed")  # exit 130, as the README's table says


def run_vault(args: argparse.Namespace) -> int:
    try:
        if args.action == "create-file-store":
            return _create_file_store(args)
        vault = open_cli_vault()
        handler = {"add": _add, "list": _list, "show": _show, "rm": _rm, "export": _export,
                   "import": _import, "auto-refresh": _auto_refresh}[args.action]
        return handler(vault, args)
    except (UsageError, TokendeskError) as exc:
        return fail(exc)


def _create_file_store(args: argparse.Namespace) -> int:
    from tokendesk.core.paths import home
    from tokendesk.core.vault import FileStore

    store = FileStore(home() / "secrets.enc")
    # the same variable the other commands unlock with (DESIGN.md), else one line of stdin
    passphrase = os.environ.get("TOKENDESK_VAULT_PASSPHRASE") or _stdin_secret(
        "new vault passphrase")
    if "\n" in passphrase or "\r" in passphrase:
        raise UsageError("new vault passphrase: give it on one line (standard input held "
                         "several)")
    store.create(passphrase)
    print(f"created {store.path}; secrets will be kept there, encrypted")
    return EXIT_OK


def _add(vault: Any, args: argparse.Namespace) -> int:
    from tokendesk.core.vault import TokenSet

    tokens = TokenSet.from_pasted(_stdin_secret("refresh token (or a JSON token response)"))
    cred = vault.add_credential(args.name, args.client, tokens, notes=args.notes or "")
    print(f"added {cred.name} (refresh token {cred.refresh_fp}) to {vault.store.description}")
    return EXIT_OK


def _auto_refresh(vault: Any, args: argparse.Namespace) -> int:
    vault.set_auto_refresh(args.name, None if args.off else args.before)
    print(f"auto-refresh of {args.name}: " + ("off" if args.off else
                                            f"{args.before:g} s before the access token "
                                            "expires, while the app is running"))
    return EXIT_OK


def _list(vault: Any, args: argparse.Namespace) -> int:
    creds = vault.credentials(args.search or "", client=args.client,
                              environment=args.environment, order=args.sort)
    if args.json:
        print_json([c.to_dict() for c in creds])
        return EXIT_OK
    for c in creds:
        env = f" [{c.environment}]" if c.environment else ""
        print(f"{c.name}{env}  {c.client}  {c.status}  access expires "
              f"{_when(c.access_expires_at)}")
    if not creds:
        print("no credentials" + (" match" if args.search else " yet"), file=sys.stderr)
    return EXIT_OK


def _show(vault: Any, args: argparse.Namespace) -> int:
    cred = vault.credential(args.name)
    doc = cred.to_dict()
    if args.reveal:
        doc["secrets"] = {"refresh_token": vault.refresh_token(args.name),
                          "access_token": vault.token(args.name, "access_token"),
                          "id_token": vault.token(args.name, "id_token")}
        vault.audit("revealed", args.name, "secrets printed by 'vault show --reveal'")
    from tokendesk.core.tokens.binding import confirmation  # issue 18
    from tokendesk.core.vault.bindings import credential_dpop_jkt

    doc["dpop_jkt"] = credential_dpop_jkt(vault, args.name)
    access = vault.token(args.name, "access_token") if cred.has_access_token else None
    doc["access_token_binding"] = confirmation(access).to_dict() if access else None
    if args.json:
        print_json(doc)
        return EXIT_OK
    for key in ("name", "client", "status", "environment", "subject", "scope", "notes"):
        print(f"{key:18} {doc[key]}")
    print(f"{'DPoP key':18} " + (f"thumbprint {doc['dpop_jkt']} (its tokens are bound to it)"
                                 if doc["dpop_jkt"] else "—"))
    if doc["access_token_binding"]:
        print(f"{'access token':18} {doc['access_token_binding']['description']}")
    for kind, epoch in doc["expires_at"].items():
        print(f"{kind + ' expires':18} {_when(epoch)}")
    for kind, fp in doc["fingerprints"].items():
        print(f"{kind:18} {fp or '—'}")
    print(f"{'rotations':18} {cred.rotation_count}")
    if args.reveal:
        for kind, value in doc["secrets"].items():
            print(f"{kind:18} {value or '—'}")
    else:
        print("(secrets are not printed; add --reveal)")
    return EXIT_OK


def _rm(vault: Any, args: argparse.Namespace) -> int:
    vault.credential(args.name)
    question = (f"Revoke {args.name!r} at its server, then delete the local copy?" if args.revoke
                else f"Delete the credential {args.name!r} (the local copy only; the token "
                     "stays valid at its server)?")
    if not _confirm(args, question):
        return EXIT_USAGE
    if args.revoke:
        from tokendesk.core.oauth.exchange import Exchange
        from tokendesk.core.oauth.http import HttpClient

        with HttpClient() as http:
            for line in Exchange(vault, http).remove(args.name, revoke=True):
                print(line)
    else:
        vault.remove_credential(args.name)
    print(f"deleted {args.name}")
    return EXIT_OK


def _export(vault: Any, args: argparse.Namespace) -> int:
    from tokendesk.core.vault.export import export_metadata, export_vault
    from tokendesk.core.vault.secrets import atomic_write

    target = Path(args.file)
    if args.file != "-":
        try:
            if "\x00" in args.file or not target.name or target.is_dir():
                raise UsageError(f"{args.file[:200]!r} is not a file name to write to")
            if not target.parent.is_dir():  # never create directories for a typo
                raise UsageError(f"no such directory: {target.parent} (nothing was written)")
        except OSError as exc:  # a name too long for the file system
            raise UsageError(f"cannot write {args.file[:200]!r} ({exc.strerror})") from None
    names = args.names or None
    if args.metadata:
        data = json.dumps(export_metadata(vault, names), indent=2).encode()
    else:
        data = export_vault(vault, _stdin_secret("export passphrase"), names)
    if args.file == "-":
        sys.stdout.write(data.decode() + "\n")
    else:
        try:
            atomic_write(target, data)
        except OSError as exc:
            raise UsageError(f"cannot write {args.file} ({exc.strerror or exc})") from None
        print(f"wrote {args.file}" + (" (no secrets)" if args.metadata else " (encrypted)"),
              file=sys.stderr)
    return EXIT_OK


def _import(vault: Any, args: argparse.Namespace) -> int:
    from tokendesk.core.vault.export import import_vault

    data = read_file(args.file, "import")
    added = import_vault(vault, data, _stdin_secret("export passphrase"))
    print(f"imported {len(added)}: {', '.join(added)}" if added else "nothing new to import")
    return EXIT_OK


def run_audit(args: argparse.Namespace) -> int:
    try:
        vault = open_cli_vault()
        entries = vault.index.audit_log(args.target)
    except (UsageError, TokendeskError) as exc:
        return fail(exc)
    except VaultLocked as exc:  # pragma: no cover - covered by fail()
        return fail(exc)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["time_utc", "action", "target", "detail", "actor"])
        from tokendesk.core.timefmt import format_utc

        for e in entries:
            writer.writerow([format_utc(e.at), e.action, e.target, e.detail, e.actor])
    elif args.json:
        print_json([e.__dict__ for e in entries])
    else:
        from tokendesk.core.timefmt import format_utc

        for e in entries:
            print(f"{format_utc(e.at)}  {e.action:16} {e.target:20} {e.detail}")
    return EXIT_OK
