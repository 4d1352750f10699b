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
def window(qtbot, clock, tokendesk_home):
    from tokendesk.ui.settings import Settings
    from tokendesk.ui.shell import MainWindow
    from tokendesk.ui.tasks import InlinePool

    win = MainWindow(settings=Settings(str(tokendesk_home / "settings.ini")), pool=InlinePool(),
                     clock=clock)
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture
def threaded_window(qtbot, clock, tokendesk_home):
    """A window with the real thread pool, for tests about responsiveness and cancelling."""
    from tokendesk.ui.settings import Settings
    from tokendesk.ui.shell import MainWindow

    win = MainWindow(settings=Settings(str(tokendesk_home / "settings.ini")), clock=clock)
    qtbot.addWidget(win)
    win.show()
    yield win
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15_000)
