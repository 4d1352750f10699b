"""The fixed vocabularies a person chooses from, in one place for the CLI's choices, the window's
lists and the vault's checks. Imports nothing, so the command line can offer them without
loading the vault (``tokendesk decode`` starts in about twice ``python -c pass``)."""

from __future__ import annotations

__all__ = ["AUTH_METHODS", "ENVIRONMENTS"]

#: Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523), and what each means.
AUTH_METHODS: dict[str, str] = {
    "client_secret_basic": "the client secret in an HTTP Basic Authorization header",
    "client_secret_post": "the client secret in the form body",
    "none": "a public client (PKCE): no secret",
    "private_key_jwt": "a JWT signed with the client's private key (RFC 7523)",
}
#: The environment labels a client can carry ("" for none); their colors are the theme's.
ENVIRONMENTS = ("dev", "staging", "prod")
