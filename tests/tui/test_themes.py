"""Themes: the built-ins as data files (a snapshot each on the main screen), a
broken user theme (one notification, the default used), the picker's live
preview and the remembered choice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from playground.config import paths
from playground.engine.session import Session, SessionOptions
from playground.launch import open_session
from playground.tui.app import PlaygroundApp
from playground.tui.screens.theme_picker import ThemePicker
from playground.tui.themes import APP_VARIABLES, DEFAULT_THEME, builtin_themes, load_user_themes, parse_theme
from tests.helpers.tui import SIZE, sim_app, steady_cursor, wait_for

STATUS = "built-in simulator on loopback (no API keys set; answers, costs and timings are simulated)"
BUILTIN = sorted(builtin_themes())
REPO_THEMES = Path(__file__).parents[2] / "themes"


@pytest.fixture
def session() -> Iterator[Session]:
    session = open_session(SessionOptions(force_sim=True))
    try:
        yield session
    finally:
        session.close()


def test_builtins_are_the_top_level_data_files() -> None:
    files = sorted(p.name for p in REPO_THEMES.glob("*.toml"))
    assert len(files) >= 4 and {f"{name}.toml" for name in BUILTIN} == set(files)
    assert {"playground-dark", "playground-light", "playground-high-contrast", "phosphor"} <= set(BUILTIN)
    # Built-ins use the same format users drop in their themes dir: they load from there too.
    user = load_user_themes(REPO_THEMES)
    assert not user.failed and sorted(user.loaded) == BUILTIN
    for theme in builtin_themes().values():
        assert set(APP_VARIABLES) <= set(theme.variables), theme.name
    assert not builtin_themes()["playground-light"].dark


@pytest.mark.parametrize("name", BUILTIN)
def test_theme_snapshot(snap_compare, session: Session, name: str) -> None:
    app = PlaygroundApp(session=session, status_text=STATUS)

    async def themed(pilot: Pilot) -> None:
        pilot.app.theme = name
        await steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=themed)


@pytest.mark.parametrize(("text", "fragment"), [
    ('name = "x"\nprimary = "not-a-colour"\n', "primary: 'not-a-colour' is not a colour"),
    ('primary = "#112233"\n', "name: missing"),
    ('name = "x"\nprimary = "#112233"\nbackgrnd = "#000000"\n', "backgrnd: unknown key"),
    ('name = "x"\nprimary = "#112233"\n[variables]\ncost = "pink-ish"\n', "variables: 'pink-ish' is not a colour"),
    ("name = \n", "not valid TOML"),
])
def test_parse_errors_name_the_file_and_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(Exception) as info:
        parse_theme(text, "/somewhere/mine.toml")
    assert str(info.value).startswith("/somewhere/mine.toml: ") and fragment in str(info.value), str(info.value)


async def test_a_broken_user_theme_is_one_notification_and_the_default_is_used() -> None:
    themes = paths.themes_dir()
    themes.mkdir(parents=True)
    broken = themes / "mine.toml"
    broken.write_text('name = "mine"\nprimary = "#12345"\n')
    (themes / "good.toml").write_text('name = "good"\nprimary = "#336699"\n')
    # The config asks for the broken one.
    config = paths.config_dir() / "config.toml"
    config.write_text('[ui]\ntheme = "mine"\n')
    from playground.config.load import load_config

    settings = load_config(config).settings
    app = sim_app(settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app._notifications), "a notification")
        await pilot.pause()
        notes = [n for n in app._notifications if n.title == "Theme"]
        assert len(notes) == 1, [n.message for n in app._notifications]
        assert str(broken) in notes[0].message and "primary" in notes[0].message
        assert f"using {DEFAULT_THEME}" in notes[0].message
        assert app.theme == DEFAULT_THEME
        assert "good" in app.available_themes  # the other user theme still loaded
        # The app's own variables reach CSS for every theme.
        assert app.theme_variables["breaker-open"] == builtin_themes()[DEFAULT_THEME].variables["breaker-open"]


async def test_picker_previews_live_and_the_choice_is_remembered() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == DEFAULT_THEME
        app.action_change_theme()
        await wait_for(pilot, lambda: isinstance(app.screen, ThemePicker), "the theme picker")
        await pilot.press("down")
        await wait_for(pilot, lambda: app.theme != DEFAULT_THEME, "the live preview")
        previewed = app.theme
        await pilot.press("escape")  # cancel: the previous theme comes back
        await wait_for(pilot, lambda: not isinstance(app.screen, ThemePicker), "the picker to close")
        assert app.theme == DEFAULT_THEME
        app.action_change_theme()
        await wait_for(pilot, lambda: isinstance(app.screen, ThemePicker), "the theme picker")
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ThemePicker), "the picker to close")
        chosen = app.theme
        assert chosen not in (DEFAULT_THEME, previewed)
    assert os.stat(paths.state_dir() / "session.json").st_mode & 0o777 == 0o600
    again = sim_app()
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == chosen
