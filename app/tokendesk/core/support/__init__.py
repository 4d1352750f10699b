"""Support console: find a customer at the identity provider and revoke their tokens, sessions
and grants through its admin API (Auth0, Keycloak, Okta), with an audit trail.

The names below are loaded on first use, so that the connector registry (``.registry``) can be
read without the HTTP stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {"AdminApi": "api", "MachineToken": "api", "ACTIONS": "connector",
          "Connector": "connector", "CONNECTORS": "console", "SupportConsole": "console",
          "audit_target": "console", "AdminItem": "model", "AdminUser": "model",
          "Outcome": "model", "Revocation": "model"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
