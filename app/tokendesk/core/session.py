"""One session: the long-lived services of one front end (DESIGN.md "One session").

A :class:`Session` owns the vault, one HTTP client built from the network settings, the
exchange, the support console, the cache of issuers' published keys and the expiry scheduler.
The CLI builds one per command, the app one at start; every part of a front end receives it
instead of building its own. It is the one place that drops caches: after a client is edited,
the network settings change or a vault is imported, the next request everywhere uses the new
state, without a restart.

Qt-free and synchronous, like the rest of the core. Opening the vault may block (the keyring, a
key derivation): front ends call :meth:`open_store` and :meth:`open` off their GUI thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import VaultError

if TYPE_CHECKING:
    from .autorefresh import Scheduler
    from .oauth.exchange import Exchange
    from .oauth.http import HttpClient
    from .oauth.remote_keys import RemoteKeys
    from .support.console import SupportConsole
    from .vault.model import Client
    from .vault.secrets import SecretStore
    from .vault.vault import Vault

__all__ = ["NetworkSettings", "Session"]


class NetworkSettings(NamedTuple):
    """What every request of a session uses: a timeout (seconds) and an optional CA bundle.
    (A NamedTuple: the window builds one before its first paint, and dataclasses cost an
    import of ``inspect``.)"""

    timeout: float = 10.0
    ca_bundle: str | None = None


class Session:
    def __init__(self, home: Path | None = None, *, network: NetworkSettings | None = None,
                 store_factory: Callable[[Path], Any] | None = None,
                 http_factory: Callable[[NetworkSettings], HttpClient] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._home = home
        self.network = network or NetworkSettings()
        self._store_factory = store_factory
        self._http_factory = http_factory
        self.clock = clock
        self._scheduler: Scheduler | None = None
        self.vault: Vault | None = None
        self._http: HttpClient | None = None
        self._exchange: Exchange | None = None
        self._support: SupportConsole | None = None
        self._remote_keys: RemoteKeys | None = None
        self._retired: list[HttpClient] = []  # replaced, maybe still in use by a request
        #: Each credential's refresh token before its last rotation (memory only, for the QA
        #: replay), kept across rebuilt exchanges.
        self.previous: dict[str, str] = {}
        self._guard = threading.RLock()  # the lazily built services are built once

    @property
    def home(self) -> Path:
        if self._home is None:
            from .paths import home

            self._home = home()
        return self._home

    # -- the vault ----------------------------------------------------------------------------
    def open_store(self) -> SecretStore:
        """The secret store (an encrypted file store may come back locked: unlock it, then
        :meth:`open`)."""
        from .vault import open_store

        if self._store_factory is not None:
            return self._store_factory(self.home)  # type: ignore[no-any-return]
        return open_store(self.home)

    def open(self, store: SecretStore | None = None) -> Vault:
        """Open the vault (once): with ``store``, or the one :meth:`open_store` picks."""
        from .vault import Vault

        with self._guard:
            if self.vault is not None:
                return self.vault
            vault = Vault(self.home, store if store is not None else self.open_store(),
                          clock=self.clock)
            self.vault = vault
            return vault

    def adopt(self, vault: Vault) -> Vault:
        """Use a vault opened elsewhere (the CLI unlocks its file store itself)."""
        with self._guard:
            self._drop_services()
            self.vault = vault
            return vault

    def require_vault(self) -> Vault:
        if self.vault is None:
            raise VaultError("the vault is not open")
        return self.vault

    def close_vault(self) -> None:
        """Close the vault (its store locked, say); the services built on it go with it."""
        with self._guard:
            self._drop_services()
            if self.vault is not None:
                self.vault.close()
                self.vault = None

    # -- services -----------------------------------------------------------------------------
    @property
    def scheduler(self) -> Scheduler:
        """The auto-refresh scheduler (built on first use: it imports the HTTP stack)."""
        with self._guard:
            if self._scheduler is None:
                from .autorefresh import Scheduler

                self._scheduler = Scheduler()
            return self._scheduler

    @property
    def http(self) -> HttpClient:
        with self._guard:
            if self._http is None:
                if self._http_factory is not None:
                    self._http = self._http_factory(self.network)
                else:
                    from .oauth.http import HttpClient

                    self._http = HttpClient(timeout=self.network.timeout,
                                            ca_bundle=self.network.ca_bundle)
            return self._http

    @property
    def exchange(self) -> Exchange:
        with self._guard:
            vault = self.require_vault()
            if self._exchange is None or self._exchange.vault is not vault:
                from .oauth.exchange import Exchange

                self._exchange = Exchange(vault, self.http, clock=self.clock)
                self._exchange.previous = self.previous
            return self._exchange

    @property
    def support(self) -> SupportConsole:
        with self._guard:
            exchange = self.exchange
            if self._support is None or self._support.exchange is not exchange:
                from .support.console import SupportConsole

                self._support = SupportConsole(exchange, clock=self.clock)
            return self._support

    @property
    def remote_keys(self) -> RemoteKeys:
        with self._guard:
            if self._remote_keys is None:
                from .oauth.remote_keys import RemoteKeys

                self._remote_keys = RemoteKeys(self.http, clock=self.clock)
            return self._remote_keys

    # -- what drops caches --------------------------------------------------------------------
    def configure_network(self, network: NetworkSettings) -> None:
        """New network settings: every later request (refresh, revoke, sign-in, key fetches,
        the support console) uses them."""
        with self._guard:
            if network == self.network:
                return
            self.network = network
            self._drop_services(http=True)

    def clients_changed(self) -> None:
        """A client was added, edited or removed (here or, through :meth:`invalidate`, after
        an import): the next request reads its settings and secret again."""
        with self._guard:
            if self._exchange is not None:
                self._exchange.forget_clients()
            self._support = None  # its connections hold machine tokens of the old settings

    def invalidate(self) -> None:
        """Drop every cache built on the vault's contents (after an import, say)."""
        self.clients_changed()

    def update_client(self, client: Client, secret: str | None = None) -> Client:
        updated = self.require_vault().update_client(client, secret)
        self.clients_changed()
        return updated

    def _drop_services(self, *, http: bool = False) -> None:
        self._exchange = None
        self._support = None
        self._remote_keys = None
        if http and self._http is not None:
            self._retired.append(self._http)  # a request on another thread may still use it
            self._http = None

    def close(self) -> None:
        with self._guard:
            self.close_vault()
            for http in [*self._retired, *([self._http] if self._http else [])]:
                http.close()
            self._retired.clear()
            self._http = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
