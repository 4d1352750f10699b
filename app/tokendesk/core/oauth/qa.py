"""QA tools for refresh flows: replay an old refresh token, refresh twice at once.

They exist to make a server show its rotation and reuse-detection behaviour, so they report
what was observed and nothing more:

* every request has one outcome, whatever it was (accepted, refused with an OAuth error, a
  server error, a network error, an unusable answer);
* a refresh token the server issues along the way is stored (SECURITY.md 19): of several, the
  last one to arrive becomes the credential's, and the report names the others;
* reuse detection is claimed only when observed: a refused replay says the old token was
  refused and that whether the current one survived is not known until the next refresh.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from ..errors import NetworkError, ProviderError, ResponseError, TokendeskError, VaultError
from ..vault.model import Status, fingerprint
from ..vault.tokenset import TokenSet
from .client import TokenResponse
from .exchange import Exchange

__all__ = ["Outcome", "QaReport", "RotationReport", "race", "replay", "rotation"]


@dataclass(frozen=True)
class Outcome:
    """What one request got."""

    request: int  # 1, 2, ... in the order sent
    result: str  # "accepted", "refused", "server error", "network error", "bad answer"
    detail: str  # the server's error, the status, or what was issued (fingerprints)
    issued_fp: str | None = None  # the refresh token the answer brought, if any
    stored: bool = False  # that refresh token is the credential's now

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "result": self.result, "detail": self.detail,
                "issued_refresh_fp": self.issued_fp, "stored": self.stored}


@dataclass(frozen=True)
class QaReport:
    operation: str  # "replay" or "race"
    outcomes: tuple[Outcome, ...]
    summary: str  # what is known, in one or two sentences
    unknown: str = ""  # what is not known, and how to find out

    @property
    def accepted(self) -> int:
        return sum(o.result == "accepted" for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "summary": self.summary, "unknown": self.unknown,
                "outcomes": [o.to_dict() for o in self.outcomes]}


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, ProviderError):
        if exc.unavailable:
            return "server error", exc.message
        return "refused", exc.message
    if isinstance(exc, NetworkError):
        return "network error", exc.message
    if isinstance(exc, ResponseError) and (exc.status or 0) >= 500:
        return "server error", exc.message
    if isinstance(exc, TokendeskError):
        return "bad answer", exc.message
    return "bad answer", type(exc).__name__


def _store_answers(exchange: Exchange, name: str,
                   answers: list[tuple[int, TokenResponse]]) -> dict[int, bool]:
    """Store the refresh tokens the answers brought, in the order they arrived: the last
    becomes the credential's. Returns, per request, whether its token is stored now."""
    vault = exchange.vault
    stored: dict[int, bool] = {}
    last: int | None = None
    for request, response in answers:
        if not response.refresh_token:
            continue
        try:
            vault.store_tokens(name, TokenSet.from_response(response.raw), defer_delete=True)
        except VaultError:
            continue
        last = request
    for request, _response in answers:
        stored[request] = request == last
    return stored


def _record(exchange: Exchange, name: str, operation: str, outcome: Outcome,
            endpoint: str, old_fp: str | None, started: float) -> None:
    exchange.vault.index.add_exchange(
        name, operation, f"{outcome.result}: {outcome.detail}", endpoint=endpoint,
        duration_ms=(time.perf_counter() - started) * 1000, rotated=outcome.stored,
        old_fp=old_fp, new_fp=outcome.issued_fp,
        request={"grant_type": "refresh_token", "refresh_token": f"<{old_fp}>"})


