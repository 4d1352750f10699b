"""Fixtures shared by every test: keys, a fixed clock, the shared vectors."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parent.parent
#: A copy of ../shared/vectors (RFC 7515/7519 appendix examples and the JOSE cookbook, public
#: domain), so that the tests do not depend on what lies beside the checkout.
VECTORS = Path(__file__).resolve().parent / "vectors"

#: The fixed clock of the tests: 2027-01-15 08:00:00 UTC.
NOW = 1_800_000_000


def load_vector(relative: str) -> dict:
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def rsa_private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="session")
def ec_private() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def ed_private() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def hmac_secret() -> bytes:
    return b"k" * 32 + b"-test-secret-for-hmac"


def public_pem(private) -> str:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def private_pem(private) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def certificate_pem(private) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tokendesk test")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="session")
def secret_service():
    """A real, unlocked Secret Service on a private D-Bus session, for the whole test run.

    Its environment is exported so that subprocesses (the CLI, kill tests) use it too.
    """
    from tests.helpers.secret_service import SecretService

    service = SecretService(unlock=True).start()
    saved = {k: os.environ.get(k) for k in service.env}
    os.environ.update(service.env)
    yield service
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    service.stop()


@pytest.fixture(scope="session")
def oidc_provider():
    """panva/oidc-provider on 127.0.0.1 for the whole run (rotation and reuse detection on)."""
    from tests.helpers.oidc_provider import OidcProvider

    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def dot_providers():
    """Django OAuth Toolkit on 127.0.0.1 for the whole run, one process per configuration
    (rotation on/off, reuse protection on/off, OpenID Connect on/off): see
    tests/helpers/dot_provider.py."""
    from tests.helpers.dot_provider import DotProviders

    providers = DotProviders().start()
    yield providers
    providers.stop()
