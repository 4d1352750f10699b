"""The admin connectors, in one table that the console, the window and the command line read.

Adding a provider takes two files: its connector module (a :class:`~.connector.Connector`
subclass) and one :class:`ConnectorInfo` row here. The window's "Admin connection" choices and
defaults, the CLI's ``--admin`` choices, display names and the machine token's audience rule all
come from this table. Importing it loads no connector and no HTTP library, so the command line
can offer the choices without slowing down.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .connector import Connector

__all__ = ["CONNECTOR_KEYS", "REGISTRY", "ConnectorInfo", "connector_class", "info"]


class ConnectorInfo(NamedTuple):
    key: str  # what a vault client stores as its admin_provider
    provider: str  # the provider's name, in messages and the audit log
    api: str  # the admin API, as the window offers it
    module: str  # the connector's module in this package, and its class
    cls: str
    #: The client authentication and scope the provider's admin clients use by default (the
    #: machine token comes from the client credentials grant).
    auth_method: str
    scope: str = ""
    #: The machine token is asked for with the admin API's URL as its audience (Auth0).
    api_audience: bool = False
    #: What to set up at the provider for an admin connection, in words.
    setup: str = ""


REGISTRY: tuple[ConnectorInfo, ...] = (
    ConnectorInfo("auth0", "Auth0", "Auth0 Management API", "auth0", "Auth0",
                  "client_secret_post", api_audience=True,
                  setup="A Machine to Machine application authorized for the Auth0 Management "
                        "API with read:users, delete:refresh_tokens, delete:sessions and "
                        "delete:grants."),
    ConnectorInfo("keycloak", "Keycloak", "Keycloak Admin REST API", "keycloak", "Keycloak",
                  "client_secret_basic",
                  setup="A confidential client with a service account holding the "
                        "realm-management roles view-users and manage-users."),
    # Okta's management API takes tokens from the org authorization server, signed with
    # private_key_jwt
    ConnectorInfo("okta", "Okta", "Okta Users API", "okta", "Okta", "private_key_jwt",
                  "okta.users.read okta.users.manage",
                  setup="An API service app (private_key_jwt) granted okta.users.read and "
                        "okta.users.manage; the org authorization server issues its tokens."),
)
CONNECTOR_KEYS = tuple(i.key for i in REGISTRY)


def info(key: str | None) -> ConnectorInfo | None:
    return next((i for i in REGISTRY if i.key == key), None)


def connector_class(key: str) -> type[Connector]:
    found = info(key)
    if found is None:
        raise KeyError(key)
    cls: type[Connector] = getattr(import_module(f"{__package__}.{found.module}"), found.cls)
    return cls
