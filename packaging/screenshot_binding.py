"""Take the README's "Bound tokens" screenshot from the real window (run under Xvfb):

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot_binding.py docs/

A DPoP proof made with a fresh key (nothing real) for a request with an access token bound to
that key, shown in the Inspector's Binding tab and checked there. No network is used.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(out_dir: str) -> int:
    os.environ.setdefault("TOKENDESK_HOME", tempfile.mkdtemp(prefix="tokendesk-shot-"))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    from tokendesk.core.tokens.dpop import generate_dpop_key, jkt, make_proof
    from tokendesk.core.tokens.encode import encode, generate_key
    from tokendesk.core.vault import FileStore
    from tokendesk.ui.shell import MainWindow

    home = Path(os.environ["TOKENDESK_HOME"])
    store = FileStore(home / "secrets.enc")
    store.create("screenshot passphrase")
    window = MainWindow(store_factory=lambda _home: store)
    window.resize(1360, 860)
    window.show()

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    now = int(time.time())
    key = generate_dpop_key("ES256")
    access = encode({"iss": "https://login.example.com/", "sub": "ada", "aud": "orders-api",
                     "iat": now - 30, "exp": now + 270, "scope": "orders:read",
                     "cnf": {"jkt": jkt(key)}}, generate_key("EC", kid="demo-2026"),
                    header={"typ": "at+jwt"})
    proof = make_proof(key, "GET", "https://api.example/orders?page=2", now=now - 4,
                       access_token=access, nonce="eyJ7S_zG.eyJH0-Z.HX4w-7v")
    wait(300)
    inspector = window.inspector
    inspector.set_text(proof)
    panel = inspector.binding_panel
    inspector.decoded_tabs.setCurrentWidget(panel)
    panel.access_token.setText(access)
    panel.nonce.setText("eyJ7S_zG.eyJH0-Z.HX4w-7v")
    panel.check_button.click()
    wait(500)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out / "binding.png"))
    window.close()
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "docs"))
