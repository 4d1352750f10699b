"""A support journey from the command line against the real Keycloak: an app's credential and
an admin connection made with ``tokendesk client add``/``vault add``, the customer found and
everything of theirs revoked with ``tokendesk support``, and the app's next refresh refused."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.helpers.keycloak_realms import CLIENTS

pytestmark = pytest.mark.integration

REALM = "support"


@pytest.fixture
def cli(tmp_path, monkeypatch, secret_service, capsys):
    """``tokendesk`` in-process, from a temporary directory, with its home there and its
    secrets in the tests' Secret Service; returns (exit code, stdout, stderr)."""
    import keyring

    from tokendesk.cli import main

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def test_support_revokes_a_customer_made_by_the_cli_and_their_app_must_sign_in_again(
        cli, keycloak, tmp_path):
    issuer = keycloak.issuer(REALM)
    username = "journey-customer"
    uid = keycloak.new_user(REALM, username, "Jo", "Urney")
    refresh_token = keycloak.mint(REALM, "td-confidential", username)
    app_secret, admin_secret = CLIENTS["td-confidential"][0], CLIENTS["td-support"][0]
    assert app_secret and admin_secret
    said: list[str] = []

    def ok(*argv: str, stdin: str = "") -> str:
        code, out, err = cli(*argv, stdin=stdin)
        said.extend((out, err))
        assert code == 0, (argv, out, err)
        return out

    ok("client", "add", "kc-admin", "--issuer", issuer, "--client-id", "td-support",
       "--client-secret-stdin", "--admin", "keycloak", stdin=admin_secret)
    ok("client", "add", "kc-app", "--issuer", issuer, "--client-id", "td-confidential",
       "--client-secret-stdin", "--scope", "openid", stdin=app_secret)
    ok("vault", "add", "jo-app", "--client", "kc-app", "--refresh-token-stdin",
       stdin=refresh_token)
    ok("refresh", "jo-app")  # the app's credential works

    found = json.loads(ok("support", "find", "kc-admin", f"{username}@example.com", "--json"))
    assert [u["id"] for u in found] == [uid] and found[0]["name"] == "Jo Urney"
    items = json.loads(ok("support", "tokens", "kc-admin", uid, "--json"))["items"]
    sessions = [i for i in items if i["kind"] == "session"]
    assert [s["client"] for s in sessions] == ["td-confidential"]
    assert {s["id"] for s in sessions} == {s["id"] for s in keycloak.sessions(REALM, uid)}

    code, out, err = cli("support", "revoke", "kc-admin", uid, "--all")  # not confirmed
    assert code == 2 and "--yes" in err and keycloak.sessions(REALM, uid)  # nothing was sent
    results = json.loads(ok("support", "revoke", "kc-admin", uid, "--all", "--yes", "--json"))
    assert [r["action"] for r in results] == ["revoke all refresh tokens", "end all sessions"]
    assert all(r["ok"] for r in results)
    assert keycloak.sessions(REALM, uid) == []  # as the admin API says

    code, out, err = cli("refresh", "jo-app")
    said.extend((out, err))
    assert code == 1 and "invalid_grant" in out + err
    status = json.loads(ok("vault", "show", "jo-app", "--json"))["status"]
    assert status == "needs sign-in"
    audit = ok("audit", "--target", f"support:keycloak:{uid}", "--csv")
    assert audit.count("support revoke") == 2 and "HTTP 204" in audit

    files = [p.read_bytes().decode("latin-1") for p in (tmp_path / "home").rglob("*")
             if p.is_file()]
    for secret in (app_secret, admin_secret, refresh_token):
        assert not any(secret in text for text in said + files), secret[:6]