def replay(exchange: Exchange, name: str) -> QaReport:
    """Present the refresh token this credential had before its last rotation here."""
    previous = exchange.previous.get(name)
    if previous is None:
        raise VaultError("refresh once first: the previous refresh token is kept in memory "
                         "only, never stored")
    vault = exchange.vault
    oauth = exchange.client_for(vault.credential(name).client)
    old_fp = fingerprint(previous)
    started = time.perf_counter()
    with vault.refresh_lock(name):
        current_fp = vault.credential(name).refresh_fp
        try:
            response = oauth.refresh(previous, dpop=exchange.prover(name))  # (DPoP, issue 18)
        except Exception as exc:  # noqa: BLE001 - every outcome is reported
            result, detail = _classify(exc)
            outcome = Outcome(1, result, detail)
            if result == "refused":
                vault.set_status(name, Status.UNKNOWN,
                                 f"a replay of {old_fp} was refused; the server may have "
                                 "revoked the whole token family: refresh to find out")
                summary = (f"The server refused the old refresh token {old_fp} ({detail}).")
                unknown = ("Whether it also revoked the current token (reuse detection) is "
                           "not known: refresh to find out.")
            else:
                summary = f"The replay got no verdict: {result} ({detail})."
                unknown = "Nothing is known about the server's reuse detection from this try."
        else:
            stored = _store_answers(exchange, name, [(1, response)])
            issued = fingerprint(response.refresh_token)
            outcome = Outcome(1, "accepted", f"HTTP {response.status}; issued refresh "
                              f"{issued or 'none'}", issued, stored.get(1, False))
            summary = (f"The server ACCEPTED the used refresh token {old_fp}: it did not "
                       "detect the reuse.")
            unknown = (f"The token stored before ({current_fp}) may also still be valid"
                       + (f"; the one the replay brought ({issued}) is stored now." if
                          outcome.stored else "."))
    _record(exchange, name, "replay", outcome, oauth.config.token_endpoint, old_fp, started)
    vault.audit("replayed", name, f"{outcome.result}: {outcome.detail}")
    return QaReport("replay", (outcome,), summary, unknown)


