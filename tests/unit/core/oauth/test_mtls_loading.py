"""A client certificate's key goes into TLS without a file in clear (issue 18): through an
anonymous in-memory file where the system has one, else a private temporary directory that is
gone afterwards; the key written there is encrypted under a password held only in memory."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.conftest import certificate_pem, private_pem
from tokendesk.core.errors import UnusableKey
from tokendesk.core.oauth import mtls
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.vault.bindings import ClientCertificate


@pytest.fixture
def pair(ec_private):
    return ClientCertificate(certificate_pem(ec_private), private_pem(ec_private))


def _leftovers() -> list[str]:
    return [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("tokendesk-tls-")]


@pytest.mark.parametrize("memfd", [True, False])
def test_the_key_is_loaded_and_nothing_is_left_behind(pair, monkeypatch, memfd):
    seen: list[bytes] = []
    real = mtls._private_file

    def spy(data):
        seen.append(data)
        return real(data)

    if not memfd:
        monkeypatch.delattr(os, "memfd_create", raising=False)
    monkeypatch.setattr(mtls, "_private_file", spy)
    before = _leftovers()
    with HttpClient(timeout=3) as base:
        client = mtls.certificate_http(base, pair)
        assert client.timeout == 3 and client is not base
        client.close()
    assert _leftovers() == before
    key_part = seen[1].decode()
    assert "ENCRYPTED PRIVATE KEY" in key_part  # never the key in clear
    assert "".join(pair.private_key.splitlines()[1:-1])[:40] not in key_part.replace("\n", "")


def test_a_key_that_is_not_the_certificates_is_refused(pair, rsa_private):
    with HttpClient(timeout=3) as base, pytest.raises(UnusableKey, match="cannot be used"):
        mtls.certificate_http(base, pair._replace(private_key=private_pem(rsa_private)))
    with HttpClient(timeout=3) as base, pytest.raises(UnusableKey, match="cannot be read"):
        mtls.certificate_http(base, pair._replace(private_key="not a key"))
