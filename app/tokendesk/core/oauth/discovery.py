"""Provider metadata: the OpenID document and the RFC 8414 one, both read and merged.

Servers publish their endpoints in one or both of ``/.well-known/openid-configuration``
(OpenID Connect Discovery) and ``/.well-known/oauth-authorization-server`` (RFC 8414, whose
well-known part goes between the host and the issuer's path). Django OAuth Toolkit, for one,
lists its revocation and introspection endpoints only in the second. Both are read; a missing
one (404) is fine when the other exists; where both name a member and disagree, the OpenID one
wins and the disagreement is kept in :attr:`ProviderMetadata.conflicts` so a verdict or
``client show`` can say so. A client's ``discovery_url`` replaces the issuer-derived URL of its
kind. Each document's ``issuer`` must equal the issuer exactly (RFC 8414 §3.3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import NetworkError, ProviderError, ResponseError
from ..timefmt import Clock
from .http import HttpClient

__all__ = ["ENDPOINTS", "Conflict", "Discovery", "ProviderMetadata", "metadata_urls"]

OPENID = "openid-configuration"
OAUTH = "oauth-authorization-server"

#: Every endpoint a client can have, in the order they are shown, with a person's name.
ENDPOINTS: dict[str, str] = {
    "authorization_endpoint": "authorization",
    "token_endpoint": "token",
    "revocation_endpoint": "revocation",
    "introspection_endpoint": "introspection",
    "userinfo_endpoint": "userinfo",
    "device_authorization_endpoint": "device authorization",
    "jwks_uri": "JWKS",
}


@dataclass(frozen=True)
class Conflict:
    """A member both documents publish with different values; ``used`` is the OpenID one."""

    member: str
    openid: Any
    oauth: Any

    def describe(self) -> str:
        return (f"{self.member}: the OpenID document says {self.openid!r}, the RFC 8414 one "
                f"{self.oauth!r} (the OpenID one is used)")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    raw: dict[str, Any] = field(repr=False)
    #: Each member's document: ``openid-configuration`` or ``oauth-authorization-server``.
    sources: dict[str, str] = field(default_factory=dict, repr=False)
    conflicts: tuple[Conflict, ...] = ()
    #: The URL of each document that was read, and a note for each that was not.
    documents: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def endpoint(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value if isinstance(value, str) and value else None

    @property
    def jwks_uri(self) -> str | None:
        return self.endpoint("jwks_uri")

    @property
    def token_endpoint(self) -> str | None:
        return self.endpoint("token_endpoint")

    def source(self, name: str) -> str | None:
        """Which document gave ``name`` (``None`` when neither publishes it)."""
        return self.sources.get(name) if self.endpoint(name) else None


def metadata_urls(issuer: str) -> list[str]:
    """Where to look: OpenID discovery, then RFC 8414's path-inserted form (§3.1)."""
    base = issuer.rstrip("/")
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    oauth = urlunsplit((parts.scheme, parts.netloc,
                        "/.well-known/oauth-authorization-server" + path, "", ""))
    return [base + "/.well-known/openid-configuration", oauth]


def _kind(url: str) -> str:
    return OAUTH if OAUTH in urlsplit(url).path else OPENID


def document_urls(issuer: str, discovery_url: str | None = None) -> dict[str, str]:
    """Each kind's URL: the issuer-derived ones, with ``discovery_url`` in place of its kind."""
    openid, oauth = metadata_urls(issuer)
    urls = {OPENID: openid, OAUTH: oauth}
    if discovery_url:
        urls[_kind(discovery_url)] = discovery_url
    return urls


class Discovery:
    """Fetches, merges and caches provider metadata; the ``issuer`` must match exactly."""

    def __init__(self, http: HttpClient, *, ttl: float = 3600.0, clock: Clock = time.time):
        self._http = http
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, ProviderMetadata]] = {}

    def get(self, issuer: str, *, refresh: bool = False,
            discovery_url: str | None = None) -> ProviderMetadata:
        key = (issuer, discovery_url or "")
        cached = self._cache.get(key)
        if cached and not refresh and self._clock() - cached[0] < self._ttl:
            return cached[1]
        docs: dict[str, dict[str, Any]] = {}
        read: dict[str, str] = {}
        notes: list[str] = []
        failures: list[Exception] = []
        transient = False
        for kind, url in document_urls(issuer, discovery_url).items():
            try:
                body = self._fetch(url)
            except (NetworkError, ProviderError, ResponseError) as exc:
                transient = transient or isinstance(exc, NetworkError) or (
                    isinstance(exc, ProviderError) and exc.unavailable)
                failures.append(exc)
                notes.append(f"{url}: {exc.message}")
                continue
            if body is None:
                notes.append(f"{url}: not published (HTTP 404)")
                continue
            found = body.get("issuer")
            if found != issuer:  # never skipped: a document for another issuer is an attack
                raise ResponseError(
                    f"the metadata at {url} names the issuer {found!r}, not {issuer!r}: "
                    "refused (the issuer must match exactly, RFC 8414 §3.3)")
            docs[kind] = body
            read[kind] = url
        if not docs:
            if failures:
                raise failures[0]
            raise ResponseError(f"no metadata for {issuer}: neither "
                                f"{' nor '.join(document_urls(issuer, discovery_url).values())} "
                                "exists (HTTP 404)", status=404)
        meta = merge(issuer, docs, read, notes)
        if not transient:  # a document that was down is asked for again next time
            self._cache[key] = (self._clock(), meta)
        return meta

    def _fetch(self, url: str) -> dict[str, Any] | None:
        """One document, or ``None`` when it does not exist (404/410)."""
        response = self._http.request_json("GET", url)
        if response.status in (404, 410):
            return None
        if response.status >= 400 or not isinstance(response.body, dict):
            body = response.body if isinstance(response.body, dict) else {}
            if response.status < 400:
                raise ResponseError(f"the metadata at {url} is not a JSON object",
                                    status=response.status)
            raise ProviderError(str(body.get("error", "metadata_unavailable")),
                                body.get("error_description")
                                if isinstance(body.get("error_description"), str) else None,
                                response.status)
        return response.body


def merge(issuer: str, docs: dict[str, dict[str, Any]], read: dict[str, str] | None = None,
          notes: list[str] | None = None) -> ProviderMetadata:
    """The RFC 8414 document overlaid by the OpenID one; disagreements recorded."""
    openid, oauth = docs.get(OPENID, {}), docs.get(OAUTH, {})
    raw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for kind, doc in ((OAUTH, oauth), (OPENID, openid)):
        for member, value in doc.items():
            if value is None or value == "" or value == []:
                continue
            raw[member] = value
            sources[member] = kind
    conflicts = tuple(Conflict(m, openid[m], oauth[m]) for m in sorted(set(openid) & set(oauth))
                      if openid[m] not in (None, "", []) and oauth[m] not in (None, "", [])
                      and _normal(openid[m]) != _normal(oauth[m]))
    return ProviderMetadata(issuer, raw, sources, conflicts, dict(read or {}),
                            tuple(notes or ()))


def _normal(value: Any) -> Any:
    """Lists compare as sets (the order of supported values means nothing)."""
    if isinstance(value, list):
        try:
            return sorted(set(map(str, value)))
        except TypeError:
            return value
    return value
