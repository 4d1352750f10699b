"""Client-side overhead of a refresh, against panva/oidc-provider on 127.0.0.1.

    .venv/bin/python -m benchmarks.refresh [N]

Starts a private Secret Service and the provider, stores a credential, refreshes it N times
(default 100) and prints: the median total time, the median time the HTTP exchange took (the
server's handling plus loopback), their difference (the client-side overhead: keyring reads and
writes, the rotation protocol, the index), the same overhead when each refresh starts after the
previous one's old slot is deleted (N more refreshes), how many tokens were lost (must be 0),
and how many calls each of the first N refreshes made to the secret store (gets, sets and
deletes, the old slot's deletion on the background thread included) with the time they took.
One line each for the Secret Service, for secrets in memory (the client alone) and for the
encrypted file store.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FILE_STORE_PASSPHRASE = "benchmark passphrase"


class MemoryStore:
    """A measurement aid only (never a product store): secrets in a dict, to show what the
    client costs without the Secret Service's own writes."""

    description = "memory (measurement only)"

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, service: str, key: str) -> str | None:
        return self.values.get((service, key))

    def set(self, service: str, key: str, value: str) -> None:
        self.values[(service, key)] = value

    def delete(self, service: str, key: str) -> None:
        self.values.pop((service, key), None)


class CountingStore:
    """A proxy that counts a store's calls and the time they take (from any thread: the old
    slot is deleted on a background thread). Everything else goes to the store itself."""

    OPERATIONS = ("get", "set", "delete")

    def __init__(self, store: Any) -> None:
        self._store = store
        self._guard = threading.Lock()
        self.reset()

    def reset(self, *, counting: bool = True) -> None:
        """Start counting from zero (or stop counting, keeping the figures so far)."""
        with self._guard:
            if counting:
                self.calls = dict.fromkeys(self.OPERATIONS, 0)
                self.seconds = dict.fromkeys(self.OPERATIONS, 0.0)
            self.counting = counting

    def _timed(self, operation: str, *args: str) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self._store, operation)(*args)
        finally:
            elapsed = time.perf_counter() - started
            with self._guard:
                if self.counting:
                    self.calls[operation] += 1
                    self.seconds[operation] += elapsed

    def get(self, service: str, key: str) -> str | None:
        return self._timed("get", service, key)  # type: ignore[no-any-return]

    def set(self, service: str, key: str, value: str) -> None:
        self._timed("set", service, key, value)

    def delete(self, service: str, key: str) -> None:
        self._timed("delete", service, key)

    def __getattr__(self, name: str) -> Any:  # description, locked, close...
        return getattr(self._store, name)

    def per_refresh(self, count: int) -> str:
        calls = ", ".join(f"{self.calls[op] / count:.1f} {op}" for op in self.OPERATIONS)
        ms = ", ".join(f"{op} {self.seconds[op] / max(self.calls[op], 1) * 1e3:.1f}"
                       for op in self.OPERATIONS)
        return f"secret-store calls per refresh: {calls} (ms per call: {ms})"


def _run(provider, vault, count):  # type: ignore[no-untyped-def]
    from tests.helpers.oidc_provider import CLIENTS, client_record

    from tokendesk.core.oauth.exchange import Exchange
    from tokendesk.core.oauth.http import HttpClient
    from tokendesk.core.vault import TokenSet

    vault.add_client(client_record(provider, "tokendesk-basic"), CLIENTS["tokendesk-basic"][0])
    vault.add_credential("alice", "tokendesk-basic", TokenSet(provider.mint()))
    with HttpClient() as http:
        exchange = Exchange(vault, http)
        exchange.refresh("alice")  # warm up: discovery, connections
        vault.finish_pending()
        vault.store.reset()
        results = [exchange.refresh("alice") for _ in range(count)]
        vault.finish_pending()  # the last old slot's deletion counts too
        vault.store.reset(counting=False)
        # the same again, each refresh starting once the previous one's old slot is deleted
        # (as when refreshes are not back to back): the refresh's own path alone
        settled = []
        for _ in range(count):
            settled.append(exchange.refresh("alice"))
            vault.finish_pending()
    total = statistics.median(r.duration for r in results) * 1e3
    server = statistics.median(r.server_time for r in results) * 1e3
    overhead = statistics.median(r.duration - r.server_time for r in results) * 1e3
    alone = statistics.median(r.duration - r.server_time for r in settled) * 1e3
    lost = 2 * count + 1 - vault.credential("alice").rotation_count
    return total, server, overhead, alone, lost


def main(count: int = 100) -> int:
    from tests.helpers.oidc_provider import OidcProvider
    from tests.helpers.secret_service import SecretService

    from tokendesk.core.vault import FileStore, Vault, system_store

    service = SecretService().start()
    os.environ.update(service.env)
    provider = OidcProvider().start()
    try:
        home = Path(tempfile.mkdtemp(prefix="tokendesk-bench-"))
        vault = Vault(home, CountingStore(system_store(home, service.backend())))
        total, server, overhead, alone, lost = _run(provider, vault, count)
        print(f"{count} refreshes with secrets in {vault.store.description}: total {total:.1f} "
              f"ms median, HTTP exchange {server:.1f} ms, client-side overhead {overhead:.1f} "
              f"ms median (goal ≤ 5 ms; {alone:.1f} ms after the previous old slot's deletion); "
              f"tokens lost: {lost}; {vault.store.per_refresh(count)}")
        vault.close()
        memory_home = Path(tempfile.mkdtemp(prefix="tokendesk-bench-"))
        vault = Vault(memory_home, CountingStore(MemoryStore()))
        total, server, overhead, alone, lost = _run(provider, vault, count)
        print(f"the same with secrets in memory (to isolate the keyring's share): total "
              f"{total:.1f} ms, HTTP {server:.1f} ms, client-side overhead {overhead:.1f} ms "
              f"median ({alone:.1f} ms after the previous old slot's deletion); tokens lost: "
              f"{lost}; {vault.store.per_refresh(count)}")
        vault.close()
        file_home = Path(tempfile.mkdtemp(prefix="tokendesk-bench-"))
        file_store = FileStore(file_home / "secrets.enc")
        file_store.create(FILE_STORE_PASSPHRASE)
        vault = Vault(file_home, CountingStore(file_store))
        total, server, overhead, alone, lost = _run(provider, vault, count)
        print(f"{count} refreshes with secrets in the encrypted file store: total {total:.1f} "
              f"ms median, HTTP exchange {server:.1f} ms, client-side overhead {overhead:.1f} "
              f"ms median ({alone:.1f} ms after the previous old slot's deletion); tokens lost: "
              f"{lost}; {vault.store.per_refresh(count)}")
        vault.close()
    finally:
        provider.stop()
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
