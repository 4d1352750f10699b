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


class _KeycloakRun:
    """The tests' Keycloak once started, and how many tests used it (for the run's last lines:
    its start-up time is a figure the project keeps)."""

    server = None
    tests = 0


@pytest.fixture(scope="session")
def keycloak():
    """Keycloak (tests/helpers/keycloak.py) on 127.0.0.1, started on first use and once per
    session, with the realms of tests/helpers/keycloak_realms.py. Skipped only when this machine
    has no Java 21+ or no Keycloak distribution (the reason is stated)."""
    from tests.helpers.keycloak import Keycloak, skip_reason

    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    server = Keycloak().start()
    _KeycloakRun.server = server
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _count_keycloak_tests(request):
    yield
    if "keycloak" in request.fixturenames and _KeycloakRun.server is not None:
        _KeycloakRun.tests += 1


def pytest_terminal_summary(terminalreporter):
    kc = _KeycloakRun.server
    if kc is not None:
        from tests.helpers.keycloak import VERSION

        build = "built for dev mode on this start" if kc.server.rebuilt else "cached build"
        terminalreporter.write_line(
            f"Keycloak {VERSION}: started in {kc.startup_seconds:.1f} s ({build}), realms set "
            f"up in {kc.configure_seconds:.1f} s; {_KeycloakRun.tests} tests ran against it")
