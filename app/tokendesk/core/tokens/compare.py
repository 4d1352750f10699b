"""Comparing two claim sets: what a refresh (or an edit) added, removed or changed."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = ["Change", "ClaimChange", "diff_claims"]


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


class ClaimChange(NamedTuple):
    name: str
    change: Change
    before: Any
    after: Any


_MISSING: Any = object()


def diff_claims(before: dict[str, Any] | None, after: dict[str, Any] | None, *,
                include_same: bool = False) -> list[ClaimChange]:
    """Claims in ``before`` order, then those only in ``after``; values compared as JSON."""
    a, b = before or {}, after or {}
    names = list(a) + [n for n in b if n not in a]
    out = []
    for name in names:
        old, new = a.get(name, _MISSING), b.get(name, _MISSING)
        if old is _MISSING:
            out.append(ClaimChange(name, Change.ADDED, None, new))
        elif new is _MISSING:
            out.append(ClaimChange(name, Change.REMOVED, old, None))
        elif _canonical(old) != _canonical(new):
            out.append(ClaimChange(name, Change.CHANGED, old, new))
        elif include_same:
            out.append(ClaimChange(name, Change.SAME, old, new))
    return out


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
