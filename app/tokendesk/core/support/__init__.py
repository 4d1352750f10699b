"""Support console: find a customer at the identity provider and revoke their tokens, sessions
and grants through its admin API (Auth0, Keycloak, Okta), with an audit trail."""

from .api import AdminApi, MachineToken
from .connector import ACTIONS, Connector
from .console import CONNECTORS, SupportConsole, audit_target
from .model import AdminItem, AdminUser, Outcome, Revocation

__all__ = [
    "ACTIONS",
    "CONNECTORS",
    "AdminApi",
    "AdminItem",
    "AdminUser",
    "Connector",
    "MachineToken",
    "Outcome",
    "Revocation",
    "SupportConsole",
    "audit_target",
]
