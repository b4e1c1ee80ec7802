"""Pilot tests of the tuning screen (Ctrl+T) and profiles, against the simulator."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from playground.config import profiles
from playground.core.catalog import default_catalog
from playground.eval.prompt_sets import PromptSet
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.tui.screens.profiles import DiffProfilesDialog, PickProfileDialog, SaveProfileDialog
from playground.tui.screens.tuning import TuningScreen
from tests.helpers.tui import (
    BORDERLINE,
    SIZE,
    ended,
    open_tuning,
    ready,
    screen_text,
    sim_app,
    static_text,
    threshold,
    type_prompt,
    wait_for,
)

FLAGSHIP = default_catalog().flagship


async def test_keys_move_the_threshold_and_the_preview_follows() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.main_screen.prompt_area.load_text(BORDERLINE)
        screen = await open_tuning(pilot)
        assert screen.selected == "complexity"
        start = screen.after
        assert start is not None and screen.before == start
        assert "cost / 1,000 requests (est.)" in screen_text(pilot)
        picked, _ = screen.picks["complexity"]
        assert picked.model != FLAGSHIP  # mid tier at 0.9 (the default)

        await pilot.click("#step-high_threshold")
        await pilot.press("shift+left")  # ten steps of 0.01
        await wait_for(pilot, lambda: threshold(app) == pytest.approx(0.8), "the threshold to move")
        await pilot.press("left", "left")
        await wait_for(pilot, lambda: threshold(app) == pytest.approx(0.78), "two small steps")
        after = screen.after
        assert after is not None and screen.before == start
        assert after.flagship_share > start.flagship_share
        assert after.cost_per_1k > start.cost_per_1k
        picked, before = screen.picks["complexity"]
        assert picked.model == FLAGSHIP and before is not None and before.model != FLAGSHIP
        assert screen.query_one("#input-high_threshold", Input).value == "0.78"
        text = screen_text(pilot)
        assert "(was $" in text and "pts)" in text and f"(was {before.model})" in text
        assert threshold(app, pending=False) == 0.9  # not applied yet
        assert app.strategies["complexity"].values["high_threshold"] == 0.9


async def test_opening_the_screen_keeps_a_value_with_more_digits_than_its_field_shows() -> None:
    app = sim_app(strategies=["complexity"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.tune_setting("complexity", {"high_threshold": 0.5123456789})  # as a calibrated value arrives
        await wait_for(pilot, lambda: isinstance(app.screen, TuningScreen) and app.screen.ready, "the tuning screen")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TuningScreen)
        editor = screen.editor("high_threshold")
        assert editor.query_one(Input).value == "0.512346"
        assert threshold(app) == 0.5123456789  # not the field's rounding of it
        # A stray character is refused; deleting it gives back what the field showed: the reason
        # goes and the value stays whole.
        await pilot.click("#input-high_threshold")
        await pilot.press("end", "x")
        await wait_for(pilot, lambda: bool(editor.error), "the inline reason")
        assert threshold(app) == 0.5123456789
        await pilot.press("backspace")
        await wait_for(pilot, lambda: not editor.error, "the reason to go")
        assert threshold(app) == 0.5123456789 and not editor.has_class("-invalid")


async def test_an_invalid_typed_value_shows_the_reason_and_is_not_applied() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_tuning(pilot)
        start = screen.after
        await pilot.click("#input-high_threshold")
        await pilot.press("ctrl+a", "ctrl+k", "minus", "1")
        editor = screen.editor("high_threshold")
        await wait_for(pilot, lambda: "out of range" in editor.error, "the inline reason")
        await pilot.pause()
        shown = static_text(editor.query_one(".param-error", Static))
        assert shown == "✗ complexity.high_threshold: -1.0 is out of range; allowed 0.0..1.0"
        assert "✗ complexity.high_threshold: -1.0 is out of range" in screen_text(pilot)
        assert editor.has_class("-invalid")
        assert threshold(app) == 0.9 and screen.after == start

        # A cross-parameter rule of the strategy is refused the same way (a high
        # threshold given alone moves the low default out of its way, so the low
        # one is given first).
        await pilot.click("#input-low_threshold")
        await pilot.press("ctrl+a", "ctrl+k", *"0.5")
        await wait_for(pilot, lambda: app.tuning.values("complexity")["low_threshold"] == 0.5, "the low one to take")
        await pilot.click("#input-high_threshold")
        await pilot.press("ctrl+a", "ctrl+k", *"0.1")
        await wait_for(pilot, lambda: "must not exceed" in editor.error, "the strategy's own reason")
        assert threshold(app) == 0.9
        await pilot.click("#input-low_threshold")
        await pilot.press("ctrl+a", "ctrl+k", *"0.8")  # back to the default: nothing to apply
        await wait_for(pilot, lambda: app.tuning.values("complexity")["low_threshold"] == 0.8, "the low threshold back")

        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.strategies["complexity"].values["high_threshold"] == 0.9
        assert any("Nothing to apply" in n.message for n in app._notifications)

        # Leaving the field shows the value in effect again.
        await pilot.click("#step-high_threshold")
        await wait_for(pilot, lambda: not editor.error, "the error to clear")
        assert screen.query_one("#input-high_threshold", Input).value == "0.9"


async def test_apply_save_load_diff_and_send(tmp_path: Path) -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_tuning(pilot)

        # A profile of the untouched values, to compare with later.
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveProfileDialog), "the save dialog")
        await pilot.press(*"base", "enter")
        await wait_for(pilot, lambda: profiles.profile_path("base").exists(), "the base profile")

        await pilot.click("#step-high_threshold")
        await pilot.press("shift+left")
        await wait_for(pilot, lambda: threshold(app) == pytest.approx(0.8), "the threshold to move")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.strategies["complexity"].values["high_threshold"] == pytest.approx(0.8),
                       "the tuning to apply")
        assert screen.before == screen.after  # the applied values are the new baseline
        title = app.main_screen.column("complexity").query_one("#strategy-name", Static)
        assert "high_threshold=0.8" in static_text(title)

        # Save it: the name is validated as it is typed.
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveProfileDialog), "the save dialog")
        await pilot.press(*"bad name", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveProfileDialog)
        assert "use 1-64 letters" in screen_text(pilot)
        await pilot.press("ctrl+a", "ctrl+k", *"tuned", "enter")
        path = profiles.profile_path("tuned")
        await wait_for(pilot, path.exists, "the tuned profile")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        saved = path.read_text(encoding="utf-8")
        assert "[strategies.complexity]" in saved and "high_threshold = 0.8" in saved
        assert 'columns = [ "fixed", "complexity", "task", "cost",]' in saved or "columns" in saved

        # Diff: the changed key, left and right.
        await wait_for(pilot, lambda: isinstance(app.screen, TuningScreen), "the dialog to close")
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffProfilesDialog), "the diff dialog")
        dialog = app.screen
        assert isinstance(dialog, DiffProfilesDialog) and (dialog.left, dialog.right) == ("base", "tuned")
        table = dialog.query_one(DataTable)
        rows = [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
        assert ("strategies.complexity.high_threshold", "(unset)", "0.8") in rows
        assert "strategies.complexity.high_threshold" in screen_text(pilot)
        await pilot.press("escape")

        # Load the base profile back, then the tuned one.
        await wait_for(pilot, lambda: isinstance(app.screen, TuningScreen), "the diff to close")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickProfileDialog), "the load dialog")
        await pilot.press("enter")  # "base" is first
        await wait_for(pilot, lambda: app.strategies["complexity"].values["high_threshold"] == 0.9, "base to load")
        assert threshold(app) == 0.9
        await wait_for(pilot, lambda: screen.editor("high_threshold").value == 0.9, "the editor to follow")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickProfileDialog), "the load dialog")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.strategies["complexity"].values["high_threshold"] == 0.8, "tuned to load")

        # Back on the main screen, a send uses the tuned threshold.
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TuningScreen), "the tuning screen to close")
        app.main_screen.prompt_area.load_text(BORDERLINE)
        await pilot.press("ctrl+s")
        column = app.main_screen.column("complexity")
        await wait_for(pilot, lambda: ended(column), "the complexity column to finish")
        run = column.current
        assert run is not None and run.status == "done"
        assert run.model == FLAGSHIP and "≥ 0.8" in run.reason


async def test_prompt_set_option_reaches_the_preview() -> None:
    prompts = PromptSet("mine.txt", ("hi!", BUILTIN_PROMPTS[25]))
    app = sim_app(prompts=prompts)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "hello")
        screen = await open_tuning(pilot)
        assert screen.after is not None and screen.after.prompts == 2
        assert "Prompt set: mine.txt (2 prompts)" in screen_text(pilot)
        # Any strategy can be tuned, not only the columns.
        await screen.select_strategy("ensemble")
        await pilot.pause()
        assert screen.after.calls_per_request == pytest.approx(4.0)
        assert "ensemble" in screen.picks and "members" in [e.param.name for e in screen.query("ParamEditor")]  # type: ignore[attr-defined]


async def test_profile_commands_are_in_the_palette_and_need_a_profile() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        from playground.tui.commands import playground_commands

        titles = [title for title, _, _ in playground_commands(app)]
        for expected in ("Tune strategies", "Apply tuning", "Save profile…", "Load profile…", "Duplicate profile…",
                         "Diff profiles…"):
            assert expected in titles
        app.action_load_profile()
        await pilot.pause()
        assert any("No saved profile yet" in n.message for n in app._notifications)
        profiles.save_profile("one", app.current_policy())
        app.action_duplicate_profile()
        await wait_for(pilot, lambda: "Duplicate a profile" in screen_text(pilot), "the duplicate dialog")
        await pilot.click("#duplicate-name")
        await pilot.press(*"one")
        await pilot.pause()
        assert "already exists" in screen_text(pilot)
        await pilot.press("ctrl+a", "ctrl+k", *"two", "enter")
        await wait_for(pilot, lambda: profiles.list_profiles() == ["one", "two"], "the copy")
