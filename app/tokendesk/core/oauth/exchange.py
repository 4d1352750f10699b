"""Exchanges for stored credentials: refresh, revoke, introspect, userinfo, a valid access token.

The rules (SECURITY.md 18–26):

* one refresh per credential at a time (the vault's lock, across threads and processes);
* a new refresh token is stored through the vault's rotation protocol before the response is
  used; an absent or empty one keeps the old;
* ``invalid_grant`` marks the credential as needing a new sign-in, with no retry loop;
* ``invalid_client``/``unauthorized_client``/``invalid_scope``: the token is kept, the error is a
  configuration problem; 5xx/``temporarily_unavailable``/network: the token is kept, and
  ``Retry-After`` is reported;
* a request whose answer was lost is retried once with the same token; ``invalid_grant`` then
  means the rotation was lost;
* an ID token from a refresh must keep ``iss``, ``sub``, ``aud``, ``azp`` and ``auth_time``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    InvalidGrant,
    NetworkError,
    OutcomeUnknown,
    ProviderError,
    ResponseError,
    RotationLost,
    VaultError,
)
from ..vault.model import Status, fingerprint
from ..vault.vault import ACCESS_TOKEN, ID_TOKEN, TokenSet, Vault
from .client import ClientConfig, OAuthClient, TokenResponse
from .discovery import Discovery
from .http import HttpClient

__all__ = ["Exchange", "RefreshResult", "needs_refresh", "skew_from_date"]

#: Refresh when the access token has less than this many seconds left.
DEFAULT_MARGIN = 60.0
_CONTINUITY = ("iss", "sub", "aud", "azp", "auth_time")


def needs_refresh(access_expires_at: float | None, now: float, margin: float = DEFAULT_MARGIN,
                  has_access_token: bool = True, skew: float = 0.0) -> bool:
    """The one decision of when a refresh is needed, shared by ``tokendesk token``, the GUI's
    Refresh and its auto-refresh. ``skew`` is the server's clock minus ours (expiry times are
    on the server's clock)."""
    if not has_access_token or access_expires_at is None:
        return True
    return access_expires_at - (now + skew) <= margin


def skew_from_date(date_header: str | None, received_at: float) -> float | None:
    """The server's clock minus ours, from an HTTP ``Date`` header (RFC 9110 §6.6.1; one-second
    resolution, so differences under a second are noise)."""
    if not date_header:
        return None
    from email.utils import parsedate_to_datetime

    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server.tzinfo is None:
        return None
    return server.timestamp() - received_at


@dataclass(frozen=True)
class RefreshResult:
    name: str
    rotated: bool
    old_fp: str | None
    new_fp: str | None
    access_expires_at: float | None
    duration: float  # seconds, the whole exchange
    server_time: float  # seconds, as the HTTP client measured the response
    response: dict[str, Any] = field(repr=False)  # redacted
    retried: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rotated": self.rotated, "old_refresh_fp": self.old_fp,
                "new_refresh_fp": self.new_fp, "access_expires_at": self.access_expires_at,
                "duration_ms": round(self.duration * 1000, 1), "retried": self.retried,
                "response": self.response}


