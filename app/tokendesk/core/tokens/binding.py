"""Sender-constrained tokens: what an access token's ``cnf`` (RFC 7800) binds it to, and
whether that is a given key, DPoP proof or client certificate.

* ``cnf.jkt`` (RFC 9449 §6): the RFC 7638 SHA-256 thumbprint of the DPoP key;
* ``cnf.x5t#S256`` (RFC 8705 §3.1): the SHA-256 of the client certificate's DER, base64url.

Pure and offline. The access token's claims are read, not verified: this says what the token
claims to be bound to; ``verify`` says whether the issuer signed it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import TokendeskError, UnusableKey
from .b64 import b64url_encode
from .verdict import Check

__all__ = ["BindingCheck", "Confirmation", "certificate_thumbprint", "check_binding",
           "confirmation", "jwk_thumbprint"]

#: The members of each key type that make its RFC 7638 thumbprint.
_REQUIRED = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"),
             "OKP": ("crv", "kty", "x"), "oct": ("k", "kty")}
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members in lexical order, base64url."""
    kty = jwk.get("kty")
    names = _REQUIRED.get(kty) if isinstance(kty, str) else None
    if names is None:
        raise UnusableKey(f"no thumbprint for key type {str(kty)[:40]!r}")
    members = {}
    for name in names:
        value = jwk.get(name)
        if not isinstance(value, str):
            raise UnusableKey(f"the JWK has no {name!r} member (or it is not a string)")
        members[name] = value
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())


def certificate_thumbprint(data: str | bytes) -> str:
    """``x5t#S256`` of a certificate given as PEM (the first one) or DER."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    raw = data.encode() if isinstance(data, str) else bytes(data)
    try:
        if _PEM_CERT.search(raw):
            cert = x509.load_pem_x509_certificate(_PEM_CERT.search(raw).group(0))  # type: ignore[union-attr]
        else:
            cert = x509.load_der_x509_certificate(raw)
    except ValueError:
        raise UnusableKey("not a certificate (PEM or DER) Tokendesk can read") from None
    return b64url_encode(hashlib.sha256(cert.public_bytes(Encoding.DER)).digest())


@dataclass(frozen=True)
class Confirmation:
    """What a token's ``cnf`` says (``readable`` is False for a token whose claims cannot be
    read: an opaque token, whose binding only the server knows)."""

    readable: bool
    jkt: str | None = None
    x5t_s256: str | None = None
    #: Other confirmation members (``jwk``, ``jku``, ``kid``...): named, not compared.
    other: tuple[str, ...] = ()
    #: A ``cnf`` that is there but not an object, or members that are not strings.
    problem: str | None = None

    @property
    def bound(self) -> bool:
        return self.jkt is not None or self.x5t_s256 is not None

    def describe(self) -> str:
        if not self.readable:
            return "not a JWT with claims (an opaque token?): its binding cannot be read here"
        if self.problem:
            return self.problem
        parts = []
        if self.jkt is not None:
            parts.append(f"bound to DPoP key thumbprint {self.jkt}")
        if self.x5t_s256 is not None:
            parts.append(f"bound to client certificate thumbprint {self.x5t_s256}")
        if self.other:
            parts.append(f"confirmation by {', '.join(self.other)} (not compared)")
        return "; ".join(parts) if parts else "not bound (no cnf): a bearer token"

    def to_dict(self) -> dict[str, Any]:
        return {"readable": self.readable, "jkt": self.jkt, "x5t#S256": self.x5t_s256,
                "other": list(self.other), "problem": self.problem,
                "description": self.describe()}


def confirmation(token: str | dict[str, Any]) -> Confirmation:
    """The ``cnf`` of a token (text) or of its claims (a dict)."""
    if isinstance(token, dict):
        claims: Any = token
    else:
        from .decoding import decode_token

        claims = decode_token(token.strip()).claims
    if not isinstance(claims, dict):
        return Confirmation(False)
    if "cnf" not in claims:
        return Confirmation(True)
    cnf = claims["cnf"]
    if not isinstance(cnf, dict):
        return Confirmation(True, problem="cnf is not a JSON object (RFC 7800 §3.1)")
    jkt, x5t = cnf.get("jkt"), cnf.get("x5t#S256")
    bad = [n for n, v in (("jkt", jkt), ("x5t#S256", x5t)) if v is not None
           and not isinstance(v, str)]
    if bad:
        return Confirmation(True, problem=f"cnf.{bad[0]} is not a string")
    return Confirmation(True, jkt, x5t, tuple(sorted(k for k in cnf
                                                     if k not in ("jkt", "x5t#S256"))))


@dataclass(frozen=True)
class BindingCheck:
    """Whether a token's ``cnf`` matches the key, proof or certificate given."""

    valid: bool
    checks: tuple[Check, ...]
    confirmation: Confirmation = field(repr=False)

    @property
    def verdict(self) -> str:
        return "BOUND" if self.valid else "NOT BOUND"

    @property
    def reason(self) -> str:
        failed = [c for c in self.checks if not c.passed]
        return failed[0].reason if failed else self.checks[0].reason

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "verdict": self.verdict,
                "cnf": self.confirmation.to_dict(),
                "checks": [{"name": c.name, "passed": c.passed, "status": c.status,
                            "reason": c.reason, **({"code": c.code} if c.code else {})}
                           for c in self.checks]}


