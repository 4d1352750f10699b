"""The support console: admin connections from the vault, user lookups, revocations, audit.

An admin connection is a vault client whose ``admin_provider`` names a connector of the
registry (``registry.py``: "auth0", "keycloak", "okta"); its secret (or private key) is in the
keyring like any client's. Every revocation is written to the vault's audit log — who ran it
here, the provider, the user, what was revoked and each of the provider's HTTP statuses —
whatever the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..errors import AdminError, Cancelled, VaultError
from ..oauth.exchange import Exchange
from ..vault.model import AuditEntry, Client
from .api import AdminApi, MachineToken
from .connector import ACTIONS, Connector
from .model import AdminItem, AdminUser, Progress, Revocation
from .registry import CONNECTOR_KEYS, connector_class, info

__all__ = ["CONNECTORS", "SupportConsole", "audit_target"]

#: key -> connector class, from the registry (``registry.py``: add a provider there)
CONNECTORS: dict[str, type[Connector]] = {k: connector_class(k) for k in CONNECTOR_KEYS}


def audit_target(provider: str, user_id: str) -> str:
    return f"support:{provider.lower()}:{user_id}"


class SupportConsole:
    def __init__(self, exchange: Exchange, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, max_wait: float = 60.0) -> None:
        self.exchange = exchange
        self.vault = exchange.vault
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self._connections: dict[str, Connector] = {}

    def connections(self) -> list[Client]:
        return [c for c in self.vault.clients() if c.admin_provider in CONNECTORS]

    def connection(self, name: str) -> Connector:
        """The connector for the admin client ``name`` (its machine token is cached with it)."""
        cached = self._connections.get(name)
        if cached is not None:
            return cached
        client = self.vault.client(name)
        kind = CONNECTORS.get(client.admin_provider)
        described = info(client.admin_provider)
        if kind is None or described is None:
            raise VaultError(f"{name} is not an admin connection: mark the client as admin for "
                             f"{', '.join(CONNECTORS)}")
        base = client.endpoints.get("admin_api") or kind.api_base(client.issuer)
        audience = client.audience or (base + "/" if described.api_audience else None)
        scope = client.scope or None

        def fetch() -> Any:  # the one client grant: audited, with a history row
            return self.exchange.client_grant(name, audience=audience, scope=scope)[1]

        token = MachineToken(fetch, clock=self.clock)
        api = AdminApi(self.exchange.http, base, token, kind.provider, sleep=self.sleep,
                       clock=self.clock, max_wait=self.max_wait)
        connector = kind(api)
        self._connections[name] = connector
        return connector

    def scopes(self, name: str) -> list[str]:
        """The machine token's granted scopes or roles (fetching the token if needed)."""
        return self.connection(name).granted()

    def find(self, name: str, query: str, progress: Progress | None = None) -> list[AdminUser]:
        if not query.strip():
            raise AdminError("type an email, a user id or a name to search for")
        return self.connection(name).find(query, progress)

    def user(self, name: str, user_id: str) -> AdminUser:
        return self.connection(name).user(user_id)

    def items(self, name: str, user_id: str, progress: Progress | None = None
              ) -> list[AdminItem]:
        return self.connection(name).items(user_id, progress)

    def revoke(self, name: str, user_id: str, action: str, item_id: str | None = None,
               progress: Progress | None = None) -> Revocation:
        connector = self.connection(name)
        target = audit_target(connector.provider, user_id)
        what = ACTIONS.get(action, action) + (f" {item_id}" if item_id else "")
        try:
            result = connector.revoke(user_id, action, item_id, progress)
        except (AdminError, Cancelled) as exc:
            self.vault.audit("support revoke cancelled" if isinstance(exc, Cancelled)
                             else "support revoke failed", target,
                             f"{connector.provider} via {name}: {what}: {exc.message}")
            raise
        statuses = "; ".join(f"{o.target}: {'ok' if o.ok else 'FAILED'} "
                             f"(HTTP {o.status if o.status is not None else '-'})"
                             for o in result.outcomes) or "nothing to revoke"
        self.vault.audit("support revoke" if result.ok or not result.outcomes
                         else "support revoke partly failed", target,
                         f"{connector.provider} via {name}: {what}: {statuses}")
        return result

    def confirmation(self, name: str, user: AdminUser, action: str,
                     item: AdminItem | None = None) -> str:
        """What a person confirms: the user, the provider and what will stop working."""
        connector = self.connection(name)
        who = user.email or user.name or user.id
        thing = ACTIONS[action] + (f" ({item.kind} {item.id}"
                                   + (f", client {item.client}" if item.client else "") + ")"
                                   if item else "")
        return (f"{thing[0].upper()}{thing[1:]} for {who} ({user.id}) at {connector.provider} "
                f"({name})?\n\nWhat stops working: {connector.CONSEQUENCES[action]}.\n\n"
                "This cannot be undone from Tokendesk.")

    def audit_trail(self, provider: str, user_id: str) -> list[AuditEntry]:
        return self.vault.index.audit_log(target=audit_target(provider, user_id))

    def audit_csv(self, provider: str, user_id: str) -> str:
        """This user's support actions as CSV, for a ticket (no secrets are ever in it)."""
        import csv
        import io

        from ..timefmt import format_utc

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["time_utc", "action", "target", "detail", "actor"])  # as `tokendesk audit`
        for e in self.audit_trail(provider, user_id):
            writer.writerow([format_utc(e.at), e.action, e.target, e.detail, e.actor])
        return out.getvalue()
