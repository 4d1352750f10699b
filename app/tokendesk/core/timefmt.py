"""Times for people: "4 min 12 s", "expired 3 days ago", UTC and local forms.

The clock is always injectable: every function takes ``now`` (epoch seconds).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeGuard

__all__ = [
    "NOT_FINITE",
    "Clock",
    "finite_number",
    "format_local",
    "is_json_number",
    "format_utc",
    "format_utc_or_dash",
    "human_duration",
    "is_finite",
    "relative",
]

Clock = Callable[[], float]

#: How a number that is not finite (NaN, Infinity, ``1e400``) is shown: never as a time
#: (SECURITY.md 35).
NOT_FINITE = "not a finite number"


def is_json_number(value: object) -> TypeGuard[float]:
    """A JSON number as json.loads gives it: an int or a float, never a bool (True is an int
    in Python, not a number in JSON). Says nothing about finiteness: see :func:`is_finite`."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_number(value: object) -> float | None:
    """A JSON number (not a bool) that is finite, as a float; else ``None`` (SECURITY.md 35:
    ``NaN``, ``Infinity`` and an int beyond a float's range are as good as not said)."""
    if not is_json_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond a float's range
        return None
    return number if math.isfinite(number) else None


def is_finite(value: float) -> bool:
    """True for a number usable as a time: not NaN or infinite, and (for a JSON integer) within
    the range of a float."""
    try:
        return math.isfinite(value)
    except OverflowError:  # an int with hundreds of digits
        return False


def human_duration(seconds: float) -> str:
    """A duration in at most two units: "12 s", "4 min 12 s", "2 h 5 min", "3 days"."""
    if not is_finite(seconds):
        return NOT_FINITE
    s = int(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, sec = divmod(s, 60)
        return f"{m} min {sec} s" if sec else f"{m} min"
    if s < 86400:
        h, rest = divmod(s, 3600)
        m = rest // 60
        return f"{h} h {m} min" if m else f"{h} h"
    days, rest = divmod(s, 86400)
    if days < 2:
        h = rest // 3600
        return f"1 day {h} h" if h else "1 day"
    if days < 60:
        return f"{days} days"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"


def relative(epoch: float, now: float) -> str:
    """ "in 4 min 12 s" or "3 days ago" (or "now")."""
    if not (is_finite(epoch) and is_finite(now)):
        return NOT_FINITE
    delta = epoch - now
    if abs(delta) < 1:
        return "now"
    return f"in {human_duration(delta)}" if delta > 0 else f"{human_duration(delta)} ago"


def format_utc(epoch: float) -> str:
    """``2026-11-22 10:03:00 UTC``.

    Memoized: the same few instants (a token's exp, iat, nbf) are formatted again and again,
    by the verifier and by every refresh of the claims table and the countdowns.
    """
    if not is_finite(epoch):
        return NOT_FINITE
    return _format_utc(int(epoch)) if abs(epoch) < 1e15 else f"{epoch}"


def format_utc_or_dash(epoch: float | None) -> str:
    """:func:`format_utc`, or "—" when the time is not known."""
    return "—" if epoch is None else format_utc(epoch)


@lru_cache(maxsize=1024)
def _format_utc(epoch: int) -> str:
    try:
        t = time.gmtime(epoch)
    except (OverflowError, OSError, ValueError):
        return f"{epoch} (out of range)"
    return f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d} {t[3]:02d}:{t[4]:02d}:{t[5]:02d} UTC"


def format_local(epoch: float) -> str:
    """The same moment in the machine's time zone, e.g. ``2026-11-22 11:03:00 CET``."""
    if not is_finite(epoch):
        return NOT_FINITE
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))
    except (OverflowError, OSError, ValueError):
        return format_utc(epoch)
