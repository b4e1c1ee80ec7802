"""Pilot tests of the playground app against the real simulator over loopback.

Every wait polls state with a generous deadline (2-core CI boxes are slow);
nothing relies on fixed sleeps.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Static

from playground.config.build import Settings
from playground.config.load import parse_policy_text
from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.pricing import format_usd
from playground.engine.session import Session, SessionOptions
from playground.providers.endpoints import simulated_endpoints
from playground.sim.runner import SimServer
from playground.strategies.registry import DEFAULT_STRATEGIES
from playground.tui.app import PlaygroundApp
from playground.tui.formatting import format_ms
from playground.tui.widgets.answer_pane import AnswerPane
from tests.helpers.tui import (
    FAST,
    SIZE,
    SLOW,
    ended,
    own_sim_app,
    ready,
    screen_text,
    sim_app,
    static_text,
    type_prompt,
    wait_for,
)

PROMPT = "Compare quicksort and mergesort for nearly sorted data"


async def test_send_streams_every_column_with_figures() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.main_screen.status_line.mode == "simulated"
        assert app.main_screen.status_line.has_class("-simulated")
        assert "SIMULATED" in screen_text(pilot)
        assert [c.strategy.name for c in app.main_screen.columns] == ["fixed", "complexity", "task", "cost"]

        await type_prompt(pilot, PROMPT)
        assert app.main_screen.prompt_area.text == PROMPT
        await pilot.press("ctrl+enter")
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "every column to finish")
        await pilot.pause()

        catalog = default_catalog()
        text = screen_text(pilot)
        for column in app.main_screen.columns:
            run = column.current
            assert run is not None and run.status == "done", (column.strategy.name, run and run.error)
            assert column.has_class("-done") and not column.has_class("-streaming")
            assert run.model in catalog.models and run.provider == catalog.models[run.model].provider
            assert run.reason
            assert run.input_tokens > 0 and run.output_tokens > 0
            assert run.cost_usd > 0
            assert run.ttft_ms is not None and 0 < run.ttft_ms <= run.latency_ms
            assert run.tokens_per_s is not None and run.tokens_per_s > 0
            assert run.displayed.strip() and run.displayed == run.result.text  # type: ignore[union-attr]
            assert column.query_one("#body", AnswerPane).source == run.displayed
            # The widgets show the same figures.
            header = static_text(column.query_one("#model", Static))
            assert run.model in header and "simulated" in header
            figures = column.figures_text()
            assert format_usd(run.cost_usd) in figures
            assert f"TTFT {format_ms(run.ttft_ms)}" in figures
            assert f"total {format_ms(run.latency_ms)}" in figures
            assert "tok/s" in figures
            # ...and they reach the terminal.
            assert run.model in text
            assert format_usd(run.cost_usd) in text
        assert f"TTFT {format_ms(app.main_screen.column('fixed').current.ttft_ms)}" in text  # type: ignore[union-attr]

        totals = app.main_screen.totals.totals
        assert totals is not None and totals.running == 0
        assert totals.prompt_usd == pytest.approx(sum(c.current.cost_usd for c in app.main_screen.columns))  # type: ignore[union-attr]
        assert totals.baseline_usd == pytest.approx(app.main_screen.column("fixed").current.cost_usd)  # type: ignore[union-attr]
        assert {name for name, _ in totals.relative} == {"complexity", "task", "cost"}
        assert "vs fixed" in app.main_screen.totals.text


async def test_f5_and_ctrl_s_send_too() -> None:
    app = sim_app(strategies=["cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "hi there")
        for key in ("f5", "ctrl+s"):
            await pilot.press(key)
            await wait_for(pilot, lambda: ended(app.main_screen.column("cost")), f"{key} to run the column")
        assert len(app.main_screen.column("cost").history) == 1
        assert app.main_screen.column("cost").current.status == "done"  # type: ignore[union-attr]


async def test_empty_prompt_notifies_and_starts_nothing() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "   ")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "The prompt is empty" in screen_text(pilot), "the empty-prompt notification")
        assert all(c.current is None and c.state == "idle" for c in app.main_screen.columns)
        assert not any(w.group == "stream" for c in app.main_screen.columns for w in c.workers)
        assert app.main_screen.totals.totals is None


async def test_resend_while_streaming_cancels_and_keeps_partial_cost() -> None:
    app = sim_app(speed=SLOW, strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        fixed = app.main_screen.column("fixed")
        await type_prompt(pilot, "Write a long essay about distributed consensus algorithms")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (fixed.current is not None and fixed.current.status == "streaming"
                     and fixed.current.output_tokens > 3),
            "the fixed column to stream",
        )
        first = fixed.current
        assert first is not None
        # Send again while streaming. (pilot.press would first wait for the
        # app to go idle, which a streaming app hardly does; the key's action
        # is what F5 runs, and the keys themselves are tested above.) The
        # second prompt has a short answer: only the first must still stream.
        app.main_screen.prompt_area.load_text("Is quicksort faster than mergesort?")
        app.main_screen.action_send()
        await wait_for(pilot, lambda: first.finished.is_set(), "the first run to settle")
        assert first.status == "cancelled"
        assert first.result is not None and first.result.error is not None
        assert first.result.error.kind is ErrorKind.CANCELLED
        assert first.result.attempts and first.result.attempts[-1].outcome == "cancelled"
        assert first.displayed.strip(), "the partial text is kept"
        assert first.output_tokens > 0 and first.cost_usd > 0, "the partial attempt is billed"
        assert fixed.history[-1] is first and fixed.current is not first

        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "the second run to finish",
                       timeout=120)
        assert fixed.current.status == "done"  # type: ignore[union-attr]
        assert "earlier runs" in fixed.figures_text() and "1 cancelled" in fixed.figures_text()
        spent = sum(c.spent_usd for c in app.main_screen.columns)
        await wait_for(
            pilot,
            lambda: (app.main_screen.totals.totals is not None
                     and app.main_screen.totals.totals.session_usd == pytest.approx(spent)),
            "the totals to count every run",
        )
        totals = app.main_screen.totals.totals
        assert totals is not None
        assert totals.cancelled_runs >= 1 and totals.cancelled_usd >= first.cost_usd
        assert totals.session_usd > totals.prompt_usd
        assert "cancelled" in app.main_screen.totals.text


async def test_stop_keeps_partial_answer_marked_cancelled() -> None:
    app = sim_app(speed=SLOW, strategies=["fixed"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        column = app.main_screen.column("fixed")
        await type_prompt(pilot, "Explain the CAP theorem step by step")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: column.current is not None and column.current.output_tokens > 3,
            "the column to stream",
        )
        app.main_screen.action_stop()  # what Esc runs; see the re-send test for why not pilot.press
        await wait_for(pilot, lambda: ended(column), "the run to stop")
        await pilot.pause()
        run = column.current
        assert run is not None and run.status == "cancelled"
        assert column.has_class("-cancelled")
        assert run.cost_usd > 0
        assert format_usd(run.cost_usd) in column.figures_text()
        notice = static_text(column.query_one("#notice", Static))
        assert "cancelled" in notice and "partial answer kept" in notice
        shown = column.query_one("#body", AnswerPane).source
        assert shown.strip() and shown == run.displayed
        assert "cancelled" in screen_text(pilot)


async def test_toggling_strategies_adds_and_removes_columns() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        assert app.main_screen.picker.has_class("-open")
        assert app.focused is app.main_screen.picker.selection_list
        # Highlight "task" (third) and toggle it off.
        await pilot.press("down", "down")
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.main_screen.strategy_enabled("task"), "the task column to go")
        assert [c.strategy.name for c in app.main_screen.columns] == ["fixed", "complexity", "cost"]
        assert not app.query("#column-task")

        # Back on through the command palette; it returns to its place.
        await pilot.press("f2")
        await pilot.press("ctrl+p")
        await pilot.press(*"add strategy: task")
        await wait_for(pilot, lambda: "Add strategy: task" in screen_text(pilot), "the palette to list the command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.strategy_enabled("task"), "the task column to return")
        assert [c.strategy.name for c in app.main_screen.columns] == ["fixed", "complexity", "task", "cost"]
        assert "task" in app.main_screen.picker.selected


async def test_removed_column_cost_stays_in_session_total() -> None:
    app = sim_app(strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "hello")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "both columns to finish")
        spent = sum(c.spent_usd for c in app.main_screen.columns)
        app.main_screen.action_toggle_strategy("fixed")
        await wait_for(pilot, lambda: not app.main_screen.strategy_enabled("fixed"), "the fixed column to go")
        await wait_for(pilot, lambda: (app.main_screen.totals.totals is not None
                                       and app.main_screen.totals.totals.baseline_usd is None),
                       "the totals to follow")
        totals = app.main_screen.totals.totals
        assert totals is not None
        assert totals.session_usd == pytest.approx(spent)
        assert totals.baseline_usd is None and totals.relative == ()


# Every catalog model with a small window, so "larger than every window"
# takes a prompt of kilobytes, not the megabytes the real windows need.
SMALL_WINDOW = 4096


def small_window_settings() -> Settings:
    sections = "".join(f'[models."{model_id}"]\ncontext_window = {SMALL_WINDOW}\nmax_output_tokens = 1024\n'
                       for model_id in default_catalog().models)
    return parse_policy_text(sections, "small windows")


async def test_prompt_larger_than_every_window_is_a_clear_error() -> None:
    settings = small_window_settings()
    largest = max(m.context_window for m in settings.catalog.models.values())
    assert largest == SMALL_WINDOW
    sentence = "The quick brown fox jumps over the lazy dog while reviewing distributed systems. "
    # ~16 tokens a sentence; long lines keep the editor's wrapping cheap.
    line = sentence * 50 + "\n"
    big = line * (largest // (12 * 50))
    app = sim_app(settings=settings, strategies=list(DEFAULT_STRATEGIES))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.main_screen.prompt_area.text = big
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns),
                       "every column to reject the prompt")
        await pilot.pause()
        for column in app.main_screen.columns:
            run = column.current
            assert run is not None and run.status == "error"
            assert run.error is not None and run.error.kind is ErrorKind.CONTEXT_TOO_LONG
            assert column.has_class("-error")
            notice = static_text(column.query_one("#notice", Static))
            assert notice.startswith("✗ context_too_long:")
            assert "context window" in notice and "shorten the prompt" in notice
            assert run.cost_usd == 0
        text = screen_text(pilot)
        assert "context_too_long" in text and "Traceback" not in text
        await wait_for(
            pilot,
            lambda: "too large for every model" in static_text(app.query_one("#prompt-hint", Static)),
            "the prompt size note",
        )


async def test_rejected_api_key_shows_auth_error() -> None:
    catalog = default_catalog()
    server = SimServer(catalog=catalog, speed=FAST, require_api_key="the-real-key").start()
    session = Session(catalog, simulated_endpoints(catalog, server.base_url), simulated=True, sim_server=server)
    app = PlaygroundApp(session=session, strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "hello")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "both columns to fail")
        await pilot.pause()
        for column in app.main_screen.columns:
            run = column.current
            assert run is not None and run.status == "error", run and run.status
            assert run.error is not None and run.error.kind is ErrorKind.AUTH
            notice = static_text(column.query_one("#notice", Static))
            assert notice.startswith("✗ auth:") and "API key" in notice
        assert "Traceback" not in screen_text(pilot)
    assert app.session is None and server.running is False  # the app closed what it was given


async def test_unreachable_base_url_shows_connection_error() -> None:
    catalog = default_catalog()
    # A port nobody listens on: bind one, note it, close it.
    probe = SimServer(catalog=catalog).start()
    dead_url = probe.base_url
    probe.stop()
    session = Session(catalog, simulated_endpoints(catalog, dead_url), simulated=True)
    app = PlaygroundApp(session=session, strategies=["cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "hello")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "the column to fail")
        await pilot.pause()
        run = app.main_screen.column("cost").current
        assert run is not None and run.error is not None and run.error.kind is ErrorKind.CONNECTION
        notice = static_text(app.main_screen.column("cost").query_one("#notice", Static))
        assert notice.startswith("✗ connection:") and "base URL" in notice


async def test_live_mode_is_labelled_differently() -> None:
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    session = Session.open(SessionOptions(), env=env)
    assert not session.simulated
    app = PlaygroundApp(session=session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.main_screen.status_line.mode == "live" and app.main_screen.status_line.has_class("-live")
        assert not app.main_screen.status_line.has_class("-simulated")
        assert "LIVE" in screen_text(pilot)


async def test_initial_prompt_prefills_only() -> None:
    app = sim_app(strategies=["cost"], initial_prompt="What is a B-tree?")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.main_screen.prompt_area.text == "What is a B-tree?"
        # An initial send would be queued after the refresh that follows the
        # session's arrival: wait past that point (and what it would start).
        passed = asyncio.Event()
        app.main_screen.call_after_refresh(passed.set)
        await passed.wait()
        await pilot.pause()
        assert app.main_screen.column("cost").current is None
        # Typing continues the prefilled prompt (the cursor starts at its end).
        await pilot.press("space", "h", "i")
        assert app.main_screen.prompt_area.text == "What is a B-tree? hi"


async def test_initial_prompt_is_sent_when_asked_and_session_closed_on_exit() -> None:
    app = own_sim_app(strategies=["cost"], initial_prompt="What is a B-tree?", send_initial_prompt=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        assert session is not None and session.sim_server is not None
        server = session.sim_server
        assert isinstance(server, SimServer)
        await wait_for(pilot, lambda: ended(app.main_screen.column("cost")), "the initial prompt's run")
        assert app.main_screen.column("cost").current.status == "done"  # type: ignore[union-attr]
        assert app.main_screen.prompt_area.text == "What is a B-tree?"
    assert app.session is None and app.engine is None
    assert not server.running


async def test_quit_while_streaming_is_clean() -> None:
    app = sim_app(speed=SLOW, strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "Explain consensus")
        app.main_screen.action_send()  # what Ctrl+S runs; see the re-send test for why not pilot.press
        await wait_for(pilot, lambda: app.main_screen.running, "the columns to start")
        runs = [c.current for c in app.main_screen.columns]
        await app.action_quit()
    assert app.return_code in (0, None)
    assert all(r is not None and r.status in ("cancelled", "done") for r in runs), [
        (r.status, r.worker_started, r.finished.is_set(), r.error) for r in runs if r is not None
    ]
    assert app.session is None


async def test_clear_empties_columns_but_keeps_spend() -> None:
    app = sim_app(strategies=["cost"])
    async with app.run_test(size=(80, 24)) as pilot:  # small: the answer overflows and is followed
        await ready(pilot)
        await type_prompt(pilot, "Compare quicksort and mergesort for nearly sorted data")
        await pilot.press("ctrl+s")
        column = app.main_screen.column("cost")
        body = column.query_one("#body")
        await wait_for(pilot, lambda: ended(column), "the run")
        await wait_for(pilot, lambda: body.max_scroll_y > 0 and body.scroll_y == body.max_scroll_y, "the end in view")
        spent = column.spent_usd
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: column.state == "idle", "the column to clear")
        assert column.current is None and column.query_one("#body", AnswerPane).source == ""
        await pilot.pause()
        assert body.scroll_y == 0  # not left at a negative offset (Textualize/textual#6652)
        await wait_for(pilot, lambda: (app.main_screen.totals.totals is not None
                                       and app.main_screen.totals.totals.prompt_usd == 0),
                       "the totals to follow")
        assert app.main_screen.totals.totals.session_usd == pytest.approx(spent)  # type: ignore[union-attr]


async def test_command_palette_lists_every_action() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"strategy")
        await wait_for(pilot, lambda: "Remove strategy: cost" in screen_text(pilot), "strategy commands")
        await pilot.press("escape")
        from playground.tui.commands import playground_commands

        titles = [title for title, _, _ in playground_commands(app)]
        for expected in ("Send prompt", "Stop streaming", "Clear answers", "Focus prompt", "Quit"):
            assert expected in titles
        assert {"Remove strategy: fixed", "Remove strategy: cost"} <= set(titles)


def test_bindings_have_ids_and_the_documented_keys() -> None:
    from textual.binding import Binding

    keys: dict[str, set[str]] = {}
    from playground.tui.screens.main import MainScreen

    for binding in Binding.make_bindings([*MainScreen.BINDINGS, *PlaygroundApp.BINDINGS]):
        assert binding.id, binding
        keys.setdefault(binding.action, set()).add(binding.key)
    assert keys["send"] == {"ctrl+enter", "ctrl+s", "ctrl+j", "f5"}
    assert keys["stop"] == {"escape"}
    assert keys["toggle_strategies"] == {"f2"} and keys["focus_prompt"] == {"f3"}
    assert keys["clear"] == {"ctrl+l"} and keys["quit"] == {"ctrl+q"}


async def test_footer_shows_send_and_dims_stop_when_idle() -> None:
    app = sim_app(speed=SLOW, strategies=["fixed"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: "Send" in screen_text(pilot).splitlines()[-1], "the footer")
        footer = screen_text(pilot).splitlines()[-1]
        assert "^s Send" in footer and "esc Stop" in footer and "f2 Strategies" in footer
        assert app.main_screen.check_action("stop", ()) is None  # shown dimmed: nothing to stop
        await type_prompt(pilot, "Explain the CAP theorem step by step")
        app.main_screen.action_send()
        await wait_for(pilot, lambda: app.main_screen.running, "the run to start")
        assert app.main_screen.check_action("stop", ()) is True


async def test_unknown_strategy_is_a_user_error() -> None:
    from playground.core.errors import UserError

    with pytest.raises(UserError, match="unknown strategy"):
        PlaygroundApp(session_options=SessionOptions(force_sim=True), strategies=["nope"])
    await asyncio.sleep(0)


async def test_rapid_resends_all_settle() -> None:
    """Re-sending faster than runs can clean up (runs cancelled before their
    worker even started) must neither hang nor mix answers."""
    app = sim_app(speed=SLOW, strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "Explain consensus in distributed systems")
        await pilot.press("ctrl+s")
        fixed = app.main_screen.column("fixed")
        await wait_for(pilot, lambda: fixed.current is not None and fixed.current.output_tokens > 0, "streaming")
        # pilot.press waits for the app to go idle, which a streaming app
        # hardly does: call the key's action directly, as fast as a user could.
        for _ in range(4):
            app.main_screen.action_send()
            await asyncio.sleep(0.02)
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "the last run to finish",
                       timeout=120)
        await pilot.pause()
        assert len(fixed.history) >= 2 and fixed.history[0].status == "cancelled"
        for column in app.main_screen.columns:
            assert column.current is not None and column.current.status == "done"
            assert all(r.finished.is_set() and r.status in ("cancelled", "done") for r in column.history)
            # The answer shown is the last run's alone (the pane's stream may
            # still be writing it out when the run has ended).
            pane, run = column.query_one("#body", AnswerPane), column.current
            await wait_for(pilot, lambda pane=pane, run=run: pane.source == run.displayed,
                           f"{column.strategy.name} to show the last run's answer")
        assert all(r.status == "cancelled" for r in fixed.history)


async def test_a_one_line_answer_that_looks_like_a_list_marker_is_shown() -> None:
    """The simulator answers "What is 2 + 2?" with "4.", which Markdown reads as an empty list
    item: the column showed nothing and kept its "waiting for the first token" line."""
    app = sim_app(strategies=["fixed"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.main_screen
        view.prompt_area.load_text("What is 2 + 2?")
        view.action_send()
        column = view.columns[0]
        await wait_for(pilot, lambda: ended(column) and column.answer.rendered, "the answer")
        assert column.answer.markdown == "4." and column.answer.row_count == 1
        await wait_for(pilot, lambda: "waiting for the first token" not in screen_text(pilot), "the answer on screen")
