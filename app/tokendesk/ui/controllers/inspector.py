"""The Inspector's controller: decode as the user types, verify in the background.

Decoding a normal token takes microseconds and runs on the GUI thread after a short debounce;
very large input is decoded on the task pool so the window never stalls. Key parsing (which
first imports cryptography), verification and key fetching always run on the pool; a newer
request supersedes an older one and ``cancel()`` drops a running one.

A verdict follows its inputs: once the user asked for a verification, any change of the token,
the key or an expectation re-runs it (debounced, latest wins) when the keys are local, and marks
it stale at once when the keys come from the network, which is never used unless asked.
Issuer keys are trusted only for an issuer the user gave or a vault client's (SECURITY.md 5a).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..tasks import TaskRunner

if TYPE_CHECKING:
    from tokendesk.core import DecodedToken

__all__ = ["STALE_ASK", "STALE_RERUN", "InspectorController", "VerifyRequest"]

#: Above this many characters decoding moves off the GUI thread.
BACKGROUND_DECODE_CHARS = 64_000

KEY_AUTO, KEY_PUBLIC, KEY_SECRET_TEXT, KEY_SECRET_B64URL = "auto", "public", "text", "base64url"

#: Why a verdict went stale: it was computed for other inputs than those now shown.
STALE_ASK = "the verdict was for an earlier token, key or expectation: verify again"
STALE_RERUN = "the verdict was for an earlier token, key or expectation: verifying again…"


class VerifyRequest(NamedTuple):
    token: str
    key_text: str = ""
    key_mode: str = KEY_AUTO
    jwks_url: str = ""
    use_issuer: bool = False
    algorithm: str | None = None  # pinned algorithm, or None for "as the key allows"
    issuer: str | None = None
    audience: str | None = None
    nonce: str | None = None
    leeway: float = 0.0
    expected_kind: str | None = None
    client_id: str | None = None
    now: float | None = None
    trusted_issuers: tuple[str, ...] = ()  # the vault clients' issuers


def needs_network(request: VerifyRequest) -> bool:
    """Whether verifying ``request`` fetches keys (only ever when the user asks)."""
    return request.use_issuer or bool(request.jwks_url)


class _Remote:
    """One HTTP client and key cache for the whole window, created on first use."""

    def __init__(self, timeout: float, ca_bundle: str | None) -> None:
        self.timeout, self.ca_bundle = timeout, ca_bundle
        self._remote: Any = None
        self._http: Any = None

    def get(self) -> Any:
        if self._remote is None:
            from tokendesk.core.oauth.http import HttpClient
            from tokendesk.core.oauth.remote_keys import RemoteKeys

            self._http = HttpClient(timeout=self.timeout, ca_bundle=self.ca_bundle)
            self._remote = RemoteKeys(self._http)
        return self._remote

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = self._remote = None


def run_verification(request: VerifyRequest, remote: _Remote) -> tuple[Any, str]:
    """Runs on the task pool: load the keys, verify; returns (Verification, key description)."""
    from tokendesk.core import decode
    from tokendesk.core.tokens.keys import load_keys, load_secret
    from tokendesk.core.tokens.verify import verify

    options: dict[str, Any] = {
        "algorithms": [request.algorithm] if request.algorithm else None,
        "issuer": request.issuer or None, "audience": request.audience or None,
        "now": request.now, "leeway": request.leeway, "nonce": request.nonce or None,
        "expected_kind": request.expected_kind or None, "client_id": request.client_id or None,
    }
    if needs_network(request):
        # the token's own iss is trusted only when it is a vault client's issuer
        result, issuer = remote.get().verify_published(
            request.token, issuer=options.pop("issuer"), jwks_url=request.jwks_url or None,
            trusted_issuers=request.trusted_issuers, **options)
        where = request.jwks_url or f"the keys published by {issuer}"
        return result, where
    text = request.key_text.strip()
    if not text:
        raise ValueError("give a key: paste it, open a file, or use the issuer's keys")
    mode = request.key_mode
    if mode == KEY_AUTO:
        alg = (decode(request.token).alg or "")
        mode = KEY_SECRET_TEXT if alg.startswith("HS") else KEY_PUBLIC
    if mode == KEY_PUBLIC:
        keys = load_keys(text)
    else:
        keys = load_secret(request.key_text if mode == KEY_SECRET_TEXT else text, mode)
    described = ", ".join(k.label() for k in keys.keys[:3])
    if len(keys) > 3:
        described += f" and {len(keys) - 3} more"
    return verify(request.token, keys, **options), described


class InspectorController(QObject):
    decoded = Signal(object)  # DecodedToken
    verification_started = Signal(str)  # what is happening, for the progress line
    verification_finished = Signal(object, str)  # Verification, key description
    verification_failed = Signal(str)
    verification_cancelled = Signal()
    #: The inputs changed after a verification: (why, re-running). The old verdict no longer
    #: holds; when not re-running (network keys) the user must ask again.
    verification_stale = Signal(str, bool)
    known_issuers_changed = Signal(object)  # list[str]: the vault clients' issuers
    busy_changed = Signal(bool)

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        clock: Callable[[], float] = time.time,
        debounce_ms: int = 150,
        network_timeout: float = 10.0,
        ca_bundle: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.clock = clock
        self._remote = _Remote(network_timeout, ca_bundle)
        self._text = ""
        self.current: DecodedToken | None = None
        self.first: DecodedToken | None = None  # the decode of the whole pasted text
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.decode_now)
        #: The last verification the user asked for (None: none, or cancelled), and the
        #: latest inputs waiting for the re-run's debounce.
        self._asked: VerifyRequest | None = None
        self._pending: VerifyRequest | None = None
        self._reverify = QTimer(self)
        self._reverify.setSingleShot(True)
        self._reverify.setInterval(debounce_ms)
        self._reverify.timeout.connect(self._reverify_now)
        self.trusted_issuers: tuple[str, ...] = ()
        tasks.busy_changed.connect(self.busy_changed)

    # -- decoding -----------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self._text = text
        self._debounce.start()

    @Slot()
    def decode_now(self) -> None:
        # The token core is imported here, on first use, not before the window's first paint.
        from tokendesk.core import decode

        self._debounce.stop()
        text = self._text
        if len(text) > BACKGROUND_DECODE_CHARS:
            self.tasks.submit("decode", lambda: decode(text), self._on_decoded)
        else:
            self._on_decoded(decode(text))

    def _on_decoded(self, token: DecodedToken) -> None:
        self.first = token
        self.current = token
        self.decoded.emit(token)

    def select_found(self, index: int) -> None:
        """Show another token of the pasted text (a JSON response holds several)."""
        if self.first is None or not 0 <= index < len(self.first.found):
            return
        if index == 0:
            token = self.first
        else:
            from tokendesk.core.tokens.decoding import decode_token

            found = self.first.found[index]
            token = decode_token(found.text, found.label, found=self.first.found,
                                 context=self.first.context)
        self.current = token
        self.decoded.emit(token)

    # -- verification -------------------------------------------------------------------------
    @Slot(object)
    def set_vault_clients(self, clients: list[Any]) -> None:
        """The vault's clients: their issuers are trusted for the issuer's keys."""
        issuers = tuple(sorted({c.issuer for c in clients if getattr(c, "issuer", "")}))
        if issuers != self.trusted_issuers:
            self.trusted_issuers = issuers
            self.known_issuers_changed.emit(list(issuers))

    def verify(self, request: VerifyRequest) -> None:
        """The user asked: verify now (with the network if the request needs it)."""
        self._asked = request
        self._pending = None
        self._reverify.stop()
        self._run(request)

    def inputs_changed(self, request: VerifyRequest | None, *, user_asked: bool = False) -> None:
        """The token or a verify input changed (``request``: the new inputs, or None when there
        is nothing to verify). A verdict already shown is for the old inputs: drop a running
        verification; re-run it (debounced) if it needs no network or ``user_asked``, else
        say the verdict is stale. Nothing happens until the user first asked to verify."""
        self._reverify.stop()
        self._pending = None
        self.tasks.cancel("verify")  # a verdict for the old inputs is never shown
        asked = self._asked
        if asked is None or request is None:
            return
        request = request._replace(use_issuer=asked.use_issuer)
        self._asked = request
        if user_asked:
            self._run(request)
        elif needs_network(request):
            self.verification_stale.emit(STALE_ASK, False)
        else:
            self._pending = request
            self.verification_stale.emit(STALE_RERUN, True)
            self._reverify.start()

    @Slot()
    def _reverify_now(self) -> None:
        request, self._pending = self._pending, None
        if request is not None:
            self._run(request)

    def _run(self, request: VerifyRequest) -> None:
        request = request._replace(trusted_issuers=self.trusted_issuers)
        if request.use_issuer:
            what = "Fetching the issuer's keys…"
        elif request.jwks_url:
            what = "Fetching the key set…"
        else:
            what = "Verifying…"
        self.verification_started.emit(what)
        remote = self._remote
        self.tasks.submit("verify", lambda: run_verification(request, remote),
                          self._on_verified, self._on_verify_error)

    @property
    def scheduled(self) -> bool:
        """Whether anything is still to happen without new input: a decode or re-verification
        waiting on its timer, or a verification running. What a test waits for before saying
        "nothing ran" (instead of sleeping)."""
        return (self._debounce.isActive() or self._reverify.isActive()
                or self._pending is not None or self.tasks.is_running("verify"))

    def cancel(self) -> None:
        self._asked = None  # the user said stop: nothing re-runs until asked again
        self._reverify.stop()
        self._pending = None
        if self.tasks.cancel("verify"):
            self.verification_cancelled.emit()

    def configure_network(self, timeout: float, ca_bundle: str | None) -> None:
        """New network settings (the Preferences): the next key fetch uses them."""
        if (timeout, ca_bundle) != (self._remote.timeout, self._remote.ca_bundle):
            self._remote = _Remote(timeout, ca_bundle)  # the old client ends with its fetch

    def shutdown(self) -> None:
        """Drop running work and close the network client (the window is closing)."""
        self._reverify.stop()
        self.tasks.cancel("verify")
        self._remote.close()

    @property
    def verifying(self) -> bool:
        return self.tasks.is_running("verify")

    def _on_verified(self, result: tuple[Any, str]) -> None:
        verification, described = result
        self.verification_finished.emit(verification, described)

    def _on_verify_error(self, exc: BaseException) -> None:
        from tokendesk.core.errors import TokendeskError

        if isinstance(exc, TokendeskError):
            message = exc.message
        elif isinstance(exc, ValueError):
            message = str(exc)
        else:
            message = f"verification could not run ({type(exc).__name__})"
        self.verification_failed.emit(message)