def race(exchange: Exchange, name: str, count: int = 2) -> QaReport:
    """Send ``count`` refreshes with the same refresh token at the same moment (our own
    single flight is bypassed on purpose; other refreshes of ours wait for the lock)."""
    if not 2 <= count <= 20:
        raise VaultError("refresh between 2 and 20 times at once")
    vault = exchange.vault
    oauth = exchange.client_for(vault.credential(name).client)
    started = time.perf_counter()
    with vault.refresh_lock(name):
        token = vault.refresh_token(name)
        old_fp = fingerprint(token)
        prover = exchange.prover(name)  # its own DPoP key, if bound (DPoP, issue 18)
        barrier = threading.Barrier(count)
        lock = threading.Lock()
        answers: list[tuple[int, TokenResponse]] = []  # in the order they arrived
        failures: dict[int, BaseException] = {}

        def one(request: int) -> None:
            try:
                barrier.wait(10)
            except threading.BrokenBarrierError:
                pass
            try:
                response = oauth.refresh(token, dpop=prover)  # (DPoP, issue 18)
            except Exception as exc:  # noqa: BLE001 - every outcome is reported
                with lock:
                    failures[request] = exc
            else:
                with lock:
                    answers.append((request, response))

        threads = [threading.Thread(target=one, args=(i + 1,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stored = _store_answers(exchange, name, answers)
        if answers:
            exchange.previous[name] = token
    by_request = {r: resp for r, resp in answers}
    outcomes = []
    for request in range(1, count + 1):
        if request in by_request:
            response = by_request[request]
            new = response.refresh_token if response.refresh_token != token else None
            issued = fingerprint(new)
            outcomes.append(Outcome(request, "accepted", f"HTTP {response.status}; issued "
                                    f"refresh {issued or 'none (the old one stays)'}", issued,
                                    stored.get(request, False) and issued is not None))
        else:
            result, detail = _classify(failures.get(request, RuntimeError("no answer")))
            outcomes.append(Outcome(request, result, detail))
    for outcome in outcomes:
        _record(exchange, name, "race", outcome, oauth.config.token_endpoint, old_fp, started)
    accepted = [o for o in outcomes if o.result == "accepted"]
    refused = [o for o in outcomes if o.result == "refused"]
    now_fp = vault.credential(name).refresh_fp
    summary = (f"{len(accepted)} of {count} requests accepted, {len(refused)} refused, "
               f"{count - len(accepted) - len(refused)} without a verdict. The stored refresh "
               f"token is now {now_fp}.")
    issued_new = sorted({o.issued_fp for o in accepted if o.issued_fp})
    if len(issued_new) > 1:
        others = [o.issued_fp for o in accepted if not o.stored and o.issued_fp]
        unknown = ("The server issued several refresh tokens for one; the last to arrive is "
                   "stored" + (f", the others ({', '.join(others)}) may also be valid." if
                               others else "."))
    elif len(accepted) > 1 and not issued_new:
        unknown = ("The server accepted the same token several times and kept it (no "
                   "rotation): it is still the one stored.")
    elif not accepted and refused:
        vault.set_status(name, Status.UNKNOWN, "refreshed twice at once and refused every "
                         "time: the refresh token may be dead; refresh to find out")
        unknown = ("Every request was refused: whether the stored token still works is not "
                   "known until the next refresh.")
    elif refused:
        vault.set_status(name, Status.UNKNOWN, "refreshed twice at once: one request was "
                         "refused, and a server with reuse detection may have revoked the whole "
                         "family; refresh to find out")
        unknown = ("A request was refused: a server with reuse detection may have revoked "
                   "the whole family, including the token stored now; refresh to find out.")
    else:
        unknown = ""
    vault.audit("refreshed twice at once" if count == 2 else f"refreshed {count} times at "
                "once", name, "; ".join(f"{o.request}: {o.result}" for o in outcomes))
    return QaReport("race", tuple(outcomes), summary, unknown)


@dataclass(frozen=True)
class RotationReport:
    """What ``qa rotation`` observed: each answer ``None`` when it could not be told."""

    #: A new refresh token was issued and the old one refused: rotation. A new token while the
    #: old one is still accepted is not (Keycloak with rotation off); None: no verdict.
    rotated: bool | None
    old_refused: bool | None  # the replay of the rotated-out token was refused
    family_revoked: bool | None  # the refresh after the replay was refused (reuse detection)
    steps: tuple[str, ...]  # what was done and what came back, in order

    def to_dict(self) -> dict[str, Any]:
        return {"rotated": self.rotated, "old_token_refused": self.old_refused,
                "family_revoked": self.family_revoked, "steps": list(self.steps)}


def rotation(exchange: Exchange, name: str) -> RotationReport:
    """Refresh, replay the token that refresh retired, then refresh again: whether the server
    rotates, refuses a used token, and revokes the whole family when it sees one. This may end
    the credential (a server with reuse detection revokes it): it is a test, not a chore."""
    from ..errors import InvalidGrant

    first = exchange.refresh(name)
    steps = [f"refresh: {'new refresh token issued' if first.rotated else 'refresh token kept'}"
             f" ({first.old_fp} -> {first.new_fp})"]
    if not first.rotated:
        steps.append("no replay: the server issued no new refresh token, so none was retired")
        return RotationReport(False, None, None, tuple(steps))
    replayed = replay(exchange, name).outcomes[0]
    steps.append(f"replay of {first.old_fp}: {replayed.result} ({replayed.detail})")
    old_refused = {"refused": True, "accepted": False}.get(replayed.result)
    if old_refused is False:
        steps.append("the server issued a new refresh token, but the old one is still accepted: "
                     "it does not rotate")
    try:
        again = exchange.refresh(name)
    except InvalidGrant as exc:
        steps.append(f"refresh with the current token: refused ({exc.message})")
        family: bool | None = True
    except TokendeskError as exc:
        steps.append(f"refresh with the current token: no verdict ({exc.message})")
        family = None
    else:
        steps.append(f"refresh with the current token: accepted ({again.new_fp})")
        family = False
    return RotationReport(old_refused, old_refused, family, tuple(steps))
