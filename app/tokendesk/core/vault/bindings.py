"""What binds tokens to their holder (issue 18), kept like every other secret:

* a DPoP private key per credential (RFC 9449), in the credential's service as ``dpop_key``;
  its RFC 7638 thumbprint in the index (``credentials.dpop_jkt``), so the vault knows the
  credential's tokens are bound without reading the keyring, and a refresh can refuse to go
  on with any other key;
* a DPoP key per client for the client's own grants (client credentials, token exchange), in
  the client's service;
* a client's mutual-TLS certificate and private key (RFC 8705), in the client's service.

A key is written, read back and only then recorded in the index (the same write-then-switch
order as a rotated refresh token): a key the index names is always in the store.
"""

from __future__ import annotations

import json
import secrets as _random
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from ..errors import UnusableKey, VaultCorrupt, VaultError

if TYPE_CHECKING:
    from ..tokens.encode import SigningKey
    from .vault import Vault

__all__ = ["DPOP_KEY", "TLS_CLIENT", "ClientCertificate", "bind_dpop_key",
           "client_certificate", "client_dpop_key", "credential_dpop_jkt", "dpop_key",
           "remove_client_certificate", "set_client_certificate"]

DPOP_KEY = "dpop_key"
TLS_CLIENT = "tls_client_certificate"


def _credential_service(vault: Vault, name: str) -> str:
    return f"tokendesk/credential/{vault.credential(name).uid}"


def _client_service(vault: Vault, name: str) -> str:
    return f"tokendesk/client/{vault.client(name).uid}"


def _write(vault: Vault, service: str, key: str, value: str, what: str) -> None:
    vault.store.set(service, key, value)
    if vault.store.get(service, key) != value:
        vault.store.delete(service, key)
        raise VaultCorrupt(f"the secret store did not return the {what} just stored")


# -- DPoP keys -----------------------------------------------------------------------------------
def credential_dpop_jkt(vault: Vault, name: str) -> str | None:
    """The thumbprint of the DPoP key ``name``'s tokens are bound to (None: not bound)."""
    vault.credential(name)
    row = vault.index.db.execute("SELECT dpop_jkt FROM credentials WHERE name=?",
                                 (name,)).fetchone()
    return str(row[0]) if row and row[0] else None


def dpop_key(vault: Vault, name: str) -> SigningKey | None:
    """The DPoP key of ``name`` (None when its tokens are not bound to one). A bound
    credential whose key is gone, or is another key, is an error: its refresh token works
    with that key only, and no other key is ever tried (nothing is sent)."""
    from ..tokens.dpop import jkt, load_dpop_key

    bound = credential_dpop_jkt(vault, name)
    if bound is None:
        return None
    again = (f"nothing was sent. To start over: tokendesk vault rm {name} --revoke --yes (a "
             f"revocation needs no key), then sign in again as {name}")
    stored = vault.store.get(_credential_service(vault, name), DPOP_KEY)
    if stored is None:
        raise VaultCorrupt(f"the DPoP key of {name!r} is missing from {vault.store.description}: "
                           f"its tokens are bound to key {bound} and work with no other; "
                           f"{again}")
    try:
        key = load_dpop_key(stored)
    except (UnusableKey, ValueError):
        raise VaultCorrupt(f"the stored DPoP key of {name!r} cannot be read; {again}") \
            from None
    if jkt(key) != bound:
        raise VaultCorrupt(f"the stored DPoP key of {name!r} is not the key {bound} its tokens "
                           f"are bound to; {again}")
    return key


def bind_dpop_key(vault: Vault, name: str, key: SigningKey) -> str:
    """Keep ``key`` as the DPoP key of ``name`` (before any request uses it). Refused when
    the credential is already bound to another key. Returns the key's thumbprint."""
    from ..tokens.dpop import dumps, jkt

    thumb = jkt(key)
    bound = credential_dpop_jkt(vault, name)
    if bound is not None:
        if bound == thumb:
            return thumb
        raise VaultError(f"{name!r} is bound to DPoP key {bound} already: its tokens work "
                         "with that key only")
    _write(vault, _credential_service(vault, name), DPOP_KEY, dumps(key), "DPoP key")
    with vault.index.transaction() as db:
        db.execute("UPDATE credentials SET dpop_jkt=? WHERE name=?", (thumb, name))
    vault.audit("DPoP key", name, f"{key.alg} key {thumb} made for this credential's tokens")
    return thumb


