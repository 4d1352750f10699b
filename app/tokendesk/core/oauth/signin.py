"""Signing in: authorization code + PKCE in the system browser, with a loopback redirect
(RFC 6749 §4.1, RFC 7636, RFC 8252 §7.3), and the ID token checked before anything is stored.
The request is pushed first where the server offers it (RFC 9126), the answer's ``iss`` checked
(RFC 9207), and with DPoP (RFC 9449) the tokens are bound to a key made for the credential
(:mod:`.par`, :mod:`.senders`).

One-time ``state`` and ``nonce``; S256 code challenge; the redirect listener binds 127.0.0.1 on a
port of the system's choosing, accepts exactly one matching answer, and shows the person a clear
page in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import secrets
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import Cancelled, MissingEndpoint, OAuthError, ProviderError, ResponseError, VaultError
from ..vault.model import Credential
from ..vault.tokenset import TokenSet
from .exchange import Exchange
from .history import Recorded

__all__ = ["AuthorizationRequest", "LoopbackReceiver", "sign_in"]

_DONE_PAGE = """<!doctype html><meta charset="utf-8"><title>Tokendesk</title>
<body style="font-family:sans-serif;max-width:36em;margin:4em auto">
<h1>{title}</h1><p>{text}</p><p>You can close this tab and return to Tokendesk.</p></body>"""


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    redirect_uri: str
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


class LoopbackReceiver:
    """Waits on 127.0.0.1 for the one redirect that carries our ``state``."""

    def __init__(self, path: str = "/callback") -> None:
        receiver = self
        self.path = path
        self.result: dict[str, str] | None = None
        self.expected_state = ""
        self._done = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                if parts.path != receiver.path or receiver._done.is_set():
                    self._page(404, "Not here", "This address only takes one sign-in answer.")
                    return
                if not secrets.compare_digest(params.get("state", ""),
                                              receiver.expected_state):
                    self._page(400, "Sign-in refused",
                               "The answer did not carry this sign-in's state (a forged or "
                               "stale redirect). Start the sign-in again.")
                    return
                receiver.result = params
                if "error" in params:
                    self._page(400, "Sign-in failed", html.escape(
                        params.get("error_description") or params["error"]))
                else:
                    # nothing is checked yet (iss, state, the code exchange): the page must not
                    # say the sign-in worked
                    self._page(200, "Answer received", "Tokendesk received the sign-in answer "
                               "and is checking it: it says there whether you are signed in.")
                receiver._done.set()

            def _page(self, status: int, title: str, text: str) -> None:
                body = _DONE_PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}{path}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> dict[str, str]:
        import time

        deadline = time.monotonic() + timeout
        while not self._done.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
            if cancel is not None and cancel.is_set():
                raise Cancelled("sign-in cancelled")
            if time.monotonic() >= deadline:
                raise OAuthError(f"no sign-in answer within {timeout:.0f} s (was the browser "
                                 "closed?)")
        assert self.result is not None
        return self.result

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def check_name_free(exchange: Exchange, name: str) -> None:
    """Before a sign-in starts: the name to store it under must be free, or what the server
    issues at the end would have nowhere to go."""
    if not name.strip():
        raise VaultError("give the new credential a name")
    if exchange.vault.index.credential(name) is not None:
        raise VaultError(f"a credential named {name!r} already exists: pick another name, or "
                         "remove it first (nothing was sent)")


def sign_in(exchange: Exchange, client_name: str, name: str, *, scope: str | None = None,
            open_browser: Callable[[str], object] | None = None,
            timeout: float = 300.0, prompt: str | None = "consent",
            cancel: threading.Event | None = None, dpop: str | None = None) -> Credential:
    """Sign in with the system browser and store the resulting credential as ``name`` (one
    history row, with the outcome). ``dpop``: bind the tokens to a new key of this algorithm
    (the client's DPoP setting otherwise)."""
    check_name_free(exchange, name)
    with Recorded(exchange.vault, name, "sign-in",
                  request={"grant_type": "authorization_code", "client": client_name,
                           "code_challenge_method": "S256"}) as row:
        cred = _sign_in(exchange, client_name, name, scope, open_browser, timeout, prompt,
                        cancel, dpop)
        row.endpoint = exchange.client_for(client_name).config.token_endpoint
        row.status, row.new_fp = "signed in", cred.refresh_fp
    return cred


def _sign_in(exchange: Exchange, client_name: str, name: str, scope: str | None,
             open_browser: Callable[[str], object] | None, timeout: float, prompt: str | None,
             cancel: threading.Event | None, dpop: str | None) -> Credential:
    from .par import authorization_url, check_issuer
    from .senders import new_prover, store_signed_in

    client = exchange.vault.client(client_name)
    found = exchange.endpoints(client_name)
    authorize = found.url("authorization_endpoint")
    if not authorize:
        raise MissingEndpoint("authorization_endpoint", client_name, client.issuer)
    oauth = exchange.client_for(client_name)
    prover = new_prover(exchange, client, dpop)
    receiver = LoopbackReceiver()
    try:
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        receiver.expected_state = state
        params = {"response_type": "code", "client_id": client.client_id,
                  "redirect_uri": receiver.redirect_uri,
                  "scope": scope or client.scope or "openid offline_access",
                  "state": state, "nonce": nonce, "code_challenge": challenge,
                  "code_challenge_method": "S256"}
        if prompt:
            params["prompt"] = prompt  # offline_access needs consent at some providers
        if prover is not None:  # the code is bound to the key too (RFC 9449 §10)
            params["dpop_jkt"] = prover.jkt
        params.update(client.extra_params)
        url, _pushed = authorization_url(oauth, found, authorize, params,
                                         mtls=oauth.http is not exchange.http)
        request = AuthorizationRequest(url, receiver.redirect_uri, state, nonce, verifier)
        (open_browser or webbrowser.open)(request.url)
        answer = receiver.wait(timeout, cancel)
    finally:
        receiver.close()
    check_issuer(answer, client.issuer, found)  # RFC 9207 mix-up defence, errors too
    if "error" in answer:
        raise ProviderError(answer["error"], answer.get("error_description"))
    code = answer.get("code")
    if not code:
        raise ResponseError("the sign-in answer carried no code")
    response = oauth.token({"grant_type": "authorization_code", "code": code,
                            "redirect_uri": request.redirect_uri,
                            "code_verifier": request.code_verifier}, dpop=prover)
    if response.id_token:
        from .remote_keys import RemoteKeys

        # the client's JWKS: set by hand, or from its discovery (its discovery_url honoured)
        check = RemoteKeys(exchange.http, discovery=exchange.discovery).verify(
            response.id_token, issuer=client.issuer, jwks_url=found.url("jwks_uri"),
            expected_kind="id_token",
            client_id=client.client_id, nonce=request.nonce,
            access_token=response.access_token, code=code, leeway=30)
        if not check.valid:
            raise ResponseError(f"the ID token from the sign-in is not valid: {check.reason}")
    tokens = TokenSet.from_response(response.raw)
    if not tokens.refresh_token:
        raise ResponseError("the server issued no refresh token (ask for offline_access, "
                            "and allow the refresh_token grant for this client)")
    return store_signed_in(exchange, name, client_name, tokens,
                           prover.key if prover is not None else None)


@dataclass(frozen=True)
class DeviceAuthorization:
    """What to show the person: where to go and which code to type."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float
    device_code: str = field(repr=False)


def start_device(exchange: Exchange, client_name: str, *,
                 scope: str | None = None) -> DeviceAuthorization:
    client = exchange.vault.client(client_name)
    oauth = exchange.client_for(client_name)
    url = oauth.config.device_authorization_endpoint
    if not url:
        raise oauth.missing("device_authorization_endpoint")
    body, auth = oauth._authenticate({"scope": scope or client.scope or "openid offline_access"},
                                     oauth.config.token_endpoint)
    # the client's own HTTP client: with mutual TLS, it presents the client certificate
    response = oauth.http.request_json("POST", url, data={**body, "client_id": client.client_id},
                                       auth=auth)
    oauth._raise_for(response)
    doc = response.body if isinstance(response.body, dict) else {}
    try:
        return DeviceAuthorization(str(doc["user_code"]), str(doc["verification_uri"]),
                                   doc.get("verification_uri_complete"),
                                   _bounded(doc.get("expires_in", 600), 1.0, _MAX_DEVICE_WAIT),
                                   _bounded(doc.get("interval", 5), 1.0, _MAX_INTERVAL),
                                   str(doc["device_code"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ResponseError("the device authorization answer is incomplete") from None


#: What a device authorization answer may ask for (SECURITY.md 35): a server that says
#: ``interval: 1e300`` or ``expires_in: NaN`` gets a sane wait, not a crash or an endless poll.
_MAX_DEVICE_WAIT = 3600.0
_MAX_INTERVAL = 60.0


def _bounded(value: Any, low: float, high: float) -> float:
    """A number from a server, clamped to [low, high]; NaN, Infinity and non-numbers refused
    (TypeError, ValueError or OverflowError, which the caller turns into a ResponseError)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return min(max(number, low), high)


def finish_device(exchange: Exchange, client_name: str, name: str, device: DeviceAuthorization,
                  *, sleep: Callable[[float], None] | None = None,
                  on_wait: Callable[[float], None] | None = None,
                  cancel: threading.Event | None = None, dpop: str | None = None) -> Credential:
    """Poll the token endpoint until the person approved (RFC 8628 §3.4–3.5); one history row
    with the outcome. ``dpop`` as for :func:`sign_in`."""
    with Recorded(exchange.vault, name, "device sign-in",
                  request={"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                           "client": client_name}) as row:
        row.endpoint = exchange.client_for(client_name).config.token_endpoint
        cred = _finish_device(exchange, client_name, name, device, sleep, on_wait, cancel,
                              dpop)
        row.status, row.new_fp = "signed in", cred.refresh_fp
    return cred


def _finish_device(exchange: Exchange, client_name: str, name: str,
                   device: DeviceAuthorization, sleep: Callable[[float], None] | None,
                   on_wait: Callable[[float], None] | None,
                   cancel: threading.Event | None, dpop: str | None) -> Credential:
    import time

    from .senders import new_prover, store_signed_in

    pause = sleep or time.sleep
    oauth = exchange.client_for(client_name)
    prover = new_prover(exchange, exchange.vault.client(client_name), dpop)
    interval = max(device.interval, 1.0)
    deadline = time.monotonic() + device.expires_in
    while time.monotonic() < deadline:
        if cancel is not None:
            if cancel.wait(interval):
                raise Cancelled("sign-in cancelled")
        else:
            pause(interval)
        try:
            response = oauth.token({"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                                    "device_code": device.device_code,
                                    "client_id": oauth.config.client_id}, dpop=prover)
        except ProviderError as exc:
            if exc.error == "authorization_pending":
                if on_wait:
                    on_wait(deadline - time.monotonic())
                continue
            if exc.error == "slow_down":
                interval += 5
                continue
            raise
        tokens = TokenSet.from_response(response.raw)
        if not tokens.refresh_token:
            raise ResponseError("the server issued no refresh token (ask for offline_access)")
        return store_signed_in(exchange, name, client_name, tokens,
                               prover.key if prover is not None else None)
    raise ProviderError("expired_token", "the device code expired before it was approved")


def identity(exchange: Exchange, cred: Credential) -> str:
    """What is known of who signed in, in words: the subject from the ID token or a JWT access
    token, else from userinfo (when the client has that endpoint), else that it is not known.
    Never raises: the credential is already stored."""
    if cred.subject:
        return f"signed in as {cred.subject}"
    try:
        oauth = exchange.client_for(cred.client)
        if oauth.config.userinfo_endpoint:
            sub = exchange.userinfo(cred.name).get("sub")
            if isinstance(sub, str) and sub:
                return f"signed in as {sub} (from userinfo)"
    except Exception:  # noqa: BLE001, S110 - only a nicety on top of a stored credential
        pass
    return "signed in (no ID token, and no subject in the access token or userinfo)"
