"""Client-side overhead of a refresh, against panva/oidc-provider on 127.0.0.1.

    .venv/bin/python -m tests.benchmarks.bench_refresh [N]

Starts a private Secret Service and the provider, stores a credential, refreshes it N times
(default 100) and prints: the median total time, the median time the HTTP exchange took (the
server's handling plus loopback), their difference (the client-side overhead: keyring reads and
writes, the rotation protocol, the index), and how many tokens were lost (must be 0).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path


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
        results = [exchange.refresh("alice") for _ in range(count)]
    total = statistics.median(r.duration for r in results) * 1e3
    server = statistics.median(r.server_time for r in results) * 1e3
    overhead = statistics.median(r.duration - r.server_time for r in results) * 1e3
    return total, server, overhead, count + 1 - vault.credential("alice").rotation_count


def main(count: int = 100) -> int:
    from tests.helpers.oidc_provider import OidcProvider
    from tests.helpers.secret_service import SecretService
    from tokendesk.core.vault import Vault, system_store

    service = SecretService().start()
    os.environ.update(service.env)
    provider = OidcProvider().start()
    try:
        home = Path(tempfile.mkdtemp(prefix="tokendesk-bench-"))
        vault = Vault(home, system_store(home, service.backend()))
        total, server, overhead, lost = _run(provider, vault, count)
        print(f"{count} refreshes with secrets in {vault.store.description}: total {total:.1f} "
              f"ms median, HTTP exchange {server:.1f} ms, client-side overhead {overhead:.1f} "
              f"ms median (goal ≤ 5 ms); tokens lost: {lost}")
        vault.close()
        memory_home = Path(tempfile.mkdtemp(prefix="tokendesk-bench-"))
        vault = Vault(memory_home, MemoryStore())
        total, server, overhead, lost = _run(provider, vault, count)
        print(f"the same with secrets in memory (to isolate the keyring's share): total "
              f"{total:.1f} ms, HTTP {server:.1f} ms, client-side overhead {overhead:.1f} ms; "
              f"tokens lost: {lost}")
        vault.close()
    finally:
        provider.stop()
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
