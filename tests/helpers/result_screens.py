"""Screenshots of what issue 15 changed, from the real window (run under Xvfb):

    python -m tests.helpers.result_screens OUT_DIR [--dark] [--issuer URL --secret S --refresh RT]

* ``inspector-truncated[-dark].png``: the Inspector with a token cut after its payload (the red
  headline, the "Malformed" badge, the problems in full);
* ``inspector-text[-dark].png``: free text, called text;
* ``exchange-card[-dark].png``: two refreshes against the given provider (the tests' real
  oidc-provider), the summary card of the second one;
* ``exchange-replay[-dark].png``: the QA replay of the retired refresh token, refused.

The vault is an encrypted file store in a temporary TOKENDESK_HOME; nothing real is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _dark_palette() -> object:
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#202124"),
                        (QPalette.ColorRole.WindowText, "#e8eaed"),
                        (QPalette.ColorRole.Base, "#17181a"),
                        (QPalette.ColorRole.AlternateBase, "#26282c"),
                        (QPalette.ColorRole.Text, "#e8eaed"),
                        (QPalette.ColorRole.Button, "#2d2f33"),
                        (QPalette.ColorRole.ButtonText, "#e8eaed"),
                        (QPalette.ColorRole.Mid, "#5f6368"),
                        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
                        (QPalette.ColorRole.Highlight, "#8ab4f8"),
                        (QPalette.ColorRole.HighlightedText, "#202124")):
        palette.setColor(role, QColor(color))
    return palette


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--issuer")
    parser.add_argument("--secret")
    parser.add_argument("--refresh")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENDESK_HOME", tempfile.mkdtemp(prefix="tokendesk-shot-"))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    if args.dark:
        app.setPalette(_dark_palette())  # type: ignore[arg-type]
    from tokendesk.core.tokens.encode import encode, generate_key
    from tokendesk.core.vault import FileStore
    from tokendesk.ui.shell import MainWindow

    home = Path(os.environ["TOKENDESK_HOME"])
    store = FileStore(home / "secrets.enc")
    store.create("screenshot passphrase")
    window = MainWindow(store_factory=lambda _home: store)
    window.resize(1366, 768)
    window.show()
    window.start_background()
    suffix = "-dark" if args.dark else ""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def settle() -> None:
        deadline = time.time() + 20
        while window.tasks.busy and time.time() < deadline:
            wait(50)
        wait(400)

    def save(name: str) -> None:
        path = out / f"{name}{suffix}.png"
        window.grab().save(str(path))
        print(path, flush=True)

    now = int(time.time())
    token = encode({"iss": "https://login.example.com/", "sub": "ada", "aud": "demo",
                    "iat": now - 60, "exp": now + 600, "nonce": "n-1"},
                   generate_key("EC", kid="demo"))
    window.inspector.set_text(token.rsplit(".", 1)[0])  # cut off after the payload
    settle()
    save("inspector-truncated")
    window.inspector.set_text("Hello, could you check whether my access token is still valid?")
    settle()
    save("inspector-text")
    if args.issuer and args.secret and args.refresh:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tokendesk.core.vault import Client, TokenSet

        vault = window.vault_controller.vault
        vault.add_client(Client("demo-op", args.issuer, "tokendesk-basic",
                                "client_secret_basic", environment="staging"), args.secret)
        vault.add_credential("alice", "demo-op", TokenSet(args.refresh))
        view = window.exchange_view
        window.tabs.setCurrentWidget(view)
        window.vault_controller.list()
        settle()
        view.credential.setCurrentIndex(view.credential.findText("alice"))
        view.refresh()
        settle()
        second = int(time.time())  # the next second: the ID token's iat and exp move
        while int(time.time()) == second:
            settle()
        view.refresh()
        settle()
        save("exchange-card")
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.question = lambda *_a, **_k: QMessageBox.StandardButton.Yes  # type: ignore
        view.replay()  # the provider detects the reuse: the pass
        settle()
        save("exchange-replay")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
