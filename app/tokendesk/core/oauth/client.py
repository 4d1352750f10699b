"""Talking to an authorization server's back-channel endpoints (RFC 6749, 7009, 7662, 8693).

Client authentication (RFC 6749 §2.3): ``client_secret_basic`` (id and secret form-encoded
before Basic, §2.3.1), ``client_secret_post``, ``none`` (a public client sends its id) and
``private_key_jwt`` (RFC 7523, signed with the core's signer). Errors are mapped to
:mod:`tokendesk.core.errors`; token responses are returned as they came (unknown members kept,
``token_type`` compared case-insensitively).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..errors import (
    InvalidGrant,
    MissingClientSecret,
    MissingEndpoint,
    ProviderError,
    ResponseError,
)
from .http import HttpClient, JsonResponse, retry_after

__all__ = ["ClientConfig", "OAuthClient", "TokenResponse", "redact"]

#: RFC 8693 §3 token type identifier (a name, not a secret).
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105
_SECRET_FIELDS = ("refresh_token", "access_token", "id_token", "client_secret", "token",
                  "client_assertion", "subject_token", "actor_token", "code", "code_verifier",
                  "device_code", "issued_token", "password")


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """A copy fit for display and history: secrets replaced by their fingerprint."""
    from ..vault.model import fingerprint

    return {k: (f"<{fingerprint(v)}>" if k in _SECRET_FIELDS and isinstance(v, str) and v
                else v) for k, v in data.items()}


@dataclass(frozen=True)
class ClientConfig:
    client_id: str
    auth_method: str = "client_secret_basic"
    secret: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    token_endpoint: str = ""
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    issuer: str = ""
    #: The vault client's name (for messages that say how to set a missing endpoint).
    name: str = ""


@dataclass(frozen=True)
class TokenResponse:
    """What the token endpoint answered (``raw`` keeps every member, secrets included)."""

    raw: dict[str, Any] = field(repr=False)
    status: int
    elapsed: float
    date_header: str | None = None

    @property
    def access_token(self) -> str | None:
        value = self.raw.get("access_token")
        return value if isinstance(value, str) and value else None

    @property
    def refresh_token(self) -> str | None:
        value = self.raw.get("refresh_token")
        return value if isinstance(value, str) and value else None

    @property
    def id_token(self) -> str | None:
        value = self.raw.get("id_token")
        return value if isinstance(value, str) and value else None

    @property
    def token_type(self) -> str:
        value = self.raw.get("token_type")
        return value.lower() if isinstance(value, str) else ""

    def redacted(self) -> dict[str, Any]:
        return redact(self.raw)


class OAuthClient:
    def __init__(self, http: HttpClient, config: ClientConfig) -> None:
        self.http = http
        self.config = config

    # -- client authentication ----------------------------------------------------------------
    def _authenticate(self, data: dict[str, str], audience: str
                      ) -> tuple[dict[str, str], tuple[str, str] | None]:
        cfg = self.config
        method = cfg.auth_method
        if method == "client_secret_basic":
            if not cfg.secret:
                raise MissingClientSecret("no client secret is stored for this client "
                                          "(client_secret_basic needs one): nothing was sent; "
                                          "store one with tokendesk client edit NAME "
                                          "--client-secret-stdin")
            # RFC 6749 §2.3.1: form-encode both before Basic (a ':' in an id must survive)
            return data, (quote(cfg.client_id, safe=""), quote(cfg.secret, safe=""))
        if method == "client_secret_post":
            if not cfg.secret:
                raise MissingClientSecret("no client secret is stored for this client "
                                          "(client_secret_post needs one): nothing was sent; "
                                          "store one with tokendesk client edit NAME "
                                          "--client-secret-stdin")
            return {**data, "client_id": cfg.client_id, "client_secret": cfg.secret}, None
        if method == "none":
            return {**data, "client_id": cfg.client_id}, None
        if method == "private_key_jwt":
            return {**data, "client_id": cfg.client_id,
                    "client_assertion_type":
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": self._assertion(audience)}, None
        raise ProviderError("invalid_client", f"unknown client authentication {method!r}")

    def _assertion(self, audience: str) -> str:
        from ..tokens.encode import encode, load_signing_key

        if not self.config.private_key:
            raise MissingClientSecret("no private key is stored for this client "
                                      "(private_key_jwt needs one): nothing was sent")
        now = int(time.time())
        key = load_signing_key(self.config.private_key)
        return encode({"iss": self.config.client_id, "sub": self.config.client_id,
                       "aud": audience, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 60},
                      key)

    def missing(self, endpoint: str) -> MissingEndpoint:
        """The local error for an endpoint this client has no URL for (nothing is sent)."""
        return MissingEndpoint(endpoint, self.config.name, self.config.issuer)

    def _post(self, url: str | None, what: str, data: dict[str, str], *,
              any_body: bool = False) -> JsonResponse:
        if not url:
            raise self.missing(f"{what}_endpoint")
        body, auth = self._authenticate(data, self.config.token_endpoint or url)
        return self.http.request_json("POST", url, data=body, auth=auth,
                                      allow_any_body=any_body)

    @staticmethod
    def _raise_for(response: JsonResponse) -> None:
        body = response.body if isinstance(response.body, dict) else {}
        if response.status < 400:
            return
        error = body.get("error") if isinstance(body.get("error"), str) else None
        description = body.get("error_description")
        description = description if isinstance(description, str) else None
        retry = retry_after(response.headers, time.time())
        if error == "invalid_grant":
            raise InvalidGrant(error, description, response.status, url=response.url or None)
        raise ProviderError(error or f"http_{response.status}", description, response.status,
                            retry_after=retry, url=response.url or None)

    # -- grants -------------------------------------------------------------------------------
    def token(self, data: dict[str, str]) -> TokenResponse:
        response = self._post(self.config.token_endpoint, "token", data)
        self._raise_for(response)
        body = response.body
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise ResponseError("the token endpoint answered without an access_token",
                                status=response.status)
        token_type = body.get("token_type")
        if isinstance(token_type, str) and token_type.lower() not in ("bearer", "dpop", "n_a"):
            raise ResponseError(f"unknown token_type {token_type!r}", status=response.status)
        return TokenResponse(body, response.status, response.elapsed,
                             response.headers.get("date"))

    def refresh(self, refresh_token: str, *, scope: str | None = None,
                resource: str | None = None) -> TokenResponse:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope:
            data["scope"] = scope
        if resource:
            data["resource"] = resource
        return self.token(data)

    def client_credentials(self, *, scope: str | None = None, audience: str | None = None,
                           resource: str | None = None) -> TokenResponse:
        data = {"grant_type": "client_credentials"}
        for name, value in (("scope", scope), ("audience", audience), ("resource", resource)):
            if value:
                data[name] = value
        return self.token(data)

    def token_exchange(self, subject_token: str, *,
                       subject_token_type: str = ACCESS_TOKEN_TYPE,
                       audience: str | None = None, scope: str | None = None,
                       requested_token_type: str | None = None) -> TokenResponse:
        data = {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": subject_token, "subject_token_type": subject_token_type}
        for name, value in (("audience", audience), ("scope", scope),
                            ("requested_token_type", requested_token_type)):
            if value:
                data[name] = value
        return self.token(data)

    # -- revocation, introspection, userinfo --------------------------------------------------
    def revoke(self, token: str, hint: str) -> int:
        """RFC 7009: 200 means revoked (also for a token that was already invalid)."""
        response = self._post(self.config.revocation_endpoint, "revocation",
                              {"token": token, "token_type_hint": hint}, any_body=True)
        self._raise_for(response)
        return response.status

    def introspect(self, token: str, hint: str | None = None) -> dict[str, Any]:
        """RFC 7662; ``active`` is True only for a JSON ``true`` (SECURITY.md 27)."""
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        response = self._post(self.config.introspection_endpoint, "introspection", data)
        self._raise_for(response)
        body = dict(response.body) if isinstance(response.body, dict) else {}
        body["active"] = body.get("active") is True
        return body

    def userinfo(self, access_token: str) -> dict[str, Any]:
        url = self.config.userinfo_endpoint
        if not url:
            raise self.missing("userinfo_endpoint")
        response = self.http.request_json("GET", url,
                                          headers={"Authorization": f"Bearer {access_token}"})
        if response.status == 401:
            raise ProviderError("invalid_token", "the access token was refused", 401)
        self._raise_for(response)
        return dict(response.body) if isinstance(response.body, dict) else {}