def client_dpop_key(vault: Vault, client_name: str, alg: str) -> SigningKey:
    """The DPoP key of a client's own grants (made with ``alg`` on first use, then kept)."""
    from ..tokens.dpop import dumps, generate_dpop_key, jkt, load_dpop_key

    service = _client_service(vault, client_name)
    stored = vault.store.get(service, DPOP_KEY)
    if stored is not None:
        try:
            return load_dpop_key(stored)
        except (UnusableKey, ValueError):
            raise VaultCorrupt(f"the stored DPoP key of the client {client_name!r} cannot be "
                               "read") from None
    key = generate_dpop_key(alg)
    _write(vault, service, DPOP_KEY, dumps(key), "DPoP key")
    vault.audit("DPoP key", client_name, f"{key.alg} key {jkt(key)} made for the client's "
                "own grants")
    return key


# -- mutual TLS ----------------------------------------------------------------------------------
class ClientCertificate(NamedTuple):
    """A client certificate (PEM, with any chain after it) and its private key (PEM)."""

    certificate: str
    private_key: str

    def __repr__(self) -> str:  # never the key
        return "ClientCertificate(<certificate>, <private key>)"

    @property
    def thumbprint(self) -> str:
        from ..tokens.binding import certificate_thumbprint

        return certificate_thumbprint(self.certificate)


def _check_pair(certificate: str, private_key: str) -> str:
    """The certificate's thumbprint, once the key is known to be its private key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from ..tokens.binding import certificate_thumbprint

    try:
        cert = x509.load_pem_x509_certificate(certificate.encode())
    except ValueError:
        raise UnusableKey("the client certificate is not a PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(private_key.encode(), None)
    except (ValueError, TypeError):
        raise UnusableKey("the client certificate's key is not an unencrypted PEM private "
                          "key") from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, spki) != \
            cert.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise UnusableKey("the private key is not the certificate's: they do not belong "
                          "together")
    return certificate_thumbprint(certificate)


def set_client_certificate(vault: Vault, client_name: str, certificate: str,
                           private_key: str) -> str:
    """Keep a client's mutual-TLS certificate and key (checked to belong together). Returns
    the certificate's ``x5t#S256`` thumbprint."""
    thumb = _check_pair(certificate, private_key)
    client = vault.client(client_name)
    doc = json.dumps({"certificate": certificate, "private_key": private_key})
    _write(vault, _client_service(vault, client_name), TLS_CLIENT, doc, "client certificate")
    # a new secret revision: a client configured with the old certificate is built again
    vault.index.update_client(replace(client, has_secret=True,
                                      secret_rev=_random.token_hex(4)))
    vault.audit("client certificate", client_name, f"certificate {thumb} stored")
    return thumb


def client_certificate(vault: Vault, client_name: str) -> ClientCertificate | None:
    stored = vault.store.get(_client_service(vault, client_name), TLS_CLIENT)
    if stored is None:
        return None
    try:
        doc = json.loads(stored)
        return ClientCertificate(str(doc["certificate"]), str(doc["private_key"]))
    except (ValueError, KeyError, TypeError):
        raise VaultCorrupt(f"the stored client certificate of {client_name!r} is "
                           "damaged") from None


def remove_client_certificate(vault: Vault, client_name: str) -> None:
    client = vault.client(client_name)
    vault.store.delete(_client_service(vault, client_name), TLS_CLIENT)
    vault.index.update_client(replace(client, secret_rev=_random.token_hex(4)))
    vault.audit("client certificate", client_name, "removed")
