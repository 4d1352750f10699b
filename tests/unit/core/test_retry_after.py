"""One reading of ``Retry-After`` (RFC 9110 §10.2.3) for the token endpoint and the admin APIs:
delay-seconds or an HTTP date, measured from an injected clock (issue 16)."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from tokendesk.core.oauth.http import retry_after

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("value", "expected"), [
    ("120", 120.0),
    (" 7 ", 7.0),
    (formatdate(NOW + 90, usegmt=True), 90.0),
    (formatdate(NOW - 90, usegmt=True), 0.0),  # a date in the past: retry now
    ("soon", None),
    ("-5", None),
    ("", None),
    ("Fri, 99 Foo 2026 99:99:99 GMT", None),
])
def test_retry_after_seconds_or_an_http_date(value, expected):
    assert retry_after({"retry-after": value}, NOW) == expected


def test_no_header_is_none():
    assert retry_after({}, NOW) is None
