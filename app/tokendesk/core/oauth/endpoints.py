"""A client's endpoints and where each came from: set by hand, or from discovery.

Every endpoint (:data:`~.discovery.ENDPOINTS`) can be set per client (``client add|edit
--revocation-endpoint URL``, the client dialog's advanced section); the others come from the
issuer's discovery documents (both read and merged, :mod:`.discovery`). Discovery is skipped
when every endpoint is set by hand; when it fails and the token endpoint is set by hand, the
client still works with what it has (the failure is kept as a note).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import NetworkError, OAuthError, ResponseError
from .discovery import ENDPOINTS, OAUTH, Discovery, ProviderMetadata

if TYPE_CHECKING:
    from ..vault.model import Client

__all__ = ["BY_HAND", "FROM_DISCOVERY", "NOT_KNOWN", "Endpoint", "ResolvedEndpoints",
           "resolve"]

BY_HAND = "set by hand"
FROM_DISCOVERY = "from discovery"
NOT_KNOWN = "not known"


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str | None
    source: str
    #: For one from discovery: the document (``openid-configuration`` or
    #: ``oauth-authorization-server``).
    document: str | None = None
    #: When the two documents disagree about it (the OpenID one is used).
    conflict: str | None = None

    def describe(self) -> str:
        if not self.url:
            return f"— ({NOT_KNOWN}: set it by hand)"
        where = self.source
        if self.document:
            where += f", {'RFC 8414 document' if self.document == OAUTH else 'OpenID document'}"
        text = f"{self.url} ({where})"
        if self.conflict:
            text += f"; {self.conflict}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "source": self.source if self.url else NOT_KNOWN,
                "document": self.document, "conflict": self.conflict}


@dataclass(frozen=True)
class ResolvedEndpoints:
    endpoints: dict[str, Endpoint]
    metadata: ProviderMetadata | None = field(default=None, repr=False)
    #: Why discovery gave nothing (the client still works with its hand-set endpoints).
    discovery_error: str | None = None

    def url(self, name: str) -> str | None:
        endpoint = self.endpoints.get(name)
        return endpoint.url if endpoint else None

    def to_dict(self) -> dict[str, Any]:
        meta = self.metadata
        return {"endpoints": {n: e.to_dict() for n, e in self.endpoints.items()},
                "discovery": {"documents": dict(meta.documents) if meta else {},
                              "notes": list(meta.notes) if meta else [],
                              "conflicts": [c.describe() for c in meta.conflicts] if meta
                              else [],
                              "error": self.discovery_error}}


def hand_set(client: Client) -> dict[str, str]:
    return {n: v for n, v in client.endpoints.items() if n in ENDPOINTS and v}


def resolve(client: Client, discovery: Discovery, *, refresh: bool = False) -> ResolvedEndpoints:
    """Each endpoint's URL and source. Raises the discovery error only when the token endpoint
    is not set by hand either (an issuer with no discovery document at all is not an error:
    its endpoints are then "not known" until set by hand)."""
    by_hand = hand_set(client)
    meta: ProviderMetadata | None = None
    problem: str | None = None
    if len(by_hand) < len(ENDPOINTS):
        try:
            meta = discovery.get(client.issuer, refresh=refresh,
                                 discovery_url=client.discovery_url or None)
        except ResponseError as exc:
            # neither document exists: every endpoint must then be set by hand, and a missing
            # one is the client's to fix (MissingEndpoint, exit 2), not the server's answer
            if exc.status != 404 and "token_endpoint" not in by_hand:
                raise
            problem = exc.message
        except (NetworkError, OAuthError) as exc:
            if "token_endpoint" not in by_hand:
                raise
            problem = exc.message
    conflicts = {c.member: c.describe() for c in meta.conflicts} if meta else {}
    out: dict[str, Endpoint] = {}
    for name in ENDPOINTS:
        if name in by_hand:
            out[name] = Endpoint(name, by_hand[name], BY_HAND)
        elif meta is not None and meta.endpoint(name):
            out[name] = Endpoint(name, meta.endpoint(name), FROM_DISCOVERY, meta.source(name),
                                 conflicts.get(name))
        else:
            out[name] = Endpoint(name, None, NOT_KNOWN)
    return ResolvedEndpoints(out, meta, problem)
