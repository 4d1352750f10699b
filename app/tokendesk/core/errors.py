"""Every error the core raises, in one tree.

::

    TokendeskError
     ├─ InvalidInput ───── a value that cannot be used (not a finite number, out of range)
     │                     └ PresetError: a tenant, domain or realm URL a preset cannot use
     ├─ Cancelled ──────── the person stopped it (sign-in, a support search or revocation)
     ├─ TokenError ─────── UnsupportedAlgorithm (a malformed token is not raised: decode
     │                     and verify report it as problems and a failed "format" check)
     ├─ KeyProblem ─────── UnusableKey(reason), KeySetRejected(reason)
     ├─ DecryptionFailed
     ├─ VaultError ─────── KeyringUnavailable, VaultLocked, WrongPassphrase, VaultCorrupt
     └─ OAuthError(url, status) ── NetworkError (retryable) ── OutcomeUnknown
                           MissingEndpoint(endpoint, client) ── nothing sent (exit 2)
                           MissingClientSecret ── nothing sent (exit 2)
                           ResponseError ── KeptAfterRefusal, InsecureEndpoint,
                           ProviderError(code, description, status) ── InvalidGrant
                                                                      └ RotationLost
                           AdminError(status) ── MissingScope, NotFound, RateLimited

Each class has a machine ``code`` (stable, for ``--json`` output and tests) and every
message is written for a person. No message ever contains a secret: callers pass
descriptions (a fingerprint, a length), never the value.
"""

from __future__ import annotations

from typing import ClassVar


class TokendeskError(Exception):
    """Root of every error the core raises."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(TokendeskError):
    """An argument or value that cannot be used: a number that is not finite (``NaN``,
    ``Infinity``, ``1e400``), a negative leeway, a size beyond the cap (SECURITY.md 35)."""

    code = "invalid_input"


class PresetError(InvalidInput):
    """A provider preset cannot be filled from what was typed (not a domain, not a realm URL)."""

    code = "preset_error"


class Cancelled(TokendeskError):
    """The person stopped the work (a sign-in, a support search or revocation): not a failure
    of the server or of Tokendesk. What was done before the cancel is kept and reported."""

    code = "cancelled"

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class TokenError(TokendeskError):
    code = "token_error"


class UnsupportedAlgorithm(TokenError):
    code = "unsupported_algorithm"


class KeyProblem(TokendeskError):
    code = "key_error"


class UnusableKey(KeyProblem):
    """A key that cannot or must not be used (too short, wrong type, unreadable)."""

    code = "unusable_key"


class KeySetRejected(KeyProblem):
    """A key set refused as a whole (mixed families, repeated kid, a key not for signing)."""

    code = "key_set_rejected"


class DecryptionFailed(TokendeskError):
    code = "decryption_failed"


class VaultError(TokendeskError):
    code = "vault_error"


class KeyringUnavailable(VaultError):
    code = "keyring_unavailable"


class VaultLocked(VaultError):
    code = "vault_locked"


class WrongPassphrase(VaultError):
    code = "wrong_passphrase"


class VaultCorrupt(VaultError):
    code = "vault_corrupt"


class OAuthError(TokendeskError):
    """Something about a request to a server. ``url`` (scheme, host and path; never the query,
    which may hold a token) and ``status`` (the HTTP status, None when no answer came) are set
    where they are known, as httpx's own errors carry them."""

    code = "oauth_error"
    url: str | None = None
    status: int | None = None

    def __init__(self, message: str, *, url: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class NetworkError(OAuthError):
    """The server could not be reached or did not answer in time. Retryable."""

    code = "network_error"
    retryable: ClassVar[bool] = True


class OutcomeUnknown(NetworkError):
    """The request was sent but no answer came (timeout, connection cut): the server may have
    acted on it. A refresh is retried once with the same token (SECURITY.md 24)."""

    code = "outcome_unknown"


class MissingClientSecret(OAuthError):
    """No request was sent: the client's authentication needs a secret or a private key that
    is not stored. A local problem to fix (``tokendesk client edit``), not the server's
    refusal."""

    code = "missing_client_secret"


class MissingEndpoint(OAuthError):
    """No request was sent: the client has no URL for an endpoint (neither discovery document
    publishes one and none was set by hand). A local problem, not the server's answer: the
    message names the endpoint and how to set it."""

    code = "missing_endpoint"

    def __init__(self, endpoint: str, client: str = "", issuer: str = "") -> None:
        what = endpoint.removesuffix("_endpoint").replace("_", " ")
        flag = "--" + endpoint.replace("_", "-")
        where = f" of {issuer}" if issuer else ""
        who = f"the client {client!r}" if client else "this client"
        super().__init__(
            f"no {what} endpoint is known for {who}: the discovery documents{where} publish "
            f"none and none was set by hand, so nothing was sent. Set it with: tokendesk client "
            f"edit {client or 'NAME'} {flag} URL")
        self.endpoint = endpoint
        self.client = client


class InsecureEndpoint(OAuthError):
    """An http:// URL that is not loopback, or another endpoint refused before sending."""

    code = "insecure_endpoint"


class ResponseError(OAuthError):
    """The server answered, but not with something usable (not JSON, too large, wrong shape)."""

    code = "bad_response"


class KeptAfterRefusal(ResponseError):
    """A refresh's answer failed a check made after its new refresh token was stored (the ID
    token changed identity, say): the new refresh token is kept, since the server has already
    retired the old one; the answer's other tokens are not used (SECURITY.md 19)."""

    code = "checked_after_store"


class ProviderError(OAuthError):
    """The server said no, with an OAuth error code."""

    code = "provider_error"

    def __init__(self, error: str, description: str | None = None, status: int | None = None,
                 *, retry_after: float | None = None, url: str | None = None):
        text = f"the server answered {error!r}"
        if description:
            text += f": {description}"
        if status is not None:
            text += f" (HTTP {status})"
        super().__init__(text, status=status, url=url)
        self.error = error
        self.description = description
        self.retry_after = retry_after

    @property
    def unavailable(self) -> bool:
        """The server is down or busy (5xx, temporarily_unavailable): keep the token, retry
        later (SECURITY.md 23)."""
        return (self.status or 0) >= 500 or self.error == "temporarily_unavailable"


class InvalidGrant(ProviderError):
    """The refresh token is dead: revoked, expired, or already used (reuse detection)."""

    code = "invalid_grant"


class RotationLost(InvalidGrant):
    """A refresh whose answer was lost was retried, and the server refused the retry: it had
    rotated the token, and the new one never arrived (SECURITY.md 24)."""

    code = "rotation_lost"


class AdminError(OAuthError):
    """A provider's admin API refused or failed a support action (401, 403, 5xx, bad answer)."""

    code = "admin_error"


class MissingScope(AdminError):
    """The admin connection's machine token lacks a scope (or role) an action needs; found
    before the call is made."""

    code = "missing_scope"

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message, status=None)
        self.missing = missing


class NotFound(AdminError):
    code = "not_found"


class RateLimited(AdminError):
    """The provider kept answering 429 for longer than Tokendesk waits."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after
