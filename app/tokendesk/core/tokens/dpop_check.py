"""Checking a DPoP proof on its own (RFC 9449 §4.3), as a resource server or an authorization
server would: its form, ``typ``, an asymmetric ``alg``, the signature under the public key in
its own ``jwk`` header (which must hold no private member), ``htm``/``htu`` against the request
the person names, ``iat`` within a window of an injected clock, ``nonce`` and ``ath`` when they
are given, and, with a JWT access token, its ``cnf.jkt`` against the proof's key.

Pure and offline; nothing raises out of :func:`check_proof` (SECURITY.md 4). A proof's ``jti``
must be unique at the server: one proof alone cannot show that, and the verdict says so.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import TokendeskError
from ..timefmt import format_utc, human_duration, is_finite, is_json_number
from .binding import confirmation, jwk_thumbprint
from .dpop import DPOP_TYP, access_token_hash, target_uri
from .parse import _json_int, parse_strict
from .verdict import Check

__all__ = ["DEFAULT_MAX_AGE", "ProofCheck", "check_proof"]

#: How old a proof may be (seconds): servers accept a few minutes at most.
DEFAULT_MAX_AGE = 300.0
#: How far in the future a proof's iat may be (seconds), for clocks that differ a little.
DEFAULT_LEEWAY = 5.0
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_REQUIRED = ("jti", "htm", "htu", "iat")


@dataclass(frozen=True)
class ProofCheck:
    """The verdict on one proof: each check with its reason, and what the proof says."""

    valid: bool
    checks: tuple[Check, ...]
    header: dict[str, Any] | None = field(default=None, repr=False)
    claims: dict[str, Any] | None = field(default=None, repr=False)
    #: The RFC 7638 thumbprint of the proof's key (what ``cnf.jkt`` of a token bound to it
    #: says), when its jwk could be read.
    jkt: str | None = None

    @property
    def verdict(self) -> str:
        return "VALID" if self.valid else "INVALID"

    @property
    def reason(self) -> str:
        failed = [c for c in self.checks if not c.passed]
        if failed:
            return failed[0].reason
        return f"the proof is valid ({sum(1 for c in self.checks if c.checked)} checks)"

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "verdict": self.verdict, "jkt": self.jkt,
                "alg": (self.header or {}).get("alg"),
                "claims": {k: v for k, v in (self.claims or {}).items()
                           if k in ("jti", "htm", "htu", "iat", "nonce", "ath")},
                "checks": [{"name": c.name, "passed": c.passed if c.checked else None,
                            "status": c.status, "reason": c.reason,
                            **({"code": c.code} if c.code else {})} for c in self.checks]}


def check_proof(proof: str, *, method: str, url: str, now: float,
                max_age: float = DEFAULT_MAX_AGE, leeway: float = DEFAULT_LEEWAY,
                access_token: str | None = None, nonce: str | None = None) -> ProofCheck:
    """Check ``proof`` as the proof of a ``method`` request to ``url`` received at ``now``.

    ``access_token``: the token sent with it (``ath`` must be its hash; a JWT's ``cnf.jkt``
    must be the proof's key); ``nonce``: the one the server gave.
    """
    try:
        return _check(proof.strip(), method, url, float(now), float(max_age), float(leeway),
                      access_token, nonce)
    except Exception as exc:  # noqa: BLE001 - SECURITY.md 4: any failure means invalid
        return ProofCheck(False, (Check("internal", False, "the proof could not be checked "
                                        f"({type(exc).__name__})"),))


def _check(proof: str, method: str, url: str, now: float, max_age: float, leeway: float,
           access_token: str | None, nonce: str | None) -> ProofCheck:
    for name, value in (("now", now), ("max age", max_age), ("leeway", leeway)):
        if not is_finite(value) or value < 0:
            return ProofCheck(False, (Check("input", False, f"the {name} is not a finite, "
                                            "non-negative number"),))
    parsed = parse_strict(proof)
    if isinstance(parsed, str):
        return ProofCheck(False, (Check("format", False, parsed),))
    header = parsed.header
    checks: list[Check] = [Check("format", True, "a compact JWS")]
    try:
        claims = json.loads(parsed.payload_bytes, parse_int=_json_int)
    except (ValueError, RecursionError):
        claims = None
    if not isinstance(claims, dict):
        checks.append(Check("format", False, "the payload is not a JSON object"))
        return ProofCheck(False, tuple(checks), header)
    typ = header.get("typ")
    checks.append(Check("typ", True, f"typ is {DPOP_TYP}") if typ == DPOP_TYP else
                  Check("typ", False, f"typ is {typ!r}, not {DPOP_TYP!r}: not a DPoP proof "
                        "(RFC 9449 §4.3)", code="wrong_typ"))
    key, jkt = _key_check(header, checks)
    if key is not None:
        _signature_check(key, header, parsed.signing_input, parsed.signature, checks)
    missing = [c for c in _REQUIRED if c not in claims]
    if missing:
        checks.append(Check("claims", False, f"the proof lacks {', '.join(missing)} "
                            "(RFC 9449 §4.2 requires jti, htm, htu and iat)"))
    elif not isinstance(claims["jti"], str) or not claims["jti"]:
        checks.append(Check("jti", False, "jti is not a non-empty string"))
    else:
        checks.append(Check("jti", True, "whether this jti was used before only the server "
                            "that received it can tell", checked=False))
    _request_checks(claims, method, url, checks)
    _time_check(claims, now, max_age, leeway, checks)
    _nonce_check(claims, nonce, checks)
    _token_checks(claims, access_token, jkt, checks)
    valid = all(c.passed for c in checks)
    return ProofCheck(valid, tuple(checks), header, claims, jkt)


def _key_check(header: dict[str, Any], checks: list[Check]) -> tuple[Any, str | None]:
    """The public key of the ``jwk`` header, checked; ``(None, None)`` with a failed check."""
    from .keys import load_jwk_document

    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        checks.append(Check("jwk", False, "the header has no jwk (the proof's public key)"))
        return None, None
    private = [m for m in _PRIVATE_MEMBERS if m in jwk]
    if private:
        checks.append(Check("jwk", False, "the jwk header holds private key material "
                            f"({', '.join(private)}): refused (RFC 9449 §4.3), and that key "
                            "must be treated as leaked", code="private_jwk"))
        return None, None
    if jwk.get("kty") == "oct":
        checks.append(Check("jwk", False, "the jwk is a shared secret (oct): a DPoP proof is "
                            "signed with an asymmetric key", code="symmetric_jwk"))
        return None, None
    try:
        keys = load_jwk_document({k: v for k, v in jwk.items() if k not in ("kid",)})
    except TokendeskError as exc:
        checks.append(Check("jwk", False, f"the jwk cannot be used: {exc.message}"))
        return None, None
    key = keys.keys[0]
    jkt = jwk_thumbprint(jwk)
    checks.append(Check("jwk", True, f"{key.description} public key, thumbprint {jkt}"))
    return key, jkt


def _signature_check(key: Any, header: dict[str, Any], signing_input: bytes, signature: bytes,
                     checks: list[Check]) -> None:
    from .signatures import check_signature

    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg.startswith("HS"):
        checks.append(Check("algorithm", False, f"alg {alg!r}: a DPoP proof is signed with an "
                            "asymmetric algorithm (RFC 9449 §4.3)"))
        return
    if alg not in key.algorithms:
        checks.append(Check("algorithm", False, f"alg {alg} does not fit the {key.description} "
                            f"key of the jwk header (it can verify {', '.join(sorted(key.algorithms))})"))
        return
    checks.append(Check("algorithm", True, f"{alg}, fitting the jwk's key"))
    if not signature:
        checks.append(Check("signature", False, "the signature is empty: refused"))
        return
    failure = check_signature(key, alg, signing_input, signature)
    checks.append(Check("signature", failure is None,
                        failure or "the signature is valid under the jwk of its header"))


def _request_checks(claims: dict[str, Any], method: str, url: str, checks: list[Check]) -> None:
    htm = claims.get("htm")
    if "htm" in claims:
        wanted = method.strip().upper()
        checks.append(Check("htm", True, f"htm is {wanted}") if htm == wanted else
                      Check("htm", False, f"htm is {htm!r}, but the request is {wanted}",
                            code="htm_mismatch"))
    htu = claims.get("htu")
    if "htu" in claims:
        wanted = target_uri(url)
        try:
            theirs = target_uri(htu) if isinstance(htu, str) else None
        except TokendeskError:
            theirs = None
        if theirs == wanted:
            checks.append(Check("htu", True, f"htu is {wanted}"))
        else:
            checks.append(Check("htu", False, f"htu is {htu!r}, but the request goes to "
                                f"{wanted} (compared without query and fragment)",
                                code="htu_mismatch"))


def _time_check(claims: dict[str, Any], now: float, max_age: float, leeway: float,
                checks: list[Check]) -> None:
    if "iat" not in claims:
        return
    iat = claims["iat"]
    if not is_json_number(iat) or not is_finite(iat):
        checks.append(Check("iat", False, f"iat is not a finite JSON number ({iat!r})"))
    elif iat > now + leeway:
        checks.append(Check("iat", False, f"iat is {human_duration(iat - now)} in the future "
                            f"({format_utc(iat)}; {leeway:g} s allowed)", code="not_yet_valid"))
    elif iat < now - max_age:
        checks.append(Check("iat", False, f"the proof was made {human_duration(now - iat)} "
                            f"ago ({format_utc(iat)}); at most {human_duration(max_age)} is "
                            "accepted", code="expired"))
    else:
        checks.append(Check("iat", True, f"made {human_duration(max(0.0, now - iat))} ago, "
                            f"within {human_duration(max_age)}"))


def _nonce_check(claims: dict[str, Any], nonce: str | None, checks: list[Check]) -> None:
    if nonce is None:
        if "nonce" in claims:
            checks.append(Check("nonce", True, "the proof carries a nonce; no expected nonce "
                                "was given", checked=False))
        return
    theirs = claims.get("nonce")
    same = isinstance(theirs, str) and hmac.compare_digest(theirs.encode(), nonce.encode())
    checks.append(Check("nonce", True, "the nonce is the one the server gave") if same else
                  Check("nonce", False, "the proof has no nonce" if theirs is None else
                        "the nonce is not the one the server gave", code="nonce_mismatch"))


def _token_checks(claims: dict[str, Any], access_token: str | None, jkt: str | None,
                  checks: list[Check]) -> None:
    if access_token is None:
        checks.append(Check("ath", True, "no access token was given" + (
            " (the proof names one by its hash)" if "ath" in claims else ""), checked=False))
        return
    token = access_token.strip()
    try:
        expected = access_token_hash(token)
    except UnicodeEncodeError:
        checks.append(Check("ath", False, "the access token is not ASCII"))
        return
    ath = claims.get("ath")
    if ath is None:
        checks.append(Check("ath", False, "the proof has no ath: a proof sent with an access "
                            "token must carry its hash (RFC 9449 §4.2)", code="ath_missing"))
    elif isinstance(ath, str) and hmac.compare_digest(ath.encode(), expected.encode()):
        checks.append(Check("ath", True, "ath is the hash of the access token given"))
    else:
        checks.append(Check("ath", False, "ath is not the hash of the access token given: the "
                            "proof was made for another token", code="ath_mismatch"))
    cnf = confirmation(token)
    if not cnf.readable:
        checks.append(Check("cnf.jkt", True, cnf.describe() + ": its binding is the server's "
                            "to check (introspection gives cnf)", checked=False))
    elif cnf.jkt is None:
        checks.append(Check("cnf.jkt", False, f"the access token is {cnf.describe()}: a proof "
                            "does not make it a DPoP token (RFC 9449 §7.1)", code="not_bound"))
    elif jkt is not None and hmac.compare_digest(cnf.jkt.encode(), jkt.encode()):
        checks.append(Check("cnf.jkt", True, f"the access token is bound to this proof's key "
                            f"({jkt})"))
    else:
        checks.append(Check("cnf.jkt", False, f"the access token is bound to key {cnf.jkt}, "
                            f"not to this proof's key ({jkt or 'unreadable'})",
                            code="jkt_mismatch"))

