"""OpenID Provider / OAuth server metadata: OpenID discovery, then RFC 8414; cached per issuer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import ProviderError, ResponseError
from ..timefmt import Clock
from .http import HttpClient

__all__ = ["Discovery", "ProviderMetadata", "metadata_urls"]


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    raw: dict[str, Any] = field(repr=False)

    def endpoint(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value if isinstance(value, str) and value else None

    @property
    def jwks_uri(self) -> str | None:
        return self.endpoint("jwks_uri")

    @property
    def token_endpoint(self) -> str | None:
        return self.endpoint("token_endpoint")


def metadata_urls(issuer: str) -> list[str]:
    """Where to look: OpenID discovery first, then RFC 8414's path-inserted form."""
    base = issuer.rstrip("/")
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    oauth = urlunsplit((parts.scheme, parts.netloc,
                        "/.well-known/oauth-authorization-server" + path, "", ""))
    return [base + "/.well-known/openid-configuration", oauth]


class Discovery:
    """Fetches and caches provider metadata; the ``issuer`` in it must match exactly."""

    def __init__(self, http: HttpClient, *, ttl: float = 3600.0, clock: Clock = time.time):
        self._http = http
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, ProviderMetadata]] = {}

    def get(self, issuer: str, *, refresh: bool = False) -> ProviderMetadata:
        cached = self._cache.get(issuer)
        if cached and not refresh and self._clock() - cached[0] < self._ttl:
            return cached[1]
        last: Exception | None = None
        for url in metadata_urls(issuer):
            response = self._http.request_json("GET", url)
            if response.status == 404:
                last = ResponseError(f"no metadata at {url} (HTTP 404)", status=404)
                continue
            if response.status >= 400 or not isinstance(response.body, dict):
                body = response.body if isinstance(response.body, dict) else {}
                raise ProviderError(str(body.get("error", "metadata_unavailable")),
                                    body.get("error_description"), response.status)
            found = response.body.get("issuer")
            if found != issuer:
                raise ResponseError(
                    f"the metadata at {url} names the issuer {found!r}, not {issuer!r}: refused "
                    "(the issuer must match exactly, RFC 8414 §3.3)")
            meta = ProviderMetadata(issuer, response.body)
            self._cache[issuer] = (self._clock(), meta)
            return meta
        assert last is not None
        raise last
