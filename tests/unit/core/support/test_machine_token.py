"""The admin connection's machine token is cached for the lifetime its response states, and a
lifetime that is not a finite positive number (true, NaN, Infinity, 1e400, -5) is not believed:
five minutes are assumed instead of caching it forever or not at all."""

from __future__ import annotations

import pytest

from tokendesk.core.oauth.client import TokenResponse
from tokendesk.core.support.api import MachineToken


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _token(expires_in: object) -> tuple[MachineToken, Clock]:
    clock = Clock()
    issued = iter(range(1, 100))

    def fetch() -> TokenResponse:
        return TokenResponse({"access_token": f"machine-{next(issued)}",
                              "expires_in": expires_in}, 200, 0.01)
    return MachineToken(fetch, clock=clock), clock


def test_a_stated_lifetime_is_used_until_a_minute_before_it_ends():
    token, clock = _token(3600)
    assert token.get() == "machine-1"
    clock.now += 3600 - 61
    assert token.get() == "machine-1" and token.fetched == 1
    clock.now += 2
    assert token.get() == "machine-2" and token.fetched == 2


@pytest.mark.parametrize("stated", [True, float("nan"), float("inf"), 10**400, -5, "3600", None])
def test_a_lifetime_that_is_not_a_finite_positive_number_counts_as_five_minutes(stated):
    token, clock = _token(stated)
    assert token.get() == "machine-1"
    clock.now += 300 - 61
    assert token.get() == "machine-1"
    clock.now += 2
    assert token.get() == "machine-2"


def _claims_token(claims: dict) -> str:
    import base64
    import json

    def seg(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'RS256'})}.{seg(claims)}.c2ln"


@pytest.mark.parametrize(("claims", "roles"), [
    ({"resource_access": {"realm-management": {"roles": ["view-users", "manage-users"]}}},
     {"view-users", "manage-users"}),
    # Keycloak lists every client the account has roles of: none of realm-management's is a
    # known "no role", named before a call (a real Keycloak's service account without roles)
    ({"resource_access": {"account": {"roles": ["view-profile"]}}}, set()),
    ({"scope": "read:users"}, None),  # not a Keycloak token: nothing is known of roles
])
def test_keycloak_roles_are_read_from_resource_access(claims, roles):
    token = MachineToken(lambda: TokenResponse({"access_token": _claims_token(claims),
                                                "expires_in": 300}, 200, 0.01))
    token.get()
    assert token.roles == roles
