"""One table of token kinds (issue 16): the classifier's typ rules, the decoder's response
fields, the CLI's --expect choices and the theme's badges all read model.KINDS."""

from __future__ import annotations

import json

import pytest

from tokendesk.cli.parser import build_parser
from tokendesk.core import decode
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.classify import classify_claims
from tokendesk.core.tokens.model import KINDS, TokenKind, expectable_kinds


def test_every_kind_has_a_row():
    assert set(KINDS) == set(TokenKind)
    assert all(info.label and info.badge.startswith("#") for info in KINDS.values())


@pytest.mark.parametrize("kind", [k for k, i in KINDS.items() if i.typ], ids=str)
def test_each_typ_in_the_table_marks_its_kind(kind):
    typ = KINDS[kind].typ
    for spelled in (typ, f"application/{typ}", typ.upper()):
        found, reasons = classify_claims({"typ": spelled}, {"sub": "x"})
        assert found is kind and typ in reasons[0]


@pytest.mark.parametrize("kind", [k for k, i in KINDS.items() if i.field], ids=str)
def test_each_response_field_in_the_table_names_its_kind(kind):
    header = b64url_encode(json.dumps({"alg": "HS256"}).encode())
    payload = b64url_encode(json.dumps({"sub": "x"}).encode())  # nothing else says what it is
    token = f"{header}.{payload}.c2ln"
    pasted = json.dumps({KINDS[kind].field: token})
    assert decode(pasted).kind is kind


def test_the_cli_offers_exactly_the_expectable_kinds():
    parser = build_parser()
    action = next(a for a in parser._subparsers._group_actions[0].choices["verify"]._actions
                  if a.dest == "expect")
    assert list(action.choices) == [k.value for k in expectable_kinds()]
    assert "refresh_token" in action.choices  # a Keycloak refresh token is a JWT
