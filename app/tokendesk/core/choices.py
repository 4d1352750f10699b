"""The fixed vocabularies a person chooses from, in one place for the CLI's choices, the window's
lists and the vault's checks. Imports nothing, so the command line can offer them without
loading the vault (``tokendesk decode`` starts in about twice ``python -c pass``)."""

from __future__ import annotations

__all__ = ["AUTH_METHODS", "DPOP_ALGS", "ENVIRONMENTS", "MTLS_METHODS", "SECRET_METHODS"]

#: Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523), in the order offered,
#: and what travels with each (the CLI's choices, the client form, the exchange card).
AUTH_METHODS: dict[str, str] = {
    "none": "a public client (PKCE): only its client_id is sent",
    "client_secret_basic": "the client id and secret in an HTTP Basic Authorization header",
    "client_secret_post": "the client id and secret in the form body",
    "private_key_jwt": "a client assertion signed with the client's private key (RFC 7523)",
    "tls_client_auth": "mutual TLS: a client certificate from a CA the server trusts (RFC 8705)",
    "self_signed_tls_client_auth": "mutual TLS: a self-signed client certificate registered at "
                                   "the server (RFC 8705)",
}
#: The methods that authenticate with the client certificate of the TLS connection itself.
MTLS_METHODS = frozenset({"tls_client_auth", "self_signed_tls_client_auth"})
#: The algorithms a DPoP key is made for (RFC 9449), ES256 first (the default).
DPOP_ALGS = ("ES256", "EdDSA", "RS256")
#: The methods that send a secret (or a signature made with one), never shown.
SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post", "private_key_jwt"})
#: The environment labels a client can carry ("" for none); their colors are the theme's.
ENVIRONMENTS = ("dev", "staging", "prod")
