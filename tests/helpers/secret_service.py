"""A real Secret Service for tests: a private D-Bus session bus with gnome-keyring on it.

``SecretService(unlock=True)`` starts ``dbus-daemon --session`` and
``gnome-keyring-daemon --foreground --unlock --components=secrets`` (the password comes on
stdin), in private XDG and HOME directories so nothing touches the user's own keyring.
With ``unlock=False`` the login collection stays locked, and every use is refused with
"Prompt dismissed" (there is no display for the prompter), as on a locked desktop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from typing import Any


class SecretService:
    def __init__(self, *, unlock: bool = True) -> None:
        self.unlock = unlock
        self.root = tempfile.mkdtemp(prefix="tokendesk-keyring-")
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen[Any]] = []

    def start(self) -> SecretService:
        for tool in ("dbus-daemon", "gnome-keyring-daemon"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is missing: scripts/setup.sh installs it "
                                   "(Debian packages dbus and gnome-keyring)")
        runtime = os.path.join(self.root, "run")
        home = os.path.join(self.root, "home")
        os.makedirs(runtime, mode=0o700)
        os.makedirs(home, mode=0o700)
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1",
             f"--address=unix:path={self.root}/bus"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self._procs.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        self.env = {"DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": runtime,
                    "XDG_DATA_HOME": os.path.join(home, ".local/share"), "HOME": home}
        env = {**os.environ, **self.env}
        args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
        if self.unlock:
            args.insert(2, "--unlock")
        daemon = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env)
        self._procs.append(daemon)
        assert daemon.stdin is not None
        if self.unlock:
            daemon.stdin.write(b"test-keyring-password")
        daemon.stdin.close()
        self._wait_for_service(env)
        return self

    def _wait_for_service(self, env: dict[str, str]) -> None:
        deadline = time.time() + 15
        while time.time() < deadline:
            probe = subprocess.run(
                ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                 "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                 "string:org.freedesktop.secrets"], env=env, capture_output=True, text=True)
            if "boolean true" in probe.stdout:
                return
            time.sleep(0.1)
        raise RuntimeError("gnome-keyring did not register org.freedesktop.secrets")

    def backend(self) -> Any:
        """A keyring backend bound to this service (the env must already be in os.environ)."""
        from keyring.backends.SecretService import Keyring

        return Keyring()

    def stop(self) -> None:
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
            for stream in (proc.stdout, proc.stdin):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.root, ignore_errors=True)
