"""Take the README's screenshots from the real window (run under Xvfb or on a desktop).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot.py docs/

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


def main(out_dir: str) -> int:
    os.environ.setdefault("TOKENDESK_HOME", tempfile.mkdtemp(prefix="tokendesk-shot-"))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    from tokendesk.ui import create_main_window

    window = create_main_window()
    window.resize(1360, 860)
    window.show()
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
    deadline = time.time() + 20
    while window.tasks.busy and time.time() < deadline:
        wait(50)
    wait(300)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "inspector.png"
    window.grab().save(str(path))
    print(path)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs"))
