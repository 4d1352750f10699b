"""Every color comes from the current palette, light or dark, with text contrast of 4.5:1 or more."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from tests.conftest import NOW
from tests.ui.palettes import dark_palette, light_palette

PALETTES = {"light": light_palette, "dark": dark_palette}


@pytest.fixture(params=sorted(PALETTES))
def palette(request, qapp):
    """The application's palette set to a light or a dark one for the test, then restored."""
    saved = QApplication.palette()
    chosen = PALETTES[request.param]()
    QApplication.setPalette(chosen)
    yield chosen
    QApplication.setPalette(saved)


def test_every_palette_derived_text_color_has_a_contrast_of_4_5_or_more(palette):
    from tokendesk.ui.theme import MIN_CONTRAST, contrast, current_theme

    theme = current_theme()
    pairs = theme.pairs()
    assert len(pairs) >= 50  # roles, segments, JSON, badges, bars, banner, statuses
    poor = [(what, color, background, round(contrast(color, background), 2))
            for what, color, background in pairs if contrast(color, background) < MIN_CONTRAST]
    assert poor == []


def test_the_theme_follows_the_palette_light_or_dark(palette):
    from tokendesk.ui.theme import current_theme

    theme = current_theme()
    window = palette.color(palette.ColorRole.Window)
    assert theme.dark == (window.lightness() < 128)
    assert theme.base == palette.color(palette.ColorRole.Base).name()


def test_the_vault_status_and_env_columns_are_readable_on_the_table(palette):
    from tokendesk.core.vault.model import Credential, Status
    from tokendesk.ui.models.credentials_model import ENV, STATUS, CredentialsModel
    from tokendesk.ui.theme import MIN_CONTRAST, contrast

    model = CredentialsModel()
    rows = [Credential(name=f"c{i}", client="app", uid=f"u{i}", environment=env,
                       status=status)
            for i, (env, status) in enumerate([("dev", Status.ACTIVE), ("staging",
                                               Status.REVOKED), ("prod", Status.NEEDS_SIGN_IN)])]
    model.set_rows(rows, NOW)
    from PySide6.QtCore import Qt

    base = palette.color(palette.ColorRole.Base)
    alternate = palette.color(palette.ColorRole.AlternateBase)
    for row in range(model.rowCount()):
        for column in (ENV, STATUS):
            color = model.data(model.index(row, column), Qt.ItemDataRole.ForegroundRole)
            assert isinstance(color, QColor)
            assert contrast(color, base) >= MIN_CONTRAST
            assert contrast(color, alternate) >= MIN_CONTRAST


def test_the_expiry_states_are_readable_on_the_table(palette):
    from tokendesk.core.expiry import ExpiryRow
    from tokendesk.ui.models.expiry_model import LEFT, STATE, ExpiryModel
    from tokendesk.ui.theme import MIN_CONTRAST, contrast

    model = ExpiryModel()
    model.set_rows([ExpiryRow(credential="a", kind="access token", expires_at=at,
                              environment="dev", client="app")
                    for at in (NOW - 10, NOW + 30, NOW + 9000, None)], NOW)
    base = palette.color(palette.ColorRole.Base)
    for row in range(model.rowCount()):
        for column in (LEFT, STATE):
            _text, color = model.countdown(row, column)
            assert contrast(color, base) >= MIN_CONTRAST


def test_a_theme_change_reaches_the_tables_with_their_next_rows(qapp):
    """The models take their colors from the palette of the moment, not from the first one."""
    from tokendesk.core.vault.model import Credential, Status
    from tokendesk.ui.models.credentials_model import STATUS, CredentialsModel
    from tokendesk.ui.theme import Theme

    saved = QApplication.palette()
    model = CredentialsModel()
    rows = [Credential(name="c", client="app", uid="u", status=Status.REVOKED)]
    try:
        QApplication.setPalette(light_palette())
        model.set_rows(rows, NOW)
        from PySide6.QtCore import Qt

        light = model.data(model.index(0, STATUS), Qt.ItemDataRole.ForegroundRole)
        QApplication.setPalette(dark_palette())
        model.set_rows(rows, NOW)
        dark = model.data(model.index(0, STATUS), Qt.ItemDataRole.ForegroundRole)
    finally:
        QApplication.setPalette(saved)
    assert light.name() == Theme(light_palette()).bad
    assert dark.name() == Theme(dark_palette()).bad
    assert light != dark


def test_a_palette_whose_text_has_no_contrast_falls_back_to_its_text_color():
    """When no shade of a hue reaches 4.5:1 (a palette with grey text on grey), the palette's
    own text color is used: never less readable than the rest of the window."""
    from tokendesk.ui.theme import readable

    grey, text = QColor("#777777"), QColor("#7a7a7a")
    assert readable("#c62828", [grey], text) == text


def test_without_an_application_the_theme_is_light_and_readable():
    from tokendesk.ui.theme import MIN_CONTRAST, Theme, contrast

    theme = Theme()
    assert not theme.dark
    assert all(contrast(color, background) >= MIN_CONTRAST
               for _what, color, background in theme.pairs())


def test_the_expiry_hint_is_readable_on_the_window(palette, make_window):
    """Drawn, not disabled: the strongest pixel of its text reaches 4.5:1 on the window."""
    from PySide6.QtWidgets import QLabel

    from tests.helpers.named import named
    from tokendesk.ui.theme import MIN_CONTRAST, contrast

    window = make_window()
    hint = named(window.show_view("Expiry"), "Hint", QLabel)
    assert hint.isEnabled()
    image = hint.grab().toImage()
    background = palette.color(palette.ColorRole.Window)
    strongest = max(contrast(image.pixelColor(x, y), background)
                    for x in range(0, image.width(), 2) for y in range(image.height()))
    assert strongest >= MIN_CONTRAST
