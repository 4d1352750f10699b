"""UI fixtures: a private TOKENDESK_HOME, a settable clock, and a window whose tasks run inline."""

from __future__ import annotations

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
