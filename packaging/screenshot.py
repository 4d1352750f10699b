"""Take the README's screenshots from the real window (run under Xvfb or on a desktop).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot.py docs/
    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot.py docs/dark --dark

Builds a sample ID token signed with a fresh key (nothing real), shows it in the Inspector,
verifies it, and saves PNGs. No network is used.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path


def sample() -> tuple[str, str]:
    from tokendesk.core.tokens.encode import encode, generate_key

    key = generate_key("EC", kid="demo-2026")
    now = int(time.time())
    claims = {"iss": "https://login.example.com/", "sub": "auth0|5f7c8ec7c33c6c004bbafe82",
              "aud": "tokendesk-demo", "iat": now - 60, "exp": now + 252, "auth_time": now - 65,
              "nonce": "n-0S6_WzA2Mj", "email": "ada@example.com", "email_verified": True,
              "name": "Ada Lovelace"}
    token = encode(claims, key, header={"typ": "JWT"})
    return token, json.dumps({"keys": [key.public_jwk()]}, indent=2)


def main(out_dir: str, dark: bool = False) -> int:
    os.environ.setdefault("TOKENDESK_HOME", tempfile.mkdtemp(prefix="tokendesk-shot-"))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    if dark:  # a dark desktop's palette, as the contrast tests use it
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.ui.palettes import dark_palette

        app.setPalette(dark_palette())
    from tokendesk.core.vault import FileStore
    from tokendesk.ui.shell import MainWindow

    home = Path(os.environ["TOKENDESK_HOME"])
    store = FileStore(home / "secrets.enc")
    store.create("screenshot passphrase")
    window = MainWindow(store_factory=lambda _home: store)
    window.resize(1360, 860)
    window.show()
    window.start_background()  # as the app does after its first paint
    token, jwks = sample()

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    window.inspector.set_text(token)
    window.inspector.verify_panel.key_input.setPlainText(jwks)
    window.inspector.verify_panel.issuer.setText("https://login.example.com/")
    window.inspector.verify_panel.audience.setText("tokendesk-demo")
    window.inspector.verify_panel.verify_button.click()
    _settle(window, wait)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _save(window, out / "inspector.png")
    _fill_vault(window, wait)
    _save(window, out / "vault.png")
    _exchange(window, wait, out)
    _fill_expiry(window, wait, token)
    _save(window, out / "expiry.png")
    _fill_support(window, wait)
    _save(window, out / "support.png")
    _issuer_keys(window, wait, out)
    _welcome(window, wait, out)
    window.close()
    return 0


def _fill_vault(window: object, wait: object) -> None:
    from tokendesk.core.tokens.encode import encode, generate_key
    from tokendesk.core.vault import Client, TokenSet

    window.tabs.setCurrentWidget(window.vault_view)  # type: ignore[attr-defined]
    wait(300)  # type: ignore[operator]
    vault = window.vault_controller.vault  # type: ignore[attr-defined]
    key = generate_key("HMAC")
    now = int(time.time())
    for name, issuer, env in (("auth0-dev", "https://tokendesk-demo.eu.auth0.com/", "dev"),
                              ("keycloak-staging", "https://sso.staging.example/realms/qa",
                               "staging"),
                              ("okta-prod", "https://example.okta.com/oauth2/default", "prod")):
        vault.add_client(Client(name, issuer, f"{name}-client", environment=env), "demo-secret")
    people = (("ada-dev", "auth0-dev", 240), ("grace-dev", "auth0-dev", 3000),
              ("qa-rotation", "keycloak-staging", 45), ("support-case-4711", "okta-prod", -600),
              ("linus-staging", "keycloak-staging", 86000))
    for name, client, left in people:
        access = encode({"sub": name.split("-")[0], "scope": "openid profile",
                         "exp": now + left}, key)
        vault.add_credential(name, client, TokenSet(f"demo-refresh-{name}", access,
                                                    refresh_expires_in=30 * 86400),
                             notes="demo data")
    from tokendesk.core.vault import Status

    vault.set_status("support-case-4711", Status.REVOKE_PENDING, "demo")
    window.vault_controller.list()  # type: ignore[attr-defined]
    wait(500)  # type: ignore[operator]
    window.vault_view.table.selectRow(0)  # type: ignore[attr-defined]
    wait(500)  # type: ignore[operator]


def _fill_expiry(window: object, wait: object, token: str) -> None:
    vault = window.vault_controller.vault  # type: ignore[attr-defined]
    vault.set_auto_refresh("linus-staging", 120)  # not due: nothing is sent
    window.inspector.set_text(token)  # type: ignore[attr-defined]
    window.pin_to_expiry()  # type: ignore[attr-defined]
    window.tabs.setCurrentWidget(window.expiry_view)  # type: ignore[attr-defined]
    wait(1500)  # type: ignore[operator]


def _fill_support(window: object, wait: object) -> None:
    """The Support view against the tests' fake Auth0 admin API on 127.0.0.1 (demo data)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from PySide6.QtWidgets import QApplication, QMessageBox
    from tests.helpers.fake_admin import FakeAuth0

    from tokendesk.core.vault import Client

    fake = FakeAuth0().__enter__()
    fake.add_user("auth0|5f7c8ec7c33c6c004bbafe82", "ada@example.com", "Ada Lovelace")
    fake.add_user("auth0|64a1b2c3d4e5f6a7b8c9d0e1", "ada.l@example.org", "Ada L.")
    fake.add_refresh_tokens("auth0|5f7c8ec7c33c6c004bbafe82", 3)
    for sid in ("VJ8fKk0yGmYJ3aXq", "Qm2tLr9sHw4Pz7Nd"):
        fake.add_session("auth0|5f7c8ec7c33c6c004bbafe82", sid)
    fake.add_grant("auth0|5f7c8ec7c33c6c004bbafe82", "cgr_8Yt2mWq")
    vault = window.vault_controller.vault  # type: ignore[attr-defined]
    vault.add_client(Client("auth0-support", fake.url + "/", fake.CLIENT_ID, "client_secret_post",
                            endpoints={"token_endpoint": fake.url + fake.TOKEN_PATH},
                            admin_provider="auth0", environment="prod"), fake.CLIENT_SECRET)
    view = window.support_view  # type: ignore[attr-defined]
    window.tabs.setCurrentWidget(view)  # type: ignore[attr-defined]
    wait(500)  # type: ignore[operator]
    view.search.setText("Ada")
    view.find_button.click()
    wait(800)  # type: ignore[operator]
    view.users_table.selectRow(0)
    wait(800)  # type: ignore[operator]

    def confirm() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(QMessageBox.StandardButton.Yes).click()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(300, confirm)
    view.revoke("all-sessions")
    wait(1500)  # type: ignore[operator]
    fake.__exit__(None, None, None)


