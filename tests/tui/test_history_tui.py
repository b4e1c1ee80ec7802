"""History in the app: runs re-opened after a restart, a crash mid-run keeping
what streamed, re-send and export; copying a column's answer; the session
remembered across a restart."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Markdown

from playground.config import paths
from playground.history import HistoryStore, history_file
from playground.session_memory import load_memory
from playground.tui.app import PlaygroundApp
from playground.tui.copying import clipboard_file
from playground.tui.screens.history import HistoryScreen, RunView
from tests.helpers.tui import SIZE, TIMEOUT_S, ended, ready, screen_text, sim_app, type_prompt, wait_for

PROMPT = "What is the capital of France?"


async def open_history(pilot: Pilot, runs: int = 1) -> HistoryScreen:
    """Ctrl+R on a ready app; waits until `runs` runs are listed."""
    await ready(pilot)
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen), "the history screen")
    history = pilot.app.screen
    assert isinstance(history, HistoryScreen)
    await wait_for(pilot, lambda: history.query_one(DataTable).row_count == runs, f"{runs} run(s) listed")
    return history


async def test_a_run_reopens_side_by_side_after_a_restart() -> None:
    app = sim_app(strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.columns) == 2 and all(ended(c) for c in app.columns), "both answers")
        answers = {c.strategy.name: c.current.result.text for c in app.columns}  # type: ignore[union-attr]
        assert all(answers.values())
    # A new app: the run is in the history.
    again = sim_app(strategies=["fixed"])
    async with again.run_test(size=SIZE) as pilot:
        history = await open_history(pilot)
        word = max(answers["cost"].split(), key=len).strip(".,;:!?*`")
        await pilot.press(*word.lower())  # full-text search over the answers
        await wait_for(pilot, lambda: "1 of 1 run match" in screen_text(pilot), f"a match for {word!r}")
        await pilot.press(*" zzzz")
        await wait_for(pilot, lambda: "0 of 1 run match" in screen_text(pilot), "no match")
        await pilot.press(*["backspace"] * 5)
        await wait_for(pilot, lambda: history.query_one(DataTable).row_count == 1, "the run again")
        await pilot.press("enter", "enter")  # to the list, then re-open
        await wait_for(pilot, lambda: isinstance(again.screen, RunView), "the run re-opened")
        view = again.screen
        assert isinstance(view, RunView)
        shown = [m.source for m in view.query(".past-answer").results(Markdown)]
        assert shown == [answers["fixed"], answers["cost"]]
        assert PROMPT in screen_text(pilot)
        await pilot.press("t")  # traces
        await wait_for(pilot, lambda: "**Why:**" in next(view.query(".past-answer").results(Markdown)).source,
                       "the traces")
        await pilot.press("m")  # export as Markdown
        await wait_for(pilot, lambda: bool(list(paths.exports_dir().glob("run-*.md"))), "the export")
        exported = list(paths.exports_dir().glob("run-*.md"))
        assert PROMPT in exported[0].read_text() and stat.S_IMODE(exported[0].stat().st_mode) == 0o600
        await pilot.press("r")  # re-send: back on the main screen with the run's prompt and columns
        await wait_for(pilot, lambda: len(again.screen_stack) == 1, "the main screen")
        await wait_for(pilot, lambda: [c.strategy.name for c in again.columns] == ["fixed", "cost"], "the columns")
        assert again.prompt_area.text == PROMPT
        await wait_for(pilot, lambda: all(ended(c) for c in again.columns), "the re-sent answers")
    with HistoryStore() as store:
        assert [r.prompt for r in store.runs()] == [PROMPT, PROMPT]


_CRASHING_APP = textwrap.dedent("""
    from playground.engine.session import SessionOptions
    from playground.tui.app import PlaygroundApp
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=1.0), strategies=["fixed"],
                        initial_prompt="Write a long essay about the history of distributed databases.",
                        send_initial_prompt=True)
    app.run(headless=True, size=(120, 40))
