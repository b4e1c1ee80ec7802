"""Themes as data files: the built-ins (the top-level `themes/` folder, shipped
inside the package as `playground/tui/builtin_themes`, a link to it) and the
user's own in the themes dir (`paths.themes_dir()`), in one TOML format.

A theme file is validated completely before it becomes a `textual.theme.Theme`,
so a broken user theme is reported once, naming the file and the problem, and
never half-applied. The playground's own CSS variables (`$cost`, `$breaker-open`,
...) have defaults here, so Textual's stock themes work too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from playground.config import paths

DEFAULT_THEME = "playground-dark"

# The variables the playground's .tcss files and widgets use, with the values
# a theme that does not set them gets (Textual's stock themes, user themes).
APP_VARIABLES: dict[str, str] = {
    "cost": "#e6b450",
    "latency": "#5fa8d3",
    "breaker-closed": "#5cc98a",
    "breaker-open": "#e0625a",
    "breaker-half-open": "#e6b450",
    "simulated": "#b58de0",
}


def _color(value: str) -> str:
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f"{value!r} is not a colour (use e.g. \"#1f6fb2\" or \"rgb(31, 111, 178)\")") from None
    return value


class ThemeFile(BaseModel):
    """The format of a theme file (built-in or the user's)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    luminosity_spread: float = Field(default=0.15, ge=0, le=1)
    text_alpha: float = Field(default=0.95, ge=0, le=1)
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
                     "success", "warning", "error")
    @classmethod
    def _colors(cls, value: str | None) -> str | None:
        return None if value is None else _color(value)

    @field_validator("variables")
    @classmethod
    def _app_variables(cls, value: dict[str, str]) -> dict[str, str]:
        for name in APP_VARIABLES:
            if name in value:
                _color(value[name])
        return value

    def to_theme(self) -> Theme:
        data = self.model_dump()
        return Theme(**data)


class ThemeError(Exception):
    """A theme file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ThemeLoad:
    loaded: dict[str, Theme]
    failed: list[str]  # one line per broken file


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key (allowed: name, dark, primary, secondary, accent, foreground, background, surface, " \
                  "panel, boost, success, warning, error, luminosity_spread, text_alpha, [variables])"
    elif first["type"] == "missing":
        message = "missing (every theme needs it)"
    more = f" (and {len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    return f"{where}: {message}{more}"


def parse_theme(text: str, origin: str) -> Theme:
    """Validate one theme file's text; raises `ThemeError` naming `origin`."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{origin}: not valid TOML: {exc}") from None
    try:
        return ThemeFile.model_validate(data).to_theme()
    except ValidationError as exc:
        raise ThemeError(f"{origin}: {_describe(exc)}") from None


def _read(path: Traversable | Path, origin: str) -> Theme:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{origin}: cannot read it: {exc}") from None
    return parse_theme(text, origin)


def builtin_dir() -> Traversable:
    return resources.files("playground.tui").joinpath("builtin_themes")


def builtin_themes() -> dict[str, Theme]:
    """The themes shipped with the playground (a broken one is a bug: it raises)."""
    found = sorted((f for f in builtin_dir().iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    themes = [_read(f, f"themes/{f.name}") for f in found]
    return {theme.name: theme for theme in themes}


def load_user_themes(directory: Path | None = None) -> ThemeLoad:
    """Every `*.toml` in the user's themes dir: the ones that load, and one
    line per file that does not (the app shows those, then carries on)."""
    directory = directory or paths.themes_dir()
    loaded: dict[str, Theme] = {}
    failed: list[str] = []
    if not directory.is_dir():
        return ThemeLoad(loaded, failed)
    for path in sorted(directory.glob("*.toml")):
        try:
            theme = _read(path, str(path))
        except ThemeError as exc:
            failed.append(str(exc))
            continue
        loaded[theme.name] = theme
    return ThemeLoad(loaded, failed)


def install_themes(app: Any, preferred: str | None, user_dir: Path | None = None) -> str | None:
    """Register the built-in and user themes with `app` and switch to
    `preferred` (the default theme when it is not available). Returns one
    message for the user when something was not used, else None."""
    for theme in builtin_themes().values():
        app.register_theme(theme)
    user = load_user_themes(user_dir)
    for theme in user.loaded.values():
        app.register_theme(theme)
    lines = [f"not loaded: {line}" for line in user.failed]
    wanted = preferred or DEFAULT_THEME
    if wanted not in app.available_themes:
        if not user.failed:
            lines.append(f"theme {wanted!r} is not installed")
        lines[-1] += f"; using {DEFAULT_THEME}"
        wanted = DEFAULT_THEME
    app.theme = wanted
    return "\n".join(lines) or None
