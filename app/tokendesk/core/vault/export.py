"""Exporting and importing the vault.

* A full export is a versioned JSON envelope: scrypt-derived key, AES-GCM over the clients and
  credentials *with* their secrets. Without the passphrase it reveals nothing but its format.
* A metadata export has no secret at all (clients, endpoints, credential names and expiry), for
  sharing a setup with a colleague; it is plain JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..errors import VaultCorrupt, VaultError, WrongPassphrase
from ..timefmt import finite_number
from . import bindings
from .kdf import DEFAULT_PARAMS, check_new_passphrase, derive_key, new_salt, open_sealed, read_kdf, seal
from .model import Client, Status
from .tokenset import ACCESS_TOKEN, ID_TOKEN, TokenSet
from .vault import Vault

__all__ = ["export_metadata", "export_vault", "import_vault"]

FORMAT = "tokendesk-vault-export"
VERSION = 1


def _selected(vault: Vault, names: Iterable[str] | None) -> list[str]:
    all_names = [c.name for c in vault.credentials()]
    if names is None:
        return all_names
    chosen = list(names)
    missing = [n for n in chosen if n not in all_names]
    if missing:
        raise VaultError(f"no credential named {', '.join(map(repr, missing))}")
    return chosen


def export_metadata(vault: Vault, names: Iterable[str] | None = None) -> dict[str, Any]:
    chosen = _selected(vault, names)
    creds = [vault.credential(n) for n in chosen]
    clients = {c.client for c in creds} if names is not None else {c.name for c in vault.clients()}
    doc = {"format": FORMAT + "-metadata", "version": VERSION,
           "clients": [vault.client(c).to_dict() for c in sorted(clients)],
           "credentials": [c.to_dict() for c in creds]}
    vault.audit("exported", "vault", f"metadata of {len(creds)} credential(s), no secrets")
    return doc


def export_vault(vault: Vault, passphrase: str, names: Iterable[str] | None = None) -> bytes:
    check_new_passphrase(passphrase, " for the export")
    chosen = _selected(vault, names)
    creds = [vault.credential(n) for n in chosen]
    client_names = sorted({c.client for c in creds} if names is not None
                          else {c.name for c in vault.clients()})
    payload = {
        "clients": [{**vault.client(n).to_dict(), "client_secret": vault.client_secret(n),
                     "private_key": vault.client_private_key(n),
                     **_client_bindings(vault, n)} for n in client_names],
        "credentials": [{**c.to_dict(), "refresh_token": vault.refresh_token(c.name),
                         "access_token": vault.token(c.name, ACCESS_TOKEN),
                         "id_token": vault.token(c.name, ID_TOKEN),
                         **_credential_binding(vault, c.name)} for c in creds],
    }
    salt = new_salt()
    envelope = seal(derive_key(passphrase, salt, *DEFAULT_PARAMS), salt, DEFAULT_PARAMS,
                    json.dumps(payload).encode(), FORMAT.encode())
    vault.audit("exported", "vault", f"{len(creds)} credential(s), encrypted")
    return json.dumps({"format": FORMAT, "version": VERSION, **envelope}).encode()


def _client_bindings(vault: Vault, name: str) -> dict[str, Any]:
    """A client's mutual-TLS certificate and key (issue 18), when it has them."""
    pair = bindings.client_certificate(vault, name)
    return {"tls_client_certificate": pair._asdict()} if pair is not None else {}


def _credential_binding(vault: Vault, name: str) -> dict[str, Any]:
    """The DPoP key a credential's tokens are bound to (issue 18): without it, an imported
    bound refresh token could never be used."""
    from ..tokens.dpop import dumps

    key = bindings.dpop_key(vault, name)
    return {"dpop_key": dumps(key)} if key is not None else {}


_CLIENT_FIELDS = ("name", "issuer", "client_id", "auth_method", "scope", "audience",
                  "discovery_url", "endpoints", "extra_params", "environment", "admin_provider")


