"""The verdict of a verification: each :class:`Check` and the :class:`Verification` they make.

Kept apart from the verifier so the claim checks (``claim_checks``) and the remote-key layer
(``oauth.remote_keys``) can build and read verdicts without importing the verifier itself.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .findings import header_findings
from .keys import Key
from .model import Finding

__all__ = ["ISSUER_TRUST", "KEY_SET", "NOT_CHECKED", "UNKNOWN_KID", "Check", "Verification",
           "with_issuer_trust"]

#: The check that says whether keys fetched from an issuer came from one the user trusts
#: (SECURITY.md 5a): an issuer given by the user, or a vault client's, and not merely the
#: ``iss`` the token names.
ISSUER_TRUST = "issuer trust"
#: A note about the key set the verdict was made with: keys set aside, keys read leniently.
KEY_SET = "key set"
#: The code of a "key" check that failed because no key carries the token's ``kid``: the
#: issuer may have rotated its keys, so the remote layer fetches them again.
UNKNOWN_KID = "unknown_kid"
NOT_CHECKED = "not checked"
#: The checks that get a "not checked" row when not asked for, in words.
_PLAIN = {"iss": "issuer", "aud": "audience", "nonce": "nonce", "at_hash": "at_hash"}


class Check(NamedTuple):
    """One check and its outcome: ``reason`` is plain words for a person."""

    name: str  # "format", "algorithm", "crit", "key", "signature", "exp", "aud", ...
    passed: bool
    reason: str
    #: False for a "not checked" row: a check nobody asked for (no expected issuer, audience,
    #: nonce or access token). It never makes a verdict invalid, and is shown as such.
    checked: bool = True
    #: A stable machine code for a failure others act on (``unknown_kid``, ``expired``...);
    #: code matches this, never the wording of ``reason``.
    code: str = ""

    @property
    def status(self) -> str:
        """``passed``, ``failed`` or ``not checked``."""
        if not self.checked:
            return NOT_CHECKED
        return "passed" if self.passed else "failed"


class Verification(NamedTuple):
    """The verdict. ``claims`` is filled only when the signature verified.

    A ``NamedTuple`` (immutable, typed) because the verifier builds one per token and a frozen
    dataclass costs several microseconds more on that path.
    """

    valid: bool
    checks: tuple[Check, ...]
    alg: str | None = None
    key: Key | None = None
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    now: float = 0.0
    leeway: float = 0.0

    def __repr__(self) -> str:
        return f"Verification({self.verdict}, {self.reason!r})"

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Warnings about the header (jku, x5u, jwk, x5c, shared secret...)."""
        return tuple(header_findings(self.header)) if self.header else ()

    @property
    def verdict(self) -> str:
        """VALID; UNTRUSTED when the only failure is the issuer trust (the signature matches
        keys of an issuer the token named itself); otherwise INVALID."""
        if self.valid:
            return "VALID"
        failed = self.failures
        if failed and all(c.name == ISSUER_TRUST for c in failed):
            return "UNTRUSTED"
        return "INVALID"

    @property
    def issuer_trusted(self) -> bool | None:
        """Whether the keys came from an issuer the user trusts; None when no keys were
        fetched from an issuer (the user gave the keys, or a key set URL)."""
        trust = [c for c in self.checks if c.name == ISSUER_TRUST]
        return all(c.passed for c in trust) if trust else None

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def not_checked(self) -> tuple[Check, ...]:
        """The checks nobody asked for (issuer, audience, nonce, at_hash)."""
        return tuple(c for c in self.checks if not c.checked)

    @property
    def reason(self) -> str:
        """The first failure's reason, or a summary when valid."""
        failed = self.failures
        if failed:
            return failed[0].reason
        performed = sum(1 for c in self.checks if c.checked)
        skipped = ", ".join(_PLAIN.get(c.name, c.name) for c in self.not_checked)
        return (f"signature and claims verified ({performed} checks"
                + (f"; not checked: {skipped})" if skipped else ")"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "alg": self.alg,
            "key": self.key.label() if self.key else None,
            "kid": self.key.kid if self.key else None,
            "issuer_trusted": self.issuer_trusted,
            "leeway": self.leeway,
            "now": self.now,
            "checks": [{"name": c.name, "passed": c.passed if c.checked else None,
                        "status": c.status, "reason": c.reason,
                        **({"code": c.code} if c.code else {})} for c in self.checks],
            "not_checked": [c.name for c in self.not_checked],
            "warnings": [f.message for f in self.findings],
        }


NOT_CHECKED = "not checked"
#: The checks that get a "not checked" row when not asked for, in words.
_PLAIN = {"iss": "issuer", "aud": "audience", "nonce": "nonce", "at_hash": "at_hash"}


def with_issuer_trust(verification: Verification, issuer: str, *, trusted: bool) -> Verification:
    """``verification`` made with keys published by ``issuer``, plus the issuer trust check.

    ``trusted``: the user gave this issuer (or it is a vault client's). When only the token
    named it, a matching signature proves nothing (anyone can publish keys and name themselves
    as issuer: SECURITY.md 5a), so the verdict is never VALID.
    """
    if trusted:
        check = Check(ISSUER_TRUST, True, f"the keys are those published by {issuer}, an issuer "
                      "you trust")
    else:
        signed = any(c.name == "signature" and c.passed for c in verification.checks)
        what = ("the signature matches keys published by" if signed
                else "the keys were fetched from")
        check = Check(ISSUER_TRUST, False, f"{what} {issuer}, an issuer named by the token itself, "
                      "not by you: anyone can publish keys and name themselves as issuer")
    return verification._replace(valid=verification.valid and trusted,
                                 checks=(*verification.checks, check))
