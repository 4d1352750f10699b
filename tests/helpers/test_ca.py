"""A test CA and the certificates the mutual-TLS tests need, made with ``cryptography``:

* ``ca.pem``: the CA (the provider trusts client certificates it signed; Tokendesk trusts the
  provider's server certificate through it, as a CA bundle);
* ``server.pem``/``server.key``: the provider's TLS listener, for 127.0.0.1;
* ``client.pem``/``client.key``: a client certificate signed by the CA, subject
  ``CN=tokendesk-mtls-client`` (``tls_client_auth``);
* ``self-signed.pem``/``self-signed.key``: a self-signed client certificate, registered at the
  provider by its public key (``self_signed_tls_client_auth``);
* ``stranger.pem``/``stranger.key``: a client certificate from another CA, which the provider
  does not trust.

All test values, written to a temporary directory (never outside /tmp).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CLIENT_CN = "tokendesk-mtls-client"
PEM = serialization.Encoding.PEM


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool = False, serial: int,
          ip: str | None = None) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _key_pem(key) -> bytes:
    return key.private_bytes(PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_tls_material(folder: Path) -> Path:
    """Write every file above into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("tokendesk test CA", ca_key, "tokendesk test CA", ca_key, ca=True, serial=1)
    other_key = ec.generate_private_key(ec.SECP256R1())
    files: dict[str, bytes] = {"ca.pem": ca.public_bytes(PEM)}
    for stem, cn, signer, signer_key, ip in (
            ("server", "127.0.0.1", "tokendesk test CA", ca_key, "127.0.0.1"),
            ("client", CLIENT_CN, "tokendesk test CA", ca_key, None),
            ("self-signed", "tokendesk-mtls-self", None, None, None),
            ("stranger", CLIENT_CN, "another CA", other_key, None)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(cn, key, signer or cn, signer_key or key, serial=len(files) + 1, ip=ip)
        files[f"{stem}.pem"] = cert.public_bytes(PEM)
        files[f"{stem}.key"] = _key_pem(key)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        (folder / name).chmod(0o600)
    return folder