def _payload(plain: bytes) -> dict[str, list[dict[str, Any]]]:
    """The decrypted content, its shape checked before anything is imported: an export made by
    hand (its passphrase handed over with it) is input like any other (SECURITY.md 34)."""
    try:
        payload = json.loads(plain)
        clients, credentials = payload["clients"], payload["credentials"]
        ok = (isinstance(clients, list) and isinstance(credentials, list)
              and all(isinstance(c, dict) and isinstance(c.get("name"), str)
                      and all(k in c for k in _CLIENT_FIELDS) for c in clients)
              and all(isinstance(c, dict) and isinstance(c.get("name"), str)
                      and isinstance(c.get("client"), str) and "refresh_token" in c
                      for c in credentials))
    except (ValueError, RecursionError, KeyError, TypeError):
        ok = False
    if not ok:
        raise VaultCorrupt("the export decrypted, but its content is not a Tokendesk export")
    return {"clients": clients, "credentials": credentials}


def _restore_state(vault: Vault, exported: dict[str, Any]) -> None:
    """What the export knew beyond the tokens: the credential's status (a pending revocation
    must not be forgotten: it is still to be sent) and expiry times the tokens do not carry
    (an opaque access token's, the refresh token's as the server said)."""
    fields: dict[str, Any] = {}
    times = exported.get("expires_at")
    if isinstance(times, dict):
        current = vault.credential(exported["name"])
        for kind, column in (("access_token", "access_expires_at"),
                             ("id_token", "id_expires_at"),
                             ("refresh_token", "refresh_expires_at")):
            when = finite_number(times.get(kind))
            if when is not None and getattr(current, column) is None:
                fields[column] = when
    vault.index.update_credential(exported["name"], **fields)
    status = exported.get("status")
    if isinstance(status, str) and status != Status.ACTIVE and status in set(Status):
        vault.set_status(exported["name"], Status(status), "as it was in the export")


def import_vault(vault: Vault, data: bytes, passphrase: str) -> list[str]:
    """Import clients and credentials; existing names are left alone. Returns what was added."""
    from cryptography.exceptions import InvalidTag

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise VaultCorrupt("this is not a Tokendesk export (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise VaultCorrupt("this is not an encrypted Tokendesk export")
    if doc.get("version") != VERSION:
        raise VaultError(f"export version {doc.get('version')!r} is not supported")
    # the cost of the key derivation is bounded before anything is derived (SECURITY.md 35)
    salt, params = read_kdf(doc, what="the export")
    try:
        plain = open_sealed(derive_key(passphrase, salt, *params), doc, FORMAT.encode(),
                            what="the export")
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase (or the export was altered)") from None
    payload = _payload(plain)
    added: list[str] = []
    existing_clients = {c.name for c in vault.clients()}
    for c in payload["clients"]:
        if c["name"] in existing_clients:
            continue
        fields = {k: c[k] for k in ("name", "issuer", "client_id", "auth_method", "scope",
                                    "audience", "discovery_url", "endpoints", "extra_params",
                                    "environment", "admin_provider")}
        vault.add_client(Client(**fields, dpop_alg=str(c.get("dpop_alg") or "")),
                         c.get("client_secret"), c.get("private_key"))
        pair = c.get("tls_client_certificate")
        if isinstance(pair, dict):
            bindings.set_client_certificate(vault, c["name"], str(pair.get("certificate")),
                                            str(pair.get("private_key")))
        added.append(f"client {c['name']}")
    existing = {c.name for c in vault.credentials()}
    for c in payload["credentials"]:
        if c["name"] in existing:
            continue
        vault.add_credential(c["name"], c["client"],
                             TokenSet(c["refresh_token"], c.get("access_token"),
                                      c.get("id_token"), scope=c.get("scope") or None),
                             notes=c.get("notes", ""))
        if isinstance(c.get("dpop_key"), str):
            from ..tokens.dpop import load_dpop_key

            try:
                key = load_dpop_key(c["dpop_key"])
            except (ValueError, TypeError):  # (UnusableKey is a KeyProblem, not these)
                raise VaultCorrupt(f"the DPoP key of {c['name']!r} in the export cannot be "
                                   "read") from None
            bindings.bind_dpop_key(vault, c["name"], key)
        _restore_state(vault, c)
        added.append(c["name"])
    vault.audit("imported", "vault", f"{len(added)} item(s)")
    return added