""")


def _streamed_so_far() -> str:
    path = history_file()
    if not path.exists():
        return ""
    try:
        row = sqlite3.connect(path).execute("SELECT group_concat(text, '') FROM attempts").fetchone()
    except sqlite3.OperationalError:
        return ""
    return row[0] or ""


# The child starts cold (Textual, both SDKs, the simulator, the session): 7-8 s of CPU before its
# first token. With two suites at once on two cores (load 9, a quarter of the time stolen by the
# host) that took over a minute, so it has three minutes, and the test its own timeout.
_CRASHING_APP_DEADLINE_S = 3 * TIMEOUT_S


@pytest.mark.timeout(_CRASHING_APP_DEADLINE_S + 120)
async def test_a_crash_mid_run_keeps_what_streamed(tmp_path: Path) -> None:
    # Its tokens are estimated (no tokenizer to load: 2 s of CPU less before the first token); its
    # stderr goes to a file, which cannot fill up and stop it as an unread pipe could.
    env = os.environ | {"PLAYGROUND_TOKENIZER": "estimate"}
    with (tmp_path / "stderr.txt").open("w+b") as stderr:
        child = subprocess.Popen([sys.executable, "-c", _CRASHING_APP], env=env, stdout=subprocess.DEVNULL,
                                 stderr=stderr)
        try:
            deadline = time.monotonic() + _CRASHING_APP_DEADLINE_S
            while len(_streamed_so_far()) < 80:
                assert child.poll() is None, (tmp_path / "stderr.txt").read_text(errors="replace")
                assert time.monotonic() < deadline, "the app never streamed"
                time.sleep(0.05)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    streamed = _streamed_so_far()
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        history = await open_history(pilot)
        assert history.rows[0].status == "interrupted"
        history.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunView), "the run re-opened")
        (shown,) = [m.source for m in app.screen.query(".past-answer").results(Markdown)]
        assert shown.startswith(streamed)  # everything streamed before the kill, maybe a little more
        assert "interrupted" in screen_text(pilot)


async def test_copy_a_columns_answer_and_trace() -> None:
    app = sim_app(strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.extras.copy_answer("fixed")
        await wait_for(pilot, lambda: any("fixed has no answer yet" in n.message for n in app._notifications),
                       "the nothing-to-copy notice")
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in app.columns), "the answers")
        answer = app.column("cost").current.result.text  # type: ignore[union-attr]
        # The key asks which column when focus does not say.
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: len(app.screen_stack) > 1, "the column chooser")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.clipboard == answer, "the cost answer on the clipboard")
        assert clipboard_file().read_text() == answer
        assert stat.S_IMODE(clipboard_file().stat().st_mode) == 0o600
        await wait_for(pilot, lambda: any(str(clipboard_file()) in n.message and "OSC 52" in n.message
                                          for n in app._notifications), "the copied notice with the fallback file")
        # From the palette's command: answer and trace.
        app.extras.copy_answer("fixed", with_trace=True)
        fixed = app.column("fixed").current.result.text  # type: ignore[union-attr]
        assert app.clipboard.startswith(fixed) and "## fixed →" in app.clipboard


async def test_the_session_is_remembered() -> None:
    from playground.session_memory import restore_session  # what run_tui, the real entry, calls

    app = sim_app(strategies=["fixed", "task"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in app.columns), "the answers")
        await wait_for(pilot, lambda: app.totals.totals is not None and app.totals.totals.session_usd > 0,
                       "the session total")
        spent = app.totals.totals.session_usd  # type: ignore[union-attr]
        app.policy.values["fixed"] = {"model": "gpt-4o"}  # as the tuning screen's apply does
    memory, problem = load_memory()
    assert problem is None
    assert memory.prompt == PROMPT and memory.columns == ["fixed", "task"]
    assert memory.tuning == {"fixed": {"model": "gpt-4o"}} and memory.spend_usd == spent > 0
    columns, prompt, values, notices = restore_session(app.settings, app.settings.columns, None, None)
    assert (columns, prompt, values, notices) == (["fixed", "task"], PROMPT, {"fixed": {"model": "gpt-4o"}}, [])
    # What the command line gives wins.
    columns, prompt, values, _ = restore_session(app.settings, ["cost"], "other", {"fixed": {"model": "gpt-5-mini"}})
    assert (columns, prompt, values) == (["cost"], "other", {"fixed": {"model": "gpt-5-mini"}})
    # The spend carries into the next start's session total.
    again = PlaygroundApp(session_options=app._options, strategies=columns)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        again.main_screen.refresh_totals()
        assert again.totals.totals.session_usd == spent  # type: ignore[union-attr]


def test_a_remembered_value_the_config_no_longer_allows_is_dropped_with_a_notice() -> None:
    from playground.config.load import parse_policy_text
    from playground.session_memory import SessionMemory, restore_session, save_memory

    save_memory(SessionMemory(prompt="hi", columns=["fixed", "nope"], tuning={"fixed": {"model": "no-such-model"},
                                                                               "cost": {"budget_usd": 0.5}}))
    settings = parse_policy_text("", "defaults")
    columns, prompt, values, notices = restore_session(settings, None, None, None)
    assert columns == ["fixed"] and prompt == "hi"  # an unknown strategy name is left out
    assert values == {"cost": {"budget_usd": 0.5}}
    (notice,) = notices
    assert "remembered tuning of fixed not applied" in notice and "no-such-model" in notice
