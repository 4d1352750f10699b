"""Talking to an authorization server's back-channel endpoints (RFC 6749, 7009, 7662, 8693).

Client authentication (RFC 6749 §2.3): ``client_secret_basic`` (id and secret form-encoded
before Basic, §2.3.1), ``client_secret_post``, ``none`` (a public client sends its id) and
``private_key_jwt`` (RFC 7523, signed with the core's signer), and mutual TLS
(``tls_client_auth``, ``self_signed_tls_client_auth``, RFC 8705: the client certificate of the
connection authenticates; the form carries the client_id). A token request may carry a DPoP
proof (RFC 9449, :mod:`.dpop`). Errors are mapped to
:mod:`tokendesk.core.errors`; token responses are returned as they came (unknown members kept,
``token_type`` compared case-insensitively).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import (
    InvalidGrant,
    MissingClientSecret,
    MissingEndpoint,
    ProviderError,
    ResponseError,
)
from .http import HttpClient, JsonResponse, retry_after

if TYPE_CHECKING:
    from .dpop import Prover

__all__ = ["ClientConfig", "OAuthClient", "TokenResponse", "check_token_type", "redact"]

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


def check_token_type(response: TokenResponse, *, proof_sent: bool) -> str | None:
    """What is wrong with the answer's ``token_type`` (RFC 6749 §7.1, compared without case;
    RFC 9449 §5), or None. Called after a refresh's new refresh token is stored."""
    token_type = response.raw.get("token_type")
    if isinstance(token_type, str) and token_type.lower() not in ("bearer", "dpop", "n_a"):
        return f"unknown token_type {token_type[:40]!r}"
    if response.token_type == "dpop" and not proof_sent:  # noqa: S105 - a type, not a secret
        return "the server says the access token is DPoP-bound, but no DPoP proof was sent"
    return None


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
        if method in ("none", "tls_client_auth", "self_signed_tls_client_auth"):
            return {**data, "client_id": cfg.client_id}, None  # (mTLS: the certificate)
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
              any_body: bool = False, dpop: Prover | None = None) -> JsonResponse:
        if not url:
            raise self.missing(f"{what}_endpoint")
        audience = self.config.token_endpoint or url
        if dpop is not None:  # a proof each attempt, and once more with the server's nonce
            from .dpop import send_with_proof

            return send_with_proof(self.http, "POST", url, dpop, any_body=any_body,
                                   prepare=lambda: self._authenticate(data, audience))
        body, auth = self._authenticate(data, audience)
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
    def token(self, data: dict[str, str], *, dpop: Prover | None = None,
              check: bool = True) -> TokenResponse:
        """A token request (with a DPoP proof when ``dpop`` is given). ``check=False`` leaves
        :func:`check_token_type` to the caller, after it stored a new refresh token."""
        response = self._post(self.config.token_endpoint, "token", data, dpop=dpop)
        self._raise_for(response)
        body = response.body
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise ResponseError("the token endpoint answered without an access_token",
                                status=response.status)
        result = TokenResponse(body, response.status, response.elapsed,
                               response.headers.get("date"))
        problem = check_token_type(result, proof_sent=dpop is not None) if check else None
        if problem:
            raise ResponseError(problem, status=response.status)
        return result

    def refresh(self, refresh_token: str, *, scope: str | None = None,
                resource: str | None = None, dpop: Prover | None = None,
                check: bool = True) -> TokenResponse:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope:
            data["scope"] = scope
        if resource:
            data["resource"] = resource
        return self.token(data, dpop=dpop, check=check)

    def client_credentials(self, *, scope: str | None = None, audience: str | None = None,
                           resource: str | None = None,
                           dpop: Prover | None = None) -> TokenResponse:
        data = {"grant_type": "client_credentials"}
        for name, value in (("scope", scope), ("audience", audience), ("resource", resource)):
            if value:
                data[name] = value
        return self.token(data, dpop=dpop)

    def token_exchange(self, subject_token: str, *,
                       subject_token_type: str = ACCESS_TOKEN_TYPE,
                       audience: str | None = None, scope: str | None = None,
                       requested_token_type: str | None = None,
                       dpop: Prover | None = None) -> TokenResponse:
        data = {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": subject_token, "subject_token_type": subject_token_type}
        for name, value in (("audience", audience), ("scope", scope),
                            ("requested_token_type", requested_token_type)):
            if value:
                data[name] = value
        return self.token(data, dpop=dpop)

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

    def userinfo(self, access_token: str, *, dpop: Prover | None = None) -> dict[str, Any]:
        """RFC 6750 (or, with ``dpop``, the DPoP scheme with a proof carrying ``ath``)."""
        url = self.config.userinfo_endpoint
        if not url:
            raise self.missing("userinfo_endpoint")
        if dpop is not None:
            from .dpop import send_with_proof

            response = send_with_proof(self.http, "GET", url, dpop, access_token=access_token)
        else:
            response = self.http.request_json(
                "GET", url, headers={"Authorization": f"Bearer {access_token}"})
        if response.status == 401:
            raise ProviderError("invalid_token", "the access token was refused", 401)
        self._raise_for(response)
        return dict(response.body) if isinstance(response.body, dict) else {}
