"""Exchanges for stored credentials: refresh, revoke, introspect, userinfo, a valid access token.

The rules (SECURITY.md 18–26):

* one refresh per credential at a time (the vault's lock, across threads and processes);
* a new refresh token is stored through the vault's rotation protocol before anything else in
  the response is checked or used; an absent or empty one keeps the old; a later check that
  fails (the ID token's identity) keeps the new refresh token and drops the rest;
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
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import (
    InvalidGrant,
    KeptAfterRefusal,
    MissingEndpoint,
    NetworkError,
    OutcomeUnknown,
    ProviderError,
    ResponseError,
    RotationLost,
    VaultError,
)
from ..vault.model import Client, Status, fingerprint
from ..vault.tokenset import ACCESS_TOKEN, ID_TOKEN, REFRESH_TOKEN, TokenSet
from ..vault.vault import Vault
from .client import ClientConfig, OAuthClient, TokenResponse, check_token_type
from .discovery import Discovery
from .dpop import Nonces, Prover
from .endpoints import ResolvedEndpoints, resolve
from .history import Recorded
from .http import HttpClient

__all__ = ["Exchange", "RefreshResult", "claim_diffs", "needs_refresh", "sendable",
           "skew_from_date"]

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
    automatic: bool = False
    #: What changed in the access and ID tokens' claims ({"ID token": [...] or "unchanged"}),
    #: computed from the tokens the exchange already held: callers need not read them again.
    diff: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rotated": self.rotated, "old_refresh_fp": self.old_fp,
                "new_refresh_fp": self.new_fp, "access_expires_at": self.access_expires_at,
                "duration_ms": round(self.duration * 1000, 1), "retried": self.retried,
                "automatic": self.automatic, "response": self.response, "diff": self.diff}


def claim_diffs(before: dict[str, str], after: dict[str, str]) -> dict[str, Any]:
    """What a refresh changed in the access and ID tokens' claims (decoded, not verified)."""
    from ..tokens.compare import diff_claims
    from ..tokens.decoding import decode_token

    out: dict[str, Any] = {}
    for label, kind in (("access token", ACCESS_TOKEN), ("ID token", ID_TOKEN)):
        old, new = before.get(kind), after.get(kind)
        a = decode_token(old).claims if old else None
        b = decode_token(new).claims if new else None
        if a is None and b is None:
            continue
        if a is None:  # nothing to compare with: not every claim "added"
            out[label] = "new" if old is None else "not a JWT before"
            continue
        changes = [{"claim": c.name, "change": str(c.change), "before": c.before,
                    "after": c.after} for c in diff_claims(a, b)]
        out[label] = changes or "unchanged"
    return out


