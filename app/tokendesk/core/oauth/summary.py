"""An exchange's outcome for people: what happened in one sentence, then the facts behind it.

The Exchange view shows a :class:`Summary` as a card instead of a raw JSON dump: the headline
says what happened (a new refresh token issued or the old one kept, by which client, how long
it took: the timing is given once), then the access token's new lifetime in human time, the
claims that changed (times as times, not epoch numbers; "nothing to compare with" said once
when nothing was stored before), the request that was sent (endpoint, grant, client
authentication; secrets never) and the redacted response for whoever wants the raw form.

Only what was observed is claimed: a rotation issues a new refresh token, but whether the
server retired the old one is not known until it is replayed (the QA replay says so), so the
words are "new refresh token issued; the old one may still be valid", not "rotated" (Keycloak
with rotation off, for one, issues a new refresh token on every refresh and keeps the old one
valid).

Everything here is pure: the inputs are the exchange's own records, ``now`` is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..choices import AUTH_METHODS, SECRET_METHODS
from ..timefmt import format_utc, human_duration, is_finite, is_json_number
from ..tokens.claims import TIME_CLAIMS
from .http import host_of

__all__ = [
    "SentRequest",
    "Summary",
    "describe_auth",
    "human_lifetime",
    "humanize_change",
    "instead_of_refresh",
    "summarize_history",
    "summarize_qa",
    "summarize_refresh",
]

#: Manual or automatic: the card says which, so a newer auto-refresh never hides behind an
#: older manual result.
MANUAL, AUTO = "manual", "auto"
#: How a summary reads at a glance (its color comes from the theme's role of the same name).
OK, PASS, PROBLEM, INFO = "ok", "pass", "problem", "info"

_GRANTS = {"refresh_token": "refresh_token (RFC 6749 §6)",
           "client_credentials": "client_credentials (RFC 6749 §4.4)",
           "urn:ietf:params:oauth:grant-type:token-exchange": "token exchange (RFC 8693)"}


#: Credential states in which refreshing cannot help, and what to do instead.
_DEAD_ENDS = {
    "needs sign-in": "sign in again (Exchange ▸ Sign in…), or store a new refresh token in "
                     "the Vault",
    "revoked": "sign in again (Exchange ▸ Sign in…), or store a new refresh token in the Vault",
    "reuse detected": "the server saw a used token again and may have revoked the family: "
                      "sign in again (Exchange ▸ Sign in…)",
    "expired": "its refresh token has expired: sign in again (Exchange ▸ Sign in…), or store "
               "a new refresh token in the Vault",
    "revoke pending": "its revocation was not confirmed: revoke it again (Exchange ▸ Revoke…)",
}


def instead_of_refresh(status: str) -> str | None:
    """What to advise for a credential in ``status`` instead of "refresh it", or None when a
    refresh is the right next step (active, unknown)."""
    return _DEAD_ENDS.get(str(status))


@dataclass(frozen=True)
class SentRequest:
    """What was sent, as the exchange configured it (no secret in it)."""

    endpoint: str
    grant_type: str
    client: str  # the vault client's name
    client_id: str
    auth_method: str
    params: dict[str, Any] = field(default_factory=dict)  # the form, secrets as fingerprints
    scope_before: str | None = None  # the credential's scope before the exchange


@dataclass(frozen=True)
class Summary:
    """One exchange, for the result card. ``facts`` and ``request`` are (label, text) rows."""

    operation: str
    trigger: str  # MANUAL or AUTO
    verdict: str  # OK, PASS, PROBLEM or INFO
    headline: str  # one sentence
    facts: tuple[tuple[str, str], ...] = ()
    changes: tuple[str, ...] = ()  # the claims that changed, one line each
    request: tuple[tuple[str, str], ...] = ()
    raw: Any = field(default=None, repr=False)  # the redacted response (or report)
    name: str = ""  # the credential (or client) it was about

    @property
    def raw_json(self) -> str:
        return json.dumps(self.raw, indent=2, ensure_ascii=False, default=str)


def describe_auth(method: str) -> str:
    """What travels with a client authentication method, in words (secrets never shown)."""
    said = AUTH_METHODS.get(method, "not known to Tokendesk")
    return f"{method} — {said}" + (" (not shown)" if method in SECRET_METHODS else "")


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.0f} ms" if ms < 10_000 else human_duration(seconds)


def human_lifetime(expires_at: float | None, now: float, *, skew: float = 0.0,
                   expires_in: Any = None) -> str:
    """"lives 5 min — until 2026-11-22 10:05:00 UTC". ``expires_at`` is on the server's
    clock, ``skew`` the server's clock minus ours; the server's own ``expires_in`` wins."""
    if is_json_number(expires_in) and is_finite(expires_in) and expires_in > 0:
        life = f"lives {human_duration(expires_in)}"
    elif expires_at is not None and is_finite(expires_at):
        left = expires_at - (now + skew)
        life = (f"lives {human_duration(left)}" if left > 0
                else f"already expired ({human_duration(left)} ago)")
    else:
        return "lifetime not given by the server (no expires_in, no exp)"
    if expires_at is None or not is_finite(expires_at):
        return life
    until = f"{life} — until {format_utc(expires_at)}"
    if abs(skew) >= 2:
        ahead = "ahead of" if skew > 0 else "behind"
        until += f" by the server's clock ({human_duration(skew)} {ahead} this machine's)"
    return until


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _time(value: Any) -> str | None:
    if is_json_number(value) and is_finite(value) and abs(value) < 1e11:
        return format_utc(value)
    return None


def humanize_change(change: dict[str, Any]) -> str:
    """One claim change ({"claim", "change", "before", "after"}) in words, times as times:
    "exp: 2026-11-22 10:00:00 UTC → 2026-11-22 10:05:00 UTC (+5 min)"."""
    name, kind = change.get("claim", "?"), change.get("change")
    before, after = change.get("before"), change.get("after")
    if name in TIME_CLAIMS:
        b, a = _time(before), _time(after)
        if kind == "changed" and b and a and is_json_number(before) and is_json_number(after):
            delta = after - before
            sign = "+" if delta >= 0 else "−"
            return f"{name}: {b} → {a} ({sign}{human_duration(delta)})"
        if kind == "added" and a:
            return f"{name} added: {a}"
        if kind == "removed" and b:
            return f"{name} removed (was {b})"
    if kind == "added":
        return f"{name} added: {_value(after)}"
    if kind == "removed":
        return f"{name} removed (was {_value(before)})"
    return f"{name}: {_value(before)} → {_value(after)}"


def _changes(diff: dict[str, Any]) -> tuple[str, ...]:
    """The claim changes of each token; "nothing stored before" said once for all of them."""
    lines: list[str] = []
    fresh = [label for label, d in diff.items() if d == "new"]
    if fresh:
        lines.append(f"No {' or '.join(fresh)} was stored before this refresh: nothing to "
                     "compare with (open the new one in the Inspector to read its claims).")
    for label, d in diff.items():
        if d == "new":
            continue
        if d == "unchanged":
            lines.append(f"{label[:1].upper()}{label[1:]}: no claim changed.")
        elif d == "not a JWT before":
            lines.append(f"{label[:1].upper()}{label[1:]}: the one before was not a JWT: "
                         "nothing to compare with.")
        elif isinstance(d, list):
            lines.extend(f"{label[:1].upper()}{label[1:]} — {humanize_change(c)}" for c in d)
    return tuple(lines)


def _request_rows(sent: SentRequest) -> tuple[tuple[str, str], ...]:
    rows = [("Endpoint", f"POST {sent.endpoint}"),
            ("Grant", _GRANTS.get(sent.grant_type, sent.grant_type)),
            ("Client", f"{sent.client} (client_id {sent.client_id})"),
            ("Client authentication", describe_auth(sent.auth_method))]
    form = dict(sent.params)
    if sent.auth_method in ("client_secret_post", "none", "private_key_jwt"):
        form.setdefault("client_id", sent.client_id)
    if sent.auth_method == "client_secret_post":
        form["client_secret"] = "<not shown>"  # noqa: S105 - what is shown instead of it
    if sent.auth_method == "private_key_jwt":
        form["client_assertion"] = "<signed JWT, not shown>"
    rows.append(("Form", ", ".join(f"{k}={v}" for k, v in form.items())))
    if sent.auth_method == "client_secret_basic":
        rows.append(("Headers", "Authorization: Basic <not shown>"))
    return tuple(rows)


def summarize_refresh(result: dict[str, Any], sent: SentRequest | None, *, now: float,
                      skew: float = 0.0, diff: dict[str, Any] | None = None) -> Summary:
    """A refresh (``RefreshResult.to_dict()``), manual or automatic."""
    trigger = AUTO if result.get("automatic") else MANUAL
    name = str(result.get("name", ""))
    response = result.get("response") or {}
    who = (f" by client {sent.client} at {host_of(sent.endpoint)}" if sent is not None else "")
    what = "Auto-refresh" if trigger == AUTO else "Refresh"
    old, new = result.get("old_refresh_fp"), result.get("new_refresh_fp")
    if result.get("rotated"):
        # only what was seen: the server may keep the old one valid (issue 17: Keycloak)
        happened = "new refresh token issued; the old one may still be valid"
    else:
        happened = "the refresh token was kept (the server issued no new one)"
    took = _ms(float(result.get("duration_ms", 0.0)) / 1000)
    headline = f"{what} of {name}{who}: {happened}; took {took}."
    facts: list[tuple[str, str]] = [
        ("Access token", "new, " + human_lifetime(
            result.get("access_expires_at"), now, skew=skew,
            expires_in=response.get("expires_in")) if response.get("access_token")
         else "none in the answer"),
    ]
    if result.get("rotated"):
        facts.append(("Refresh token", f"{old} → {new} (stored). Whether the server retired "
                      f"{old} is not known: the QA replay tells."))
    else:
        facts.append(("Refresh token", f"{new or old} kept"))
    granted = response.get("scope")
    before = sent.scope_before if sent is not None else None
    if isinstance(granted, str) and granted:
        if before and set(before.split()) != set(granted.split()):
            facts.append(("Scope", f"{granted} (was {before})"))
        else:
            facts.append(("Scope", granted))
    if result.get("retried"):
        facts.append(("Retried", "the first answer was lost: sent once more with the same "
                      "refresh token"))
    token_type = response.get("token_type")
    if isinstance(token_type, str) and token_type.lower() == "dpop":
        facts.append(("Bound to a key", "token_type DPoP: the access token is used only with "
                      "proofs signed by this credential's DPoP key (RFC 9449)"))
    changes = _changes(diff if diff is not None else result.get("diff") or {})
    return Summary("refresh", trigger, OK, headline, tuple(facts), changes,
                   _request_rows(sent) if sent is not None else (), response, name)


def summarize_qa(operation: str, report: dict[str, Any], name: str = "",
                 sent: SentRequest | None = None) -> Summary:
    """A QA probe. A refused replay is the pass ("refused, as it should be"); an accepted one
    is the problem (no reuse detection); anything else is no verdict."""
    outcomes = report.get("outcomes") or []
    unknown = str(report.get("unknown") or "")
    facts: list[tuple[str, str]] = [
        (f"Request {o.get('request')}", f"{o.get('result')}: {o.get('detail')}")
        for o in outcomes]
    if unknown:
        facts.append(("Not known", unknown))
    if operation == "replay" and outcomes:
        result = outcomes[0].get("result")
        if result == "refused":
            verdict, headline = PASS, ("PASS — refused, as it should be: the server refused "
                                       f"the replayed refresh token of {name} "
                                       f"({outcomes[0].get('detail')}).")
        elif result == "accepted":
            verdict, headline = PROBLEM, ("PROBLEM — the server accepted a refresh token it "
                                          f"had already replaced ({name}): it does not detect "
                                          "reuse.")
        else:
            verdict, headline = INFO, (f"No verdict — the replay got {result}: "
                                       f"{outcomes[0].get('detail')}.")
    else:
        verdict, headline = INFO, str(report.get("summary") or "Done.")
    return Summary(operation, MANUAL, verdict, headline, tuple(facts), (),
                   _request_rows(sent) if sent is not None else (), report, name)


def summarize_history(row: dict[str, Any]) -> Summary:
    """One history row (``index.exchanges``) as a card: when, what, the request and answer."""
    status = str(row.get("status") or "")
    operation = str(row.get("operation") or "")
    when = format_utc(row["at"]) if is_json_number(row.get("at")) else "?"
    took = (f", {_ms(float(row['duration_ms']) / 1000)}"
            if is_json_number(row.get("duration_ms")) else "")
    rotated = "; new refresh token issued" if row.get("rotated") else ""
    headline = f"{operation[:1].upper()}{operation[1:]} on {when}: {status}{rotated}{took}."
    request = row.get("request") or {}
    rows: list[tuple[str, str]] = []
    if row.get("endpoint"):
        rows.append(("Endpoint", f"POST {row['endpoint']}"))
    if isinstance(request, dict) and request:
        grant = request.get("grant_type")
        if grant:
            rows.append(("Grant", _GRANTS.get(str(grant), str(grant))))
        rows.append(("Form", ", ".join(f"{k}={v}" for k, v in request.items())))
    facts: list[tuple[str, str]] = []
    if row.get("old_fp") or row.get("new_fp"):
        facts.append(("Refresh token", f"{row.get('old_fp') or '—'} → "
                                       f"{row.get('new_fp') or '—'}"))
    if row.get("scope_after"):
        facts.append(("Scope", str(row["scope_after"])))
    return Summary(operation, AUTO if operation == "auto-refresh" else MANUAL, INFO, headline,
                   tuple(facts), (), tuple(rows), row.get("response"), "")
