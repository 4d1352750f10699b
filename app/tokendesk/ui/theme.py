"""Colors derived from the palette of the current theme (light or dark), never fixed.

Each role (ok, bad, warn, muted, the token segments, JSON syntax, badges, bars) starts from a
hue of its own and has its lightness moved until its text reaches WCAG's 4.5:1 contrast
against every background it is drawn on, whatever the palette: the system's light or dark
one, or one a user set. The table models and views ask :func:`current_theme` for colors,
never write them.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

__all__ = ["MIN_CONTRAST", "Theme", "contrast", "current_theme", "readable"]

#: WCAG 2 AA for normal text.
MIN_CONTRAST = 4.5

# Hues to start from: the light set reads well on white, the dark set on near-black; either
# is then moved to the palette's own backgrounds (see readable()).
_LIGHT = {"ok": "#1b7f3b", "bad": "#c62828", "warn": "#a15c00", "muted": "#5f6368",
          "header": "#c2185b", "payload": "#7b1fa2", "signature": "#0277bd",
          "encrypted_key": "#e65100", "iv": "#827717", "ciphertext": "#7b1fa2", "tag": "#0277bd",
          "key": "#1a57c4", "string": "#137333", "number": "#b45309", "literal": "#8430ce"}
_DARK = {"ok": "#5fd38d", "bad": "#ff6b6b", "warn": "#ffcc66", "muted": "#9aa0a6",
         "header": "#ff7b8a", "payload": "#d9a6ff", "signature": "#5cc8ff",
         "encrypted_key": "#ffb86c", "iv": "#f1fa8c", "ciphertext": "#d9a6ff", "tag": "#5cc8ff",
         "key": "#8ab4f8", "string": "#a8dba8", "number": "#f4b183", "literal": "#d7a8ff"}
_SEGMENTS = ("header", "payload", "signature", "encrypted_key", "iv", "ciphertext", "tag")
_JSON = ("key", "string", "number", "literal")
_BADGE_OTHER = "#455a64"
#: Which role colors a credential's status, an environment, an expiry state.
STATUS_ROLES = {"active": "ok", "expired": "warn", "revoked": "bad", "reuse detected": "bad",
                "revoke pending": "warn", "needs sign-in": "bad", "unknown": "muted"}
ENVIRONMENT_ROLES = {"dev": "ok", "staging": "warn", "prod": "bad"}
#: Palettes when there is no application (light, as Qt's default).
_FALLBACK = {"window": "#efefef", "base": "#ffffff", "alternate": "#f7f7f7", "text": "#000000",
             "window_text": "#000000", "highlight": "#308cc6", "highlighted_text": "#ffffff"}


def _badge_seeds() -> dict[str, str]:
    """Badge hues per token kind (white text on them), from the kinds' table, and the
    "unsecured" badge (a format, not a kind)."""
    from tokendesk.core.tokens.model import KINDS

    return {**{kind.value: info.badge for kind, info in KINDS.items()}, "unsecured": "#c62828"}


def _qcolor(color: QColor | str) -> QColor:
    """``color`` as a QColor. Not ``QColor(a_qcolor)``: resolving that overload makes PySide6
    build its whole Qt enum namespace (tens of ms), which the first paint must not wait for."""
    return color if isinstance(color, QColor) else QColor(color)


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF()))


def contrast(a: QColor | str, b: QColor | str) -> float:
    """WCAG 2 contrast ratio of two colors (1 to 21)."""
    la, lb = _luminance(_qcolor(a)), _luminance(_qcolor(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def mix(a: QColor | str, b: QColor | str, share_of_b: float) -> QColor:
    """``a`` moved ``share_of_b`` (0..1) of the way to ``b``."""
    ca, cb = _qcolor(a), _qcolor(b)
    t = max(0.0, min(1.0, share_of_b))
    return QColor.fromRgbF(ca.redF() + (cb.redF() - ca.redF()) * t,
                           ca.greenF() + (cb.greenF() - ca.greenF()) * t,
                           ca.blueF() + (cb.blueF() - ca.blueF()) * t)


def readable(seed: QColor | str, backgrounds: list[QColor], toward: QColor,
             minimum: float = MIN_CONTRAST) -> QColor:
    """``seed``, moved step by step toward ``toward`` (the palette's text color, which has the
    most contrast there is) until it reaches ``minimum`` against every background."""
    color = _qcolor(seed)
    for step in range(21):
        candidate = mix(color, toward, step / 20)
        if all(contrast(candidate, bg) >= minimum for bg in backgrounds):
            return candidate
    return QColor(toward.name())


class Theme:
    """The colors of one palette. Role colors are ``#rrggbb`` strings (for style sheets);
    :meth:`color` gives a QColor."""

    def __init__(self, palette: QPalette | None = None) -> None:
        if palette is None:
            get = {k: QColor(v) for k, v in _FALLBACK.items()}
        else:
            role = QPalette.ColorRole
            get = {"window": palette.color(role.Window), "base": palette.color(role.Base),
                   "alternate": palette.color(role.AlternateBase),
                   "text": palette.color(role.Text),
                   "window_text": palette.color(role.WindowText),
                   "highlight": palette.color(role.Highlight),
                   "highlighted_text": palette.color(role.HighlightedText)}
        self.window, self.base = get["window"].name(), get["base"].name()
        self.alternate_base, self.text = get["alternate"].name(), get["text"].name()
        self.highlight, self.highlighted_text = (get["highlight"].name(),
                                                 get["highlighted_text"].name())
        self.dark = get["window"].lightness() < 128
        seeds = _DARK if self.dark else _LIGHT
        surfaces = [get["window"], get["base"], get["alternate"]]
        toward = get["text"] if contrast(get["text"], get["base"]) >= contrast(
            get["window_text"], get["window"]) else get["window_text"]
        made = {name: readable(seed, surfaces, toward).name() for name, seed in seeds.items()}
        self.ok, self.bad, self.warn, self.muted = (made["ok"], made["bad"], made["warn"],
                                                    made["muted"])
        self.segments = {name: made[name] for name in _SEGMENTS}
        self.json = {name: made[name] for name in _JSON}
        white = QColor("#ffffff")
        self._badges = {kind: readable(seed, [white], QColor("#000000")).name()
                        for kind, seed in {**_badge_seeds(), "other": _BADGE_OTHER}.items()}
        self.badge_text = "#ffffff"
        # a warning banner: a tint of warn under the palette's text
        self.banner = (readable(mix(self.warn, self.base, 0.75), [get["text"]],
                                get["base"]).name(), self.text)
        self._bars: dict[str, tuple[str, str]] = {}

    def color(self, name: str) -> QColor:
        return QColor(str(getattr(self, name)))

    def badge_colors(self, kind: str) -> tuple[str, str]:
        """(background, text) of the kind badge."""
        return self._badges.get(kind, self._badges["other"]), self.badge_text

    def role_of_status(self, status: str) -> str:
        return STATUS_ROLES.get(status, "muted")

    def status_color(self, status: str) -> str:
        """The color of a credential's status ("active", "revoked"…)."""
        return str(getattr(self, self.role_of_status(status)))

    def environment_color(self, environment: str | None) -> str | None:
        """The color of an environment label (dev, staging, prod); None for others."""
        role = ENVIRONMENT_ROLES.get(environment or "")
        return None if role is None else str(getattr(self, role))

    def bar_colors(self, role: str) -> tuple[str, str]:
        """(fill, track) of a bar in ``role``'s hue that the palette's text stays readable on."""
        bar = self._bars.get(role)
        if bar is None:
            text = QColor(self.text)
            fill = readable(getattr(self, role), [text], QColor(self.base))
            track = readable(mix(fill, self.base, 0.8), [text], QColor(self.base))
            bar = self._bars[role] = (fill.name(), track.name())
        return bar

    def pairs(self) -> list[tuple[str, str, str]]:
        """Every (what, color, background) this theme draws text in: for the contrast test."""
        out: list[tuple[str, str, str]] = []
        for name in ("ok", "bad", "warn", "muted"):
            for bg_name in ("window", "base", "alternate_base"):
                out.append((f"{name} on {bg_name}", getattr(self, name), getattr(self, bg_name)))
        for group in (self.segments, self.json):
            for name, color in group.items():
                out.append((f"{name} on base", color, self.base))
        for kind, background in self._badges.items():
            out.append((f"badge {kind}", self.badge_text, background))
        for role in ("ok", "warn", "bad", "muted"):
            fill, track = self.bar_colors(role)
            out.append((f"text on {role} bar", self.text, fill))
            out.append((f"text on {role} bar track", self.text, track))
        out.append(("banner", self.banner[1], self.banner[0]))
        for status in STATUS_ROLES:
            for bg_name in ("base", "alternate_base"):
                out.append((f"status {status} on {bg_name}", self.status_color(status),
                            getattr(self, bg_name)))
        for env in ENVIRONMENT_ROLES:
            out.append((f"environment {env}", self.environment_color(env) or "",
                        self.base))
        return out


_cache: tuple[int, Theme] | None = None


def current_theme() -> Theme:
    """The theme of the application's palette now (cached until the palette changes)."""
    global _cache
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return Theme()
    palette = app.palette()
    key = palette.cacheKey()
    if _cache is None or _cache[0] != key:
        _cache = (key, Theme(palette))
    return _cache[1]