def _exchange(window: object, wait: object, out: Path) -> None:
    """Two refreshes with rotation against a token endpoint on 127.0.0.1 (demo server)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import itertools

    from tests.helpers.http_server import LocalServer, Reply

    from tokendesk.core.tokens.encode import encode, generate_key
    from tokendesk.core.vault import Client, TokenSet

    key = generate_key("HMAC")
    counter = itertools.count(1)

    def token(_request: object) -> Reply:
        n = next(counter)
        now = int(time.time())
        access = encode({"sub": "qa", "scope": "openid offline_access orders:read",
                         "iat": now, "exp": now + 300, "jti": f"at-{n}"}, key)
        return Reply(200, {"access_token": access, "refresh_token": f"demo-rotated-{n}",
                           "token_type": "Bearer", "expires_in": 300,
                           "scope": "openid offline_access orders:read"})

    with LocalServer() as server:
        server.route("/token", token)
        vault = window.vault_controller.vault  # type: ignore[attr-defined]
        vault.add_client(Client("demo-op", server.url + "/", "qa-client", "none",
                                endpoints={"token_endpoint": server.url + "/token"},
                                environment="staging"))
        vault.add_credential("qa-rotation-demo", "demo-op", TokenSet("demo-rotated-0"))
        view = window.exchange_view  # type: ignore[attr-defined]
        window.tabs.setCurrentWidget(view)  # type: ignore[attr-defined]
        window.vault_controller.list()  # type: ignore[attr-defined]
        wait(500)  # type: ignore[operator]
        view.credential.setCurrentIndex(view.credential.findText("qa-rotation-demo"))
        for _ in range(2):
            view.refresh()
            _settle(window, wait)
        _save(window, out / "exchange.png")


def _settle(window: object, wait: object, seconds: float = 20) -> None:
    """Wait for the window's background work to finish, then for the repaint."""
    deadline = time.time() + seconds
    while window.tasks.busy and time.time() < deadline:  # type: ignore[attr-defined]
        wait(50)  # type: ignore[operator]
    wait(400)  # type: ignore[operator]


def _save(widget: object, path: Path) -> None:
    widget.grab().save(str(path))  # type: ignore[attr-defined]
    print(path)


def _issuer_keys(window: object, wait: object, out: Path) -> None:
    """Verify with the issuer's keys: discovery and JWKS served on 127.0.0.1 (demo issuer)."""
    from tests.helpers.http_server import LocalServer, Reply

    from tokendesk.core.tokens.encode import encode, generate_key

    key = generate_key("RSA", kid="rsa-2026-11")
    with LocalServer() as server:
        issuer = server.url
        server.route("/.well-known/openid-configuration", Reply(200, {
            "issuer": issuer, "jwks_uri": issuer + "/jwks", "token_endpoint": issuer + "/token",
            "authorization_endpoint": issuer + "/authorize"}))
        server.route("/jwks", Reply(200, {"keys": [key.public_jwk()]}))
        now = int(time.time())
        token = encode({"iss": issuer, "sub": "ada", "aud": "orders-api", "iat": now - 30,
                        "exp": now + 870, "scope": "orders:read orders:write",
                        "client_id": "tokendesk-demo", "jti": "at-7f3a"}, key,
                       header={"typ": "at+jwt"})
        window.tabs.setCurrentWidget(window.inspector)  # type: ignore[attr-defined]
        window.inspector.set_text(token)  # type: ignore[attr-defined]
        panel = window.inspector.verify_panel  # type: ignore[attr-defined]
        panel.key_input.setPlainText("")
        panel.issuer.setText(issuer)
        panel.audience.setText("orders-api")
        wait(300)  # type: ignore[operator]
        panel.issuer_button.click()
        _settle(window, wait)
        _save(window, out / "verify-issuer.png")


def _welcome(window: object, wait: object, out: Path) -> None:
    from tokendesk.ui.views.welcome import WelcomeDialog

    dialog = WelcomeDialog(window)
    dialog.show()
    wait(300)  # type: ignore[operator]
    path = out / "welcome.png"
    dialog.grab().save(str(path))
    print(path)
    dialog.next.click()
    dialog.provider.setCurrentIndex(dialog.provider.findData("auth0"))
    dialog.where.setText("dev-abc.eu.auth0.com")
    dialog.client_id.setText("Xk2pR9aT0yQm")
    wait(300)  # type: ignore[operator]
    path = out / "welcome-client.png"
    dialog.grab().save(str(path))
    print(path)
    dialog.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--dark"]
    sys.exit(main(args[0] if args else "docs", dark="--dark" in sys.argv[1:]))
