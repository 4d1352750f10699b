"""The connector registry is the one list of admin connectors: the console's classes, the CLI's
--admin choices and the audience rule all come from it (issue 16)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tokendesk.cli.parser import build_parser
from tokendesk.core.support.connector import Connector
from tokendesk.core.support.registry import CONNECTOR_KEYS, REGISTRY, connector_class, info


@pytest.mark.parametrize("row", REGISTRY, ids=lambda r: r.key)
def test_each_row_names_a_connector_of_that_provider(row):
    cls = connector_class(row.key)
    assert issubclass(cls, Connector) and cls.provider == row.provider
    assert set(cls.SCOPES) >= {"find", "items"}


def test_the_cli_offers_exactly_the_registry():
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["client", "add", "x", "--issuer", "https://i.example/",
                           "--client-id", "c", "--admin", "nobody"])
    for key in CONNECTOR_KEYS:
        args = parser.parse_args(["client", "add", "x", "--issuer", "https://i.example/",
                                  "--client-id", "c", "--admin", key])
        assert args.admin == key


def test_unknown_keys():
    assert info("nobody") is None and info(None) is None
    with pytest.raises(KeyError):
        connector_class("nobody")


def test_reading_the_registry_loads_no_http_stack():
    code = ("import sys; import tokendesk.core.support.registry; "
            "print(sorted(m for m in ('httpx', 'tokendesk.core.support.console', "
            "'tokendesk.core.oauth') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
