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


def main(count: int = 100) -> int:
    from tests.helpers.oidc_provider import CLIENTS, OidcProvider, client_record
    from tests.helpers.secret_service import SecretService
    from tokendesk.core.oauth.exchange import Exchange
    from tokendesk.core.oauth.http import HttpClient
    from tokendesk.core.vault import TokenSet, Vault, system_store

    service = SecretService().start()
    os.environ.update(service.env)
    provider = OidcProvider().start()
    try:
        home = Path(tempfile.mkdtemp(prefix="tokendesk-bench-"))
        vault = Vault(home, system_store(home, service.backend()))
        print(f"secrets in {vault.store.description}")
        vault.add_client(client_record(provider, "tokendesk-basic"),
                         CLIENTS["tokendesk-basic"][0])
        vault.add_credential("alice", "tokendesk-basic", TokenSet(provider.mint()))
        with HttpClient() as http:
            exchange = Exchange(vault, http)
            exchange.refresh("alice")  # warm up: discovery, connections
            results = [exchange.refresh("alice") for _ in range(count)]
        total = statistics.median(r.duration for r in results) * 1e3
        server = statistics.median(r.server_time for r in results) * 1e3
        overhead = statistics.median(r.duration - r.server_time for r in results) * 1e3
        lost = count + 1 - vault.credential("alice").rotation_count
        active = exchange_active = None
        with HttpClient() as http:
            exchange_active = Exchange(vault, http).introspect("alice")["active"]
        active = "active" if exchange_active else "INACTIVE"
        print(f"{count} refreshes: total {total:.1f} ms median, HTTP exchange {server:.1f} ms, "
              f"client-side overhead {overhead:.1f} ms median (goal ≤ 5 ms)")
        print(f"tokens lost: {lost} (rotation count {vault.credential('alice').rotation_count}); "
              f"the last refresh token is {active} at the provider")
        vault.close()
    finally:
        provider.stop()
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