def check_binding(access_token: str | dict[str, Any], *, proof: str | None = None,
                  key: str | bytes | None = None,
                  certificate: str | bytes | None = None) -> BindingCheck:
    """Compare the token's ``cnf`` with a DPoP ``proof``'s key, a public or private ``key``
    (PEM, JWK...; its thumbprint), or a client ``certificate``. Never raises: what cannot be
    read is a failed check."""
    cnf = confirmation(access_token)
    checks: list[Check] = []
    if proof is not None or key is not None:
        theirs, what = _key_thumbprint(proof, key, checks)
        if theirs is not None:
            checks.append(_compare("cnf.jkt", cnf, cnf.jkt, theirs, what))
    if certificate is not None:
        try:
            x5t = certificate_thumbprint(certificate)
        except TokendeskError as exc:
            checks.append(Check("certificate", False, exc.message))
        else:
            checks.append(_compare("cnf.x5t#S256", cnf, cnf.x5t_s256, x5t,
                                   "the certificate"))
    if not checks:
        checks.append(Check("binding", False, "give a DPoP proof, a key or a certificate to "
                            "compare the token's cnf with"))
    return BindingCheck(all(c.passed for c in checks), tuple(checks), cnf)


def _key_thumbprint(proof: str | None, key: str | bytes | None,
                    checks: list[Check]) -> tuple[str | None, str]:
    if proof is not None:
        from .decoding import decode_token

        header = decode_token(proof.strip()).header or {}
        jwk = header.get("jwk")
        if not isinstance(jwk, dict):
            checks.append(Check("proof", False, "the proof has no jwk header: no key to compare"))
            return None, ""
        try:
            return jwk_thumbprint(jwk), "the proof's key"
        except TokendeskError as exc:
            checks.append(Check("proof", False, f"the proof's jwk: {exc.message}"))
            return None, ""
    assert key is not None
    from .keys import load_keys

    try:
        keys = load_keys(key)
    except TokendeskError as exc:
        checks.append(Check("key", False, f"the key cannot be read: {exc.message}"))
        return None, ""
    if len(keys.keys) != 1 or keys.keys[0].thumbprint is None:
        checks.append(Check("key", False, "give one public (or private) key: a key set or a "
                            "shared secret has no single thumbprint"))
        return None, ""
    return keys.keys[0].thumbprint, f"the {keys.keys[0].description} key"


def _compare(name: str, cnf: Confirmation, bound: str | None, theirs: str,
             what: str) -> Check:
    if not cnf.readable:
        return Check(name, False, f"the token is {cnf.describe()}", code="unreadable")
    if cnf.problem:
        return Check(name, False, cnf.problem, code="bad_cnf")
    if bound is None:
        return Check(name, False, f"the token has no {name} ({cnf.describe()}); {what} has "
                     f"thumbprint {theirs}", code="not_bound")
    if hmac.compare_digest(bound.encode(), theirs.encode()):
        return Check(name, True, f"bound to {what} (thumbprint {theirs})")
    return Check(name, False, f"the token is bound to {bound}, but {what} has thumbprint "
                 f"{theirs}", code="mismatch")