class Exchange:
    def __init__(self, vault: Vault, http: HttpClient, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self.http = http
        self.clock = clock
        self.discovery = Discovery(http, clock=clock)
        self._clients: dict[str, OAuthClient] = {}  # per client name, for this Exchange's life

    # -- configuration ------------------------------------------------------------------------
    def client_for(self, client_name: str) -> OAuthClient:
        """The configured client (its secret read once from the store, then kept in memory
        for the life of this Exchange)."""
        cached = self._clients.get(client_name)
        if cached is not None:
            return cached
        client = self.vault.client(client_name)
        endpoints = dict(client.endpoints)
        needed = ("token_endpoint", "revocation_endpoint", "introspection_endpoint",
                  "userinfo_endpoint", "device_authorization_endpoint")
        if "token_endpoint" not in endpoints:
            meta = self.discovery.get(client.issuer)
            endpoints.update({n: meta.raw[n] for n in needed if isinstance(meta.raw.get(n), str)})
        if "token_endpoint" not in endpoints:
            raise ProviderError("invalid_client", f"{client.issuer} publishes no token endpoint")
        oauth = OAuthClient(self.http, ClientConfig(
            client.client_id, client.auth_method, self.vault.client_secret(client_name),
            self.vault.client_private_key(client_name) if client.auth_method == "private_key_jwt"
            else None, endpoints["token_endpoint"], endpoints.get("revocation_endpoint"),
            endpoints.get("introspection_endpoint"), endpoints.get("userinfo_endpoint"),
            endpoints.get("device_authorization_endpoint"), client.issuer))
        self._clients[client_name] = oauth
        return oauth

    # -- refresh ------------------------------------------------------------------------------
    def refresh(self, name: str, *, scope: str | None = None,
                resource: str | None = None) -> RefreshResult:
        result = self._refresh(name, scope, resource, None)
        assert result is not None  # noqa: S101 - no margin: always refreshes
        return result

    def refresh_if_needed(self, name: str, margin: float) -> RefreshResult | None:
        """Refresh when the access token has ``margin`` seconds or less left, deciding under the
        credential's refresh lock: of two callers at once (two windows, a window and a script)
        the second finds a fresh token and returns ``None`` instead of refreshing again."""
        return self._refresh(name, None, None, margin)

    def skew(self, client_name: str) -> float:
        return self.vault.client(client_name).clock_skew

    def _refresh(self, name: str, scope: str | None, resource: str | None,
                 margin: float | None) -> RefreshResult | None:
        started = time.perf_counter()
        cred = self.vault.credential(name)
        oauth = self.client_for(cred.client)
        endpoint = oauth.config.token_endpoint
        request = {"grant_type": "refresh_token", "refresh_token": f"<{cred.refresh_fp}>",
                   **({"scope": scope} if scope else {}),
                   **({"resource": resource} if resource else {})}

        def record(status: str, response: dict[str, Any] | None = None, **extra: Any) -> None:
            self.vault.index.add_exchange(
                name, "refresh", status, endpoint=endpoint, request=request,
                duration_ms=(time.perf_counter() - started) * 1000, old_fp=cred.refresh_fp,
                scope_before=cred.scope or None, response=response, **extra)

        with self.vault.refresh_lock(name):
            cred = self.vault.credential(name)  # another process may have refreshed meanwhile
            if margin is not None and not needs_refresh(
                    cred.access_expires_at, self.clock(), margin, cred.has_access_token,
                    self.skew(cred.client)):
                return None
            old = self.vault.refresh_token(name)
            retried = False
            try:
                try:
                    response = oauth.refresh(old, scope=scope, resource=resource)
                except OutcomeUnknown:
                    retried = True  # the answer was lost: once more with the same token
                    try:
                        response = oauth.refresh(old, scope=scope, resource=resource)
                    except InvalidGrant as exc:
                        raise RotationLost(
                            "invalid_grant", "the first attempt's answer was lost and the "
                            "server refused the retry: it had rotated the refresh token "
                            f"({exc.description or 'no description'})", exc.status) from None
            except InvalidGrant as exc:
                self.vault.set_status(name, Status.NEEDS_SIGN_IN,
                                      f"invalid_grant: {exc.description or ''}".strip())
                self.vault.audit("refresh failed", name, f"{exc.code}; sign in again")
                record(f"{exc.code} (HTTP {exc.status})", {"error": exc.error,
                                                            "error_description": exc.description})
                raise
            except ProviderError as exc:
                self.vault.audit("refresh failed", name, f"{exc.error} (HTTP {exc.status}); "
                                 "refresh token kept")
                record(f"{exc.error} (HTTP {exc.status})", {"error": exc.error,
                                                             "error_description":
                                                                 exc.description})
                raise
            except NetworkError as exc:
                self.vault.audit("refresh failed", name, f"{exc.code}; refresh token kept")
                record(exc.code, {"error": exc.message})
                raise
            self._check_id_token(name, response)
            tokens = TokenSet.from_response(response.raw)
            skew = skew_from_date(response.date_header, self.clock())
            if skew is not None:
                tokens.server_time = self.clock() + skew
                self.vault.set_client_skew(cred.client, round(skew))
            rotated = self.vault.store_tokens(name, tokens)
        after = self.vault.credential(name)
        record(f"{response.status} OK", response.redacted(), rotated=rotated,
               new_fp=after.refresh_fp, scope_after=after.scope or None)
        return RefreshResult(name, rotated, cred.refresh_fp, after.refresh_fp,
                             after.access_expires_at, time.perf_counter() - started,
                             response.elapsed, response.redacted(), retried)

    def _check_id_token(self, name: str, response: TokenResponse) -> None:
        """OIDC Core §12.2: a refreshed ID token keeps the identity of the original."""
        new = response.id_token
        old = self.vault.token(name, ID_TOKEN)
        if not new or not old:
            return
        from ..tokens.decoding import decode_token

        before, after = decode_token(old).claims or {}, decode_token(new).claims or {}
        for claim in _CONTINUITY:
            if claim in before and before.get(claim) != after.get(claim):
                self.vault.audit("refresh refused", name, f"the new ID token changed {claim}")
                raise ResponseError(
                    f"the refreshed ID token changed {claim} (OIDC Core §12.2): not stored")

    # -- a valid access token -----------------------------------------------------------------
    def access_token(self, name: str, *, margin: float = DEFAULT_MARGIN) -> str:
        cred = self.vault.credential(name)
        if needs_refresh(cred.access_expires_at, self.clock(), margin, cred.has_access_token,
                         self.skew(cred.client)):
            self.refresh_if_needed(name, margin)
        token = self.vault.token(name, ACCESS_TOKEN)
        if not token:
            raise ResponseError("the server gave no access token")
        return token

    # -- revocation, introspection, userinfo --------------------------------------------------
    def revoke(self, name: str) -> list[str]:
        """Revoke the refresh token and the access token (RFC 7009). Returns what happened, in
        words. A revocation that could not be sent leaves the credential 'revoke pending'."""
        cred = self.vault.credential(name)
        report = []
        try:
            oauth = self.client_for(cred.client)
            oauth.revoke(self.vault.refresh_token(name), "refresh_token")
            report.append(f"refresh token {cred.refresh_fp} revoked")
            access = self.vault.token(name, ACCESS_TOKEN)
            if access:
                try:
                    oauth.revoke(access, "access_token")
                    report.append(f"access token {cred.access_fp} revoked")
                except ProviderError as exc:
                    if exc.error != "unsupported_token_type":
                        raise
                    report.append(f"the server does not revoke access tokens "
                                  f"({exc.description or exc.error}); it expires on its own")
        except NetworkError as exc:
            self.vault.set_status(name, Status.REVOKE_PENDING, exc.message)
            raise
        except ProviderError as exc:
            if exc.unavailable:
                self.vault.set_status(name, Status.REVOKE_PENDING, exc.message)
            raise
        self.vault.set_status(name, Status.REVOKED, "; ".join(report))
        return report

    def remove(self, name: str, *, revoke: bool) -> list[str]:
        """Delete the local copy, revoking first when asked. A revocation that could not be
        sent keeps the credential (as 'revoke pending'); a server's refusal does not."""
        report: list[str] = []
        if revoke:
            try:
                report = self.revoke(name)
            except NetworkError:
                raise
            except ProviderError as exc:
                if exc.unavailable:
                    raise
                report = [f"the server refused the revocation ({exc.message})"]
        self.vault.remove_credential(name, detail="; ".join(report) or "local copy only")
        return report

    def introspect(self, name: str, kind: str = "refresh_token") -> dict[str, Any]:
        cred = self.vault.credential(name)
        token = (self.vault.refresh_token(name) if kind == "refresh_token"
                 else self.vault.token(name, kind))
        if not token:
            raise VaultError(f"{name} has no {kind.replace('_', ' ')} stored")
        result = self.client_for(cred.client).introspect(token, kind)
        self.vault.audit("introspected", name, f"{kind}: active={result['active']}")
        return result

    def userinfo(self, name: str) -> dict[str, Any]:
        return self.client_for(self.vault.credential(name).client).userinfo(
            self.access_token(name))

    def client_credentials(self, client_name: str, **options: Any) -> TokenResponse:
        response = self.client_for(client_name).client_credentials(**options)
        self.vault.audit("client credentials", client_name,
                         f"access token {fingerprint(response.access_token)}")
        return response
