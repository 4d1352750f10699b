"""Mutual TLS (RFC 8705): a client that presents its certificate, for client authentication
(``tls_client_auth``, ``self_signed_tls_client_auth``) and for certificate-bound tokens
(``cnf.x5t#S256``).

The certificate and its key come from the vault (the client's keyring service); each client
with one gets its own HTTP client. Python's TLS loads a key only from a file: the key is
written encrypted under a random password that exists only in memory, to an anonymous
in-memory file where the system has them (Linux ``memfd``) or else a private temporary
directory, and removed as soon as it is loaded. The key is never in a file in clear.

A server may publish other URLs for mutual TLS (``mtls_endpoint_aliases``, RFC 8705 §5); a
client with a certificate uses them, and an endpoint set by hand still wins.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import ssl
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import UnusableKey
from .http import HttpClient

if TYPE_CHECKING:
    from ..vault.bindings import ClientCertificate
    from .endpoints import ResolvedEndpoints

__all__ = ["certificate_http", "endpoint_urls"]


def certificate_http(base: HttpClient, certificate: ClientCertificate) -> HttpClient:
    """An HTTP client like ``base`` (timeout, CA bundle) that presents ``certificate``."""
    context = ssl.create_default_context(cafile=base.ca_bundle) if base.ca_bundle \
        else ssl.create_default_context()
    _load_chain(context, certificate)
    return HttpClient(timeout=base.timeout, ca_bundle=base.ca_bundle, transport=base.transport,
                      max_body=base.max_body, ssl_context=context)


def _load_chain(context: ssl.SSLContext, certificate: ClientCertificate) -> None:
    from cryptography.hazmat.primitives import serialization

    password = secrets.token_hex(32).encode()
    try:
        key = serialization.load_pem_private_key(certificate.private_key.encode(), None)
        sealed = key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.BestAvailableEncryption(password))
    except (ValueError, TypeError):
        raise UnusableKey("the client certificate's key cannot be read") from None
    try:
        with _private_file(certificate.certificate.encode()) as cert_path, \
                _private_file(sealed) as key_path:
            context.load_cert_chain(cert_path, key_path, password=password)
    except (ssl.SSLError, OSError) as exc:
        raise UnusableKey(f"the client certificate cannot be used for TLS "
                          f"({type(exc).__name__})") from None


@contextlib.contextmanager
def _private_file(data: bytes) -> Iterator[str]:
    """A path holding ``data`` that only this process reads, gone when the block ends."""
    memfd = getattr(os, "memfd_create", None)
    if memfd is not None and os.path.isdir("/proc/self/fd"):
        fd = memfd("tokendesk-tls", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="tokendesk-tls-") as folder:  # mode 0700
        path = os.path.join(folder, "part.pem")
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(handle, data)
        finally:
            os.close(handle)
        try:
            yield path
        finally:
            os.unlink(path)


def endpoint_urls(found: ResolvedEndpoints, *, mtls: bool) -> Callable[[str], str | None]:
    """Each endpoint's URL for a client: with ``mtls``, the server's mutual-TLS alias where it
    publishes one (RFC 8705 §5) instead of the discovered URL; one set by hand always wins."""
    if not mtls or found.metadata is None:
        return found.url
    aliases: Any = found.metadata.raw.get("mtls_endpoint_aliases")
    if not isinstance(aliases, dict):
        return found.url

    def url(name: str) -> str | None:
        from .endpoints import BY_HAND

        endpoint = found.endpoints.get(name)
        alias = aliases.get(name)
        if endpoint is not None and endpoint.source == BY_HAND:
            return endpoint.url
        return alias if isinstance(alias, str) and alias else found.url(name)

    return url
