"""Keys fetched from an issuer: only when the user asks, https only (loopback excepted).

``jwk``/``jku``/``x5u``/``x5c`` headers are never followed: the URL comes from the user or from
the discovery document of the issuer the user chose. An unknown ``kid`` refetches the key set
once, rate-limited, so a provider's key rotation is picked up (SECURITY.md item 17).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from ..errors import InvalidInput, ResponseError, UnusableKey
from ..timefmt import Clock
from ..tokens.keys import KeySet, load_jwk_document
from ..tokens.verdict import UNKNOWN_KID, Check, Verification, with_issuer_trust
from ..tokens.verify import verify
from .discovery import Discovery
from .http import HttpClient

__all__ = ["RemoteKeys", "token_issuer"]


class RemoteKeys:
    def __init__(self, http: HttpClient, *, discovery: Discovery | None = None,
                 clock: Clock = time.time, ttl: float = 3600.0, min_refetch: float = 60.0):
        self._http = http
        self._discovery = discovery or Discovery(http, clock=clock)
        self._clock = clock
        self._ttl = ttl
        self._min_refetch = min_refetch
        self._cache: dict[str, tuple[float, KeySet]] = {}
        self.fetches = 0

    def jwks_uri_for(self, issuer: str) -> str:
        uri = self._discovery.get(issuer).jwks_uri
        if uri is None:
            raise ResponseError(f"the issuer {issuer} publishes no jwks_uri")
        return uri

    def from_url(self, url: str, *, refresh: bool = False) -> KeySet:
        cached = self._cache.get(url)
        now = self._clock()
        if cached and not refresh and now - cached[0] < self._ttl:
            return cached[1]
        if cached and refresh and now - cached[0] < self._min_refetch:
            return cached[1]  # rate limit: a flood of unknown kids must not hammer the issuer
        response = self._http.request_json("GET", url, accept_error_json=False)
        self.fetches += 1
        keys = _signing_keys(response.body, url)
        self._cache[url] = (now, keys)
        return keys

    def for_issuer(self, issuer: str, *, refresh: bool = False) -> KeySet:
        return self.from_url(self.jwks_uri_for(issuer), refresh=refresh)

    def verify(self, token: str, *, issuer: str | None = None, jwks_url: str | None = None,
               issuer_trusted: bool = True, **options: Any) -> Verification:
        """Verify with the issuer's (or the URL's) keys; refetch once on an unknown kid.

        With ``issuer`` (and no ``jwks_url``) the result carries the issuer trust check:
        ``issuer_trusted=False`` says the issuer is only the one the token names, so the
        verdict is at best UNTRUSTED and the token's ``iss`` is not checked against itself.
        """
        url = jwks_url or self.jwks_uri_for(_require(issuer))
        if issuer is not None and issuer_trusted:
            options.setdefault("issuer", issuer)
        result = verify(token, self.from_url(url), **options)
        if _unknown_kid(result):
            fetches = self.fetches
            result = verify(token, self.from_url(url, refresh=True), **options)
            if self.fetches == fetches and _unknown_kid(result):
                result = self._held_back(result, url)
        if issuer is not None and not jwks_url:
            result = with_issuer_trust(result, issuer, trusted=issuer_trusted)
            conflicts = self._discovery.get(issuer).conflicts
            if conflicts:  # the OpenID document won: the verdict says so
                result = result._replace(checks=(*result.checks, Check(
                    "discovery", True, "the issuer's OpenID and RFC 8414 documents disagree: "
                    + "; ".join(c.describe() for c in conflicts))))
        return result

    def verify_published(self, token: str, *, issuer: str | None = None,
                         jwks_url: str | None = None, trusted_issuers: Collection[str] = (),
                         **options: Any) -> tuple[Verification, str | None]:
        """Verify with published keys, the one way the CLI and the Inspector do it.

        The keys come from ``jwks_url``, or from ``issuer`` (one the user gave: trusted), or
        else from the issuer the token names, trusted only when it is in ``trusted_issuers``
        (the vault clients' issuers; SECURITY.md 5a). Returns the verdict and the issuer whose
        keys were used (None for ``jwks_url``); ``verdict.issuer_trusted`` says whether it is
        trusted.
        """
        trusted = bool(issuer)
        if not issuer and not jwks_url:
            issuer = token_issuer(token)
            trusted = issuer in trusted_issuers
        result = self.verify(token, issuer=issuer or None, jwks_url=jwks_url,
                             issuer_trusted=trusted, **options)
        return result, None if jwks_url else issuer

    def _held_back(self, result: Verification, url: str) -> Verification:
        """An unknown kid whose refetch the rate limit held back: not a verdict on the token
        (the issuer may just have rotated its keys), and the person is told when to retry."""
        fetched = self._cache[url][0]
        wait = max(1, round(self._min_refetch - (self._clock() - fetched)))
        note = (f"; the issuer's keys were fetched {max(0, round(self._clock() - fetched))} s "
                f"ago and are fetched again for an unknown kid at most once a minute: verify "
                f"again in {wait} s (the issuer may have rotated its keys)")
        return result._replace(checks=tuple(
            c._replace(reason=c.reason + note) if c.code == UNKNOWN_KID else c
            for c in result.checks))


def token_issuer(token: str) -> str:
    """The ``iss`` the token names (unverified: only to know whose keys to fetch)."""
    from ..tokens.decoding import decode

    claims = decode(token).claims or {}
    iss = claims.get("iss")
    if not isinstance(iss, str) or not iss:
        raise InvalidInput("the token has no iss claim: give the expected issuer, or a key set "
                           "URL")
    return iss


def _require(issuer: str | None) -> str:
    if not issuer:
        raise ResponseError("no issuer: the token has no iss claim and none was given")
    return issuer


def _unknown_kid(result: Verification) -> bool:
    return any(c.code == UNKNOWN_KID for c in result.checks)


def _signing_keys(body: Any, url: str) -> KeySet:
    """A published JWKS, read like any other (SECURITY.md item 10): keys the core cannot verify
    with -- the encryption keys Keycloak and Entra publish beside their signing keys, a
    post-quantum or secp256k1 key -- are set aside and named in every verdict."""
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise ResponseError(f"{url} did not return a JWK set (an object with 'keys')")
    if not body["keys"]:
        raise UnusableKey(f"{url} publishes no signing keys")
    return load_jwk_document(body)
