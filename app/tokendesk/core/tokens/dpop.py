"""DPoP (RFC 9449): the proof a client signs for each request, and what both sides compute
from it. Pure JOSE, no network: the HTTP side (nonces, retries) is ``oauth.dpop``, the checks
of a proof someone hands over are :mod:`.dpop_check`.

A proof is a JWT with ``typ: dpop+jwt`` and the public ``jwk`` in its header, and the claims
``jti`` (unique), ``htm`` (the HTTP method), ``htu`` (the target URI without query and
fragment), ``iat``; ``ath`` (the access token's SHA-256, base64url) when it goes with an access
token to a resource, and ``nonce`` when the server gave one (RFC 9449 §4.2, §8, §9).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidInput, UnsupportedAlgorithm, UnusableKey
from .b64 import b64url_encode
from .encode import SigningKey, encode, generate_key, load_signing_key
from .keycheck import jwk_from_public_key, thumbprint

__all__ = ["DEFAULT_ALG", "DPOP_ALGS", "DPOP_TYP", "access_token_hash", "dumps",
           "generate_dpop_key", "jkt", "load_dpop_key", "make_proof", "public_jwk", "target_uri"]

DPOP_TYP = "dpop+jwt"
DEFAULT_ALG = "ES256"
#: The algorithms a DPoP key is made for (ES256 by default), with the key each needs.
DPOP_ALGS: dict[str, str] = {
    "ES256": "an EC P-256 key",
    "EdDSA": "an Ed25519 key",
    "RS256": "an RSA 2048-bit key",
}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def generate_dpop_key(alg: str = DEFAULT_ALG) -> SigningKey:
    """A fresh key for DPoP proofs (never leaves the keyring except as proofs' public jwk)."""
    if alg == "ES256":
        key = generate_key("EC", curve="P-256")
    elif alg == "EdDSA":
        key = generate_key("Ed25519")
    elif alg == "RS256":
        key = generate_key("RSA", size=2048, alg="RS256")
    else:
        raise UnsupportedAlgorithm(f"DPoP keys are made for {', '.join(DPOP_ALGS)}, not "
                                   f"{str(alg)[:40]!r}")
    return replace(key, kid=None)


def load_dpop_key(private_jwk: str) -> SigningKey:
    """A DPoP key as stored (its private JWK, with its ``alg``)."""
    key = load_signing_key(private_jwk)
    if key.alg not in DPOP_ALGS or isinstance(key.private, bytes):
        raise UnusableKey(f"a stored DPoP key is for {key.alg!r}, not one of "
                          f"{', '.join(DPOP_ALGS)}")
    return replace(key, kid=None)


def public_jwk(key: SigningKey) -> dict[str, str]:
    """The public JWK that goes in a proof's header: the required members only, never a
    private one (RFC 9449 §4.2)."""
    if isinstance(key.private, bytes):
        raise UnusableKey("a DPoP key is asymmetric: a shared secret cannot make proofs")
    return jwk_from_public_key(key.private.public_key())


def jkt(key: SigningKey) -> str:
    """The key's RFC 7638 thumbprint: what ``cnf.jkt`` of a bound token says."""
    return thumbprint(public_jwk(key))


def target_uri(url: str) -> str:
    """``htu``: the URL without query and fragment, its scheme and host in lower case and a
    default port left out (RFC 9449 §4.2, RFC 3986 §6.2.2-6.2.3), so both sides compare the
    same text."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"not a URL: {url[:200]!r}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise InvalidInput(f"not an http(s) URL: {url[:200]!r}")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def access_token_hash(access_token: str) -> str:
    """``ath``: base64url of the SHA-256 of the access token's ASCII (RFC 9449 §4.2)."""
    return b64url_encode(hashlib.sha256(access_token.encode("ascii", "strict")).digest())


def make_proof(key: SigningKey, method: str, url: str, *, now: float,
               jti: str | None = None, access_token: str | None = None,
               nonce: str | None = None) -> str:
    """A DPoP proof for one request (``method`` on ``url``, at ``now``)."""
    if key.alg not in DPOP_ALGS:
        raise UnsupportedAlgorithm(f"DPoP proofs are signed with {', '.join(DPOP_ALGS)}, not "
                                   f"{key.alg!r}")
    if not method or not method.isascii() or not method.isalpha():
        raise InvalidInput(f"not an HTTP method: {method[:40]!r}")
    claims: dict[str, Any] = {"jti": jti or uuid.uuid4().hex, "htm": method.upper(),
                              "htu": target_uri(url), "iat": int(now)}
    if access_token is not None:
        try:
            claims["ath"] = access_token_hash(access_token)
        except UnicodeEncodeError:
            raise InvalidInput("the access token is not ASCII: it cannot be sent") from None
    if nonce is not None:
        claims["nonce"] = nonce
    header = {"typ": DPOP_TYP, "jwk": public_jwk(key)}
    return encode(claims, replace(key, kid=None), header=header)


def dumps(key: SigningKey) -> str:
    """The stored form of a DPoP key: its private JWK (kept in the keyring only)."""
    return json.dumps(key.private_jwk(), separators=(",", ":"))
