"""The authorization request of a browser sign-in, and what comes back with its answer:

* pushed authorization requests (RFC 9126): when the server publishes a
  ``pushed_authorization_request_endpoint`` (or requires them), the parameters are posted
  there first, the client authenticated as at the token endpoint, and the browser gets only
  ``client_id`` and the ``request_uri`` of the answer;
* the ``iss`` of the authorization response (RFC 9207, mix-up defence): when present it must
  be the client's issuer exactly, and when the server says it always sends one
  (``authorization_response_iss_parameter_supported``) an answer without one is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..errors import MissingEndpoint, ResponseError

if TYPE_CHECKING:
    from .client import OAuthClient
    from .endpoints import ResolvedEndpoints

__all__ = ["PAR_ENDPOINT", "authorization_url", "check_issuer"]

PAR_ENDPOINT = "pushed_authorization_request_endpoint"


def authorization_url(oauth: OAuthClient, found: ResolvedEndpoints, authorize: str,
                      params: dict[str, str], *, mtls: bool = False) -> tuple[str, bool]:
    """The URL to open in the browser, and whether the request was pushed first."""
    from .mtls import endpoint_urls

    meta = found.metadata
    required = meta is not None and meta.raw.get("require_pushed_authorization_requests") is True
    push_to = endpoint_urls(found, mtls=mtls)(PAR_ENDPOINT) if meta is not None else None
    if not push_to:
        push_to = meta.endpoint(PAR_ENDPOINT) if meta is not None else None
    if not push_to:
        if required:
            raise MissingEndpoint(PAR_ENDPOINT, oauth.config.name, oauth.config.issuer)
        return f"{authorize}?{urlencode(params)}", False
    response = oauth._post(push_to, "pushed_authorization_request", params)
    oauth._raise_for(response)
    body = response.body if isinstance(response.body, dict) else {}
    request_uri = body.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        raise ResponseError("the pushed authorization request was answered without a "
                            "request_uri (RFC 9126 §2.2)", status=response.status,
                            url=response.url or None)
    pushed = {"client_id": params["client_id"], "request_uri": request_uri}
    return f"{authorize}?{urlencode(pushed)}", True


def check_issuer(answer: dict[str, str], issuer: str, found: ResolvedEndpoints) -> None:
    """RFC 9207: refuse an answer whose ``iss`` is another issuer's, or that has none from a
    server that says it always sends one."""
    iss = answer.get("iss")
    if iss is not None and iss != issuer:
        raise ResponseError(f"the sign-in answer says it comes from {iss[:200]!r}, not from "
                            f"{issuer}: sign-in stopped (a mix-up attack sends one server's "
                            "answer to another, RFC 9207); nothing was exchanged")
    meta = found.metadata
    if iss is None and meta is not None and \
            meta.raw.get("authorization_response_iss_parameter_supported") is True:
        raise ResponseError(f"the sign-in answer carries no iss, but {issuer} says it always "
                            "sends one (RFC 9207): the answer may come from another server "
                            "(a mix-up attack); sign-in stopped, nothing was exchanged")
