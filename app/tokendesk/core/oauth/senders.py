"""Sender-constrained tokens for the exchange (issue 18): the DPoP key a credential's (or a
client's own) requests are signed with, and the client certificate a client presents.

* A credential bound to a DPoP key is refreshed with that key only: a key that is missing or
  is another one stops the refresh before anything is sent (:func:`..vault.bindings.dpop_key`).
* A credential of a client marked DPoP that has no key yet (a refresh token pasted in, or the
  client marked later) gets one, stored before the first request that uses it: the server may
  bind what it answers to that key.
* A client with a certificate in the vault talks to its server over mutual TLS (and at the
  server's ``mtls_endpoint_aliases``); one that authenticates with ``tls_client_auth`` or
  ``self_signed_tls_client_auth`` and has none sends nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..choices import MTLS_METHODS
from ..errors import MissingClientSecret, VaultError
from .dpop import Prover

if TYPE_CHECKING:
    from ..tokens.encode import SigningKey
    from ..vault.model import Client, Credential
    from ..vault.tokenset import TokenSet
    from .exchange import Exchange
    from .http import HttpClient

__all__ = ["client_prover", "client_transport", "credential_prover", "new_prover",
           "resource_headers", "store_signed_in"]


def credential_prover(exchange: Exchange, name: str, *, create: bool) -> Prover | None:
    """The prover of ``name``'s requests: its own DPoP key; with ``create``, a new key (kept
    before it is used) when its client is marked DPoP and it has none yet; else None."""
    from ..vault.bindings import bind_dpop_key, dpop_key

    vault = exchange.vault
    key = dpop_key(vault, name)
    if key is None and create:
        alg = vault.client(vault.credential(name).client).dpop_alg
        if alg:
            from ..tokens.dpop import generate_dpop_key

            key = generate_dpop_key(alg)
            bind_dpop_key(vault, name, key)
    return Prover(key, exchange.nonces, clock=exchange.clock) if key is not None else None


def new_prover(exchange: Exchange, client: Client, alg: str | None) -> Prover | None:
    """For a sign-in: a fresh key (``alg``, or the client's DPoP setting), or None."""
    chosen = alg or client.dpop_alg
    if not chosen:
        return None
    from ..tokens.dpop import generate_dpop_key

    return Prover(generate_dpop_key(chosen), exchange.nonces, clock=exchange.clock)


def client_prover(exchange: Exchange, client_name: str) -> Prover | None:
    """The prover of a client's own grants (client credentials, token exchange), when the
    client is marked DPoP: its own key, made once and kept."""
    from ..vault.bindings import client_dpop_key

    client = exchange.vault.client(client_name)
    if not client.dpop_alg:
        return None
    return Prover(client_dpop_key(exchange.vault, client_name, client.dpop_alg),
                  exchange.nonces, clock=exchange.clock)


def store_signed_in(exchange: Exchange, name: str, client_name: str, tokens: TokenSet,
                    key: SigningKey | None) -> Credential:
    """Store a sign-in's tokens, and the DPoP key they are bound to. A key that cannot be
    stored takes the credential with it (its refresh token works with no other key)."""
    vault = exchange.vault
    cred = vault.add_credential(name, client_name, tokens)
    if key is None:
        return cred
    from ..vault.bindings import bind_dpop_key

    try:
        bind_dpop_key(vault, name, key)
    except BaseException as exc:
        detail = getattr(exc, "message", type(exc).__name__)
        vault.remove_credential(name, detail=f"its DPoP key could not be stored ({detail})")
        raise VaultError(f"the DPoP key of {name!r} could not be stored ({detail}): the "
                         "tokens bound to it were not kept; sign in again") from None
    return vault.credential(name)


def resource_headers(exchange: Exchange, name: str, method: str, url: str, *,
                     margin: float, nonce: str | None = None) -> dict[str, str]:
    """``Authorization: DPoP …`` and ``DPoP: <proof with ath>`` for a request to a resource
    with ``name``'s access token (refreshed first when needed)."""
    vault = exchange.vault
    client = vault.client(vault.credential(name).client)
    if credential_prover(exchange, name, create=False) is None and not client.dpop_alg:
        raise VaultError(f"{name} has no DPoP key: its access token is a bearer token (sign "
                         "in with --dpop, or mark its client DPoP: tokendesk client edit "
                         f"{client.name} --dpop ES256)")
    token = exchange.access_token(name, margin=margin)
    prover = credential_prover(exchange, name, create=False)
    if prover is None:  # the client is marked DPoP, but this token came before its key
        raise VaultError(f"{name}'s access token was issued before it had a DPoP key (a "
                         f"bearer token): refresh it first (tokendesk refresh {name})")
    return prover.resource_headers(method, url, token, nonce)


def client_transport(exchange: Exchange, client_name: str,
                     client: Client) -> tuple[HttpClient, bool]:
    """The HTTP client of ``client``'s requests, and whether it presents a certificate."""
    from ..vault.bindings import client_certificate

    certificate = client_certificate(exchange.vault, client_name)
    if certificate is None:
        if client.auth_method in MTLS_METHODS:
            raise MissingClientSecret(
                f"no client certificate is stored for {client_name!r} ({client.auth_method} "
                "needs one): nothing was sent; store one with tokendesk client edit "
                f"{client_name} --tls-cert FILE --tls-key FILE")
        return exchange.http, False
    from .mtls import certificate_http

    return certificate_http(exchange.http, certificate), True