def sendable(token: str) -> bool:
    """Whether a token can be sent in a form body at all (a lone surrogate cannot be)."""
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Exchange:
    def __init__(self, vault: Vault, http: HttpClient, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self.http = http
        self.clock = clock
        self.discovery = Discovery(http, clock=clock)
        #: Per client name: the client record it was built from, and the configured client
        #: (the secret read once). A changed record (an edit here or in another process)
        #: builds it again; :meth:`forget_clients` drops them all.
        self._clients: dict[str, tuple[Client, OAuthClient]] = {}
        self._endpoints: dict[str, tuple[Client, ResolvedEndpoints]] = {}
        #: The refresh token each credential had before its last rotation here (memory only),
        #: for the "replay the previous refresh token" QA tool.
        self.previous: dict[str, str] = {}
        self.nonces = Nonces()  # the latest DPoP-Nonce of each server (RFC 9449 §8)

    # -- configuration ------------------------------------------------------------------------
    def forget_clients(self) -> None:
        """Drop every configured client: the next request reads the vault again."""
        self._clients.clear()
        self._endpoints.clear()

    def client_for(self, client_name: str) -> OAuthClient:
        """The configured client (its secret read once from the store, and again after the
        client changes). Endpoints set by hand win; the others come from discovery."""
        client = self.vault.client(client_name)
        cached = self._clients.get(client_name)
        # the measured clock skew does not configure the client: a new one rebuilds nothing
        if cached is not None and cached[0] == replace(client, clock_skew=cached[0].clock_skew):
            return cached[1]
        from .mtls import endpoint_urls
        from .senders import client_transport

        http, mtls = client_transport(self, client_name, client)  # mutual TLS (RFC 8705)
        url = endpoint_urls(self.endpoints(client_name), mtls=mtls)
        token = url("token_endpoint")
        if not token:
            raise MissingEndpoint("token_endpoint", client_name, client.issuer)
        oauth = OAuthClient(http, ClientConfig(
            client.client_id, client.auth_method, self.vault.client_secret(client_name),
            self.vault.client_private_key(client_name) if client.auth_method == "private_key_jwt"
            else None, token, url("revocation_endpoint"),
            url("introspection_endpoint"), url("userinfo_endpoint"),
            url("device_authorization_endpoint"), client.issuer, client_name))
        self._clients[client_name] = (client, oauth)
        return oauth

    def endpoints(self, client_name: str, *, refresh: bool = False) -> ResolvedEndpoints:
        """Each endpoint of the client with its source ("set by hand", "from discovery")."""
        client = self.vault.client(client_name)
        cached = self._endpoints.get(client_name)
        if cached is not None and not refresh and cached[0] == replace(
                client, clock_skew=cached[0].clock_skew):  # the skew changes no endpoint
            return cached[1]
        found = resolve(client, self.discovery, refresh=refresh)
        self._endpoints[client_name] = (client, found)
        return found

    # -- refresh ------------------------------------------------------------------------------
    def refresh(self, name: str, *, scope: str | None = None,
                resource: str | None = None) -> RefreshResult:
        result = self._refresh(name, scope, resource, None)
        assert result is not None  # noqa: S101 - no margin: always refreshes
        return result

    def refresh_if_needed(self, name: str, margin: float, *,
                          automatic: bool = False) -> RefreshResult | None:
        """Refresh when the access token has ``margin`` seconds or less left, deciding under the
        credential's refresh lock: of two callers at once (two windows, a window and a script)
        the second finds a fresh token and returns ``None`` instead of refreshing again."""
        return self._refresh(name, None, None, margin, automatic=automatic)

    def skew(self, client_name: str) -> float:
        return self.vault.client(client_name).clock_skew

    def _refresh(self, name: str, scope: str | None, resource: str | None,
                 margin: float | None, *, automatic: bool = False) -> RefreshResult | None:
        started = time.perf_counter()
        cred = self.vault.credential(name)
        oauth = self.client_for(cred.client)
        endpoint = oauth.config.token_endpoint
        operation = "auto-refresh" if automatic else "refresh"
        request = {"grant_type": "refresh_token", "refresh_token": f"<{cred.refresh_fp}>",
                   **({"scope": scope} if scope else {}),
                   **({"resource": resource} if resource else {})}

        def record(status: str, response: dict[str, Any] | None = None, **extra: Any) -> None:
            self.vault.index.add_exchange(
                name, operation, status, endpoint=endpoint, request=request,
                duration_ms=(time.perf_counter() - started) * 1000, old_fp=cred.refresh_fp,
                scope_before=cred.scope or None, response=response, **extra)

        with self.vault.refresh_lock(name):
            cred = self.vault.credential(name)  # another process may have refreshed meanwhile
            if margin is not None and not needs_refresh(
                    cred.access_expires_at, self.clock(), margin, cred.has_access_token,
                    self.skew(cred.client)):
                return None
            before = self.vault.tokens(name)
            old = before[REFRESH_TOKEN]
            if not sendable(old):
                raise ResponseError(f"the stored refresh token of {name} is not valid text (the "
                                    "server sent it so): it cannot be sent back; sign in again")
            prover = self.prover(name, create=True)  # its own DPoP key only (RFC 9449 §5)
            slot = self.vault.begin_rotation(name)  # a crash from here on is noticed
            try:
                response, retried = self._send_refresh(name, oauth, old, scope, resource,
                                                       record, prover)
            except BaseException:
                self.vault.abandon_rotation(name)  # the outcome is reported: no mark needed
                raise
            # SECURITY.md 19: the new refresh token is stored before anything else in the
            # answer is checked or used; the server has already retired the old one
            tokens = TokenSet.from_response(response.raw)
            skew = skew_from_date(response.date_header, self.clock())
            if skew is not None:
                tokens.server_time = self.clock() + skew
            try:
                rotated = self.vault.store_tokens(name, tokens, defer_delete=True, slot=slot)
            except VaultError as exc:
                self.vault.abandon_rotation(name)
                lost = ("the server's new refresh token could not be stored "
                        f"({exc.message}); the old one is no longer valid at a rotating "
                        "server: sign in again")
                self.vault.audit("refresh not stored", name, lost)
                record("not stored", {"error": lost})
                raise VaultError(f"{name}: {lost}") from None
            if rotated:
                self.previous[name] = old
            problem = check_token_type(response, proof_sent=prover is not None) or \
                self._check_id_token(before.get(ID_TOKEN), response)
            if problem:
                detail = (f"{problem}; the new refresh token is kept (the server has already "
                          "retired the old one), the new access and ID tokens are not")
                self.vault.restore_tokens(name, cred, before, detail)
                self.vault.audit("refresh refused", name, detail)
                record(f"refused after storing: {problem}", response.redacted(),
                       rotated=rotated, new_fp=fingerprint(tokens.refresh_token or old))
                raise KeptAfterRefusal(f"{name}: {detail} (" + ("OIDC Core §12.2)" if "ID"
                                       in problem else "RFC 6749 §7.1, RFC 9449 §5)"),
                                       status=response.status)
            if skew is not None and round(skew) != self.skew(cred.client):
                self.vault.set_client_skew(cred.client, round(skew))
        after = self.vault.credential(name)
        now_tokens = self.vault.tokens(name)
        record(f"{response.status} OK", response.redacted(), rotated=rotated,
               new_fp=after.refresh_fp, scope_after=after.scope or None)
        return RefreshResult(name, rotated, cred.refresh_fp, after.refresh_fp,
                             after.access_expires_at, time.perf_counter() - started,
                             response.elapsed, response.redacted(), retried, automatic,
                             claim_diffs(before, now_tokens))

    def _send_refresh(self, name: str, oauth: OAuthClient, old: str, scope: str | None,
                      resource: str | None, record: Callable[..., None],
                      prover: Prover | None = None) -> tuple[TokenResponse, bool]:
        """The request, with one retry when its answer was lost (SECURITY.md 22–24). The
        answer's token_type is checked once its refresh token is stored (SECURITY.md 19)."""
        retried = False
        options: dict[str, Any] = {"scope": scope, "resource": resource, "dpop": prover,
                                   "check": False}
        try:
            try:
                return oauth.refresh(old, **options), retried
            except OutcomeUnknown:
                retried = True  # the answer was lost: once more with the same token
                try:
                    return oauth.refresh(old, **options), retried
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
                                                         "error_description": exc.description})
            raise
        except (NetworkError, ResponseError) as exc:
            self.vault.audit("refresh failed", name, f"{exc.code}; refresh token kept")
            record(exc.code, {"error": exc.message})
            raise

    def _check_id_token(self, old: str | None, response: TokenResponse) -> str | None:
        """OIDC Core §12.2: a refreshed ID token keeps the identity of the original. Returns
        what is wrong, or ``None``; never raises (it runs after the new refresh token is
        stored, and nothing may undo that)."""
        new = response.id_token
        if not new or not old:
            return None
        try:
            from ..tokens.decoding import decode_token

            before, after = decode_token(old).claims or {}, decode_token(new).claims or {}
            for claim in _CONTINUITY:
                if claim in before and before.get(claim) != after.get(claim):
                    return f"the refreshed ID token changed {claim}"
        except Exception as exc:  # noqa: BLE001 - a hostile token must not undo the storing
            return f"the refreshed ID token could not be checked ({type(exc).__name__})"
        return None

    def prover(self, name: str, *, create: bool = False) -> Prover | None:
        """The DPoP prover of ``name`` (its own key), or None for a bearer credential; with
        ``create``, a key is made (and kept) for a credential of a client marked DPoP."""
        from .senders import credential_prover

        return credential_prover(self, name, create=create)

    # -- a valid access token -----------------------------------------------------------------
    def access_token(self, name: str, *, margin: float = DEFAULT_MARGIN) -> str:
        """A valid access token, refreshing first when needed. A credential the server has
        refused or revoked hands out nothing: its stored access token may still look fresh,
        but the grant behind it is gone."""
        cred = self.vault.credential(name)
        if cred.status in (Status.REVOKED, Status.NEEDS_SIGN_IN, Status.REUSE_DETECTED):
            raise ResponseError(f"{name} is '{cred.status}': its tokens are not handed out; "
                                "sign in again (tokendesk login)")
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
        words. A revocation that could not be sent leaves the credential 'revoke pending'.
        One history row, with the outcome."""
        cred = self.vault.credential(name)
        with Recorded(self.vault, name, "revoke", old_fp=cred.refresh_fp,
                      request={"token": f"<{cred.refresh_fp}>",
                               "token_type_hint": "refresh_token"}) as row:
            report = self._revoke(name, cred, row)
            row.status = "revoked: " + "; ".join(report)
        return report

    def _revoke(self, name: str, cred: Any, row: Recorded) -> list[str]:
        report = []
        try:
            oauth = self.client_for(cred.client)
            row.endpoint = oauth.config.revocation_endpoint or ""
            refresh = self.vault.refresh_token(name)
            if sendable(refresh):
                oauth.revoke(refresh, "refresh_token")
                report.append(f"refresh token {cred.refresh_fp} revoked")
            else:
                report.append(f"refresh token {cred.refresh_fp} not sent: it is not valid text "
                              "(the server sent it so) and cannot be sent back")
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
        with Recorded(self.vault, name, "introspect",
                      request={"token": f"<{fingerprint(token)}>",
                               "token_type_hint": kind}) as row:
            if not token:
                raise VaultError(f"{name} has no {kind.replace('_', ' ')} stored")
            oauth = self.client_for(cred.client)
            row.endpoint = oauth.config.introspection_endpoint or ""
            result = oauth.introspect(token, kind)
            row.status = "active" if result["active"] else "inactive"
            row.response = {k: v for k, v in result.items()
                            if k in ("active", "scope", "client_id", "sub", "exp", "token_type")}
        self.vault.audit("introspected", name, f"{kind}: active={result['active']}")
        return result

    def userinfo(self, name: str) -> dict[str, Any]:
        with Recorded(self.vault, name, "userinfo") as row:
            oauth = self.client_for(self.vault.credential(name).client)
            row.endpoint = oauth.config.userinfo_endpoint or ""
            if not oauth.config.userinfo_endpoint:  # before a refresh: nothing is sent at all
                raise oauth.missing("userinfo_endpoint")
            info = oauth.userinfo(self.access_token(name), dpop=self.prover(name))
            row.status = "200 OK"
            row.response = {"sub": info.get("sub"), "members": sorted(info)}
        return info

    def client_credentials(self, client_name: str, **options: Any) -> TokenResponse:
        return self.client_grant(client_name, **options)[1]

    def client_grant(self, client_name: str, *, subject_token: str | None = None,
                     subject_token_type: str | None = None, audience: str | None = None,
                     scope: str | None = None, resource: str | None = None,
                     requested_token_type: str | None = None) -> tuple[str, TokenResponse]:
        """Client credentials, or (with ``subject_token``) token exchange (RFC 8693), for a
        client: audited, and a history row under the client's name."""
        what = "token exchange" if subject_token else "client credentials"
        request: dict[str, Any] = {"grant_type": what.replace(" ", "_"),
                                   **({"scope": scope} if scope else {}),
                                   **({"audience": audience} if audience else {})}
        with Recorded(self.vault, client_name, "client grant", request=request) as row:
            from .senders import client_prover

            oauth = self.client_for(client_name)
            row.endpoint = oauth.config.token_endpoint
            dpop = client_prover(self, client_name)  # the client's own DPoP key, if marked
            if subject_token:
                response = oauth.token_exchange(
                    subject_token, **({"subject_token_type": subject_token_type}
                                      if subject_token_type else {}),
                    audience=audience, scope=scope, requested_token_type=requested_token_type,
                    dpop=dpop)
            else:
                response = oauth.client_credentials(scope=scope, audience=audience,
                                                    resource=resource, dpop=dpop)
            row.status = f"{response.status} OK: {what}"
            row.response = response.redacted()
        self.vault.audit(what, client_name, f"issued {response.redacted().get('access_token')}")
        return what, response
