"""UI fixtures: a private TOKENDESK_HOME, a settable clock, and a window whose tasks run inline."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import NOW


class Clock:
    def __init__(self, t: float = NOW) -> None:
        self.t = float(t)

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def tokendesk_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    return home


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_window(qtbot, clock, tokendesk_home):
    """Build a shown main window: tasks inline (unless ``threaded``), the tests' clock and
    settings, and, when given, a ``store_factory`` for the vault and a ``tab`` to open."""
    from tokendesk.ui.settings import Settings
    from tokendesk.ui.shell import MainWindow
    from tokendesk.ui.tasks import InlinePool

    def make(*, threaded: bool = False, tab: str | None = None, **options):
        win = MainWindow(settings=Settings(str(tokendesk_home / "settings.ini")),
                         pool=None if threaded else InlinePool(), clock=clock, **options)
        qtbot.addWidget(win)
        win.show()
        if tab is not None:
            win.tabs.setCurrentWidget(getattr(win, tab))
        return win

    return make


@pytest.fixture
def keyring_store_factory(secret_service):
    """A vault store on the tests' private Secret Service."""
    from tokendesk.core.vault import KeyringStore

    return lambda home: KeyringStore(home, secret_service.backend())


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def threaded_window(make_window, qtbot):
    """A window with the real thread pool, for tests about responsiveness and cancelling."""
    win = make_window(threaded=True)
    yield win
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15_000)


@pytest.fixture
def cli(tokendesk_home, secret_service):
    """Run ``tokendesk ARGS`` in another process, as a script would."""
    env = {**os.environ, "TOKENDESK_HOME": str(tokendesk_home)}

    def run(*args: str, stdin: str | None = None, check: bool = True,
            passphrase: str | None = None) -> subprocess.CompletedProcess[str]:
        extra = {"TOKENDESK_VAULT_PASSPHRASE": passphrase} if passphrase else {}
        done = subprocess.run([sys.executable, "-m", "tokendesk", *args], input=stdin,
                              capture_output=True, text=True, env={**env, **extra}, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        if check:
            assert done.returncode == 0, done.stderr
        return done

    run.env = env
    return run


@pytest.fixture
def start_app(qtbot, tokendesk_home, secret_service):
    """Start the app as ``tokendesk gui`` does (the welcome already seen)."""
    import keyring

    from tokendesk.ui.app import launch
    from tokendesk.ui.settings import Settings

    keyring.set_keyring(secret_service.backend())  # keyring picks its backend once a process
    settings = Settings(str(tokendesk_home / "settings.ini"))
    settings.set("app/welcomed", True)
    windows = []

    def start():
        _app, win = launch(settings=settings)
        qtbot.addWidget(win)
        windows.append(win)
        # the app's start-up runs after the first paint
        qtbot.waitUntil(lambda: win.expiry_controller is not None
                        and win.expiry_controller.timer.isActive(), timeout=15_000)
        return win

    yield start
    for win in windows:
        win.close()  # what is running at a server reports first (an auto-refresh, say)
        qtbot.waitUntil(lambda w=win: not w.tasks.side_effects_running, timeout=60_000)
