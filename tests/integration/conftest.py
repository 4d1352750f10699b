"""Integration fixtures shared by the exchange and support tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def keyring_vault(tmp_path, secret_service):
    """A vault under ``tmp_path/home`` with its secrets in the tests' private Secret Service."""
    from tokendesk.core.vault import KeyringStore, Vault

    home = tmp_path / "home"
    v = Vault(home, KeyringStore(home, secret_service.backend()))
    yield v
    v.close()
