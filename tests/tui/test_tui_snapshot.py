"""Snapshots pin the look of the playground (pytest-textual-snapshot).

The status line normally shows the simulator's URL, whose port changes every
run, so these snapshots give the app a fixed status text; the prompt's cursor
stops blinking (a loaded machine would otherwise catch it in either phase);
everything else on the initial screen is static (no run, no timings).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from playground.engine.session import Session, SessionOptions
from playground.launch import open_session
from playground.strategies.registry import DEFAULT_STRATEGIES, STRATEGIES
from playground.tui.app import PlaygroundApp
from tests.helpers.tui import steady_cursor

SIZE = (160, 48)
STATUS = "built-in simulator on loopback (no API keys set; answers, costs and timings are simulated)"


@pytest.fixture
def session() -> Iterator[Session]:
    session = open_session(SessionOptions(force_sim=True))
    try:
        yield session
    finally:
        session.close()  # a no-op once the app has closed it


def test_initial_screen(snap_compare, session: Session) -> None:
    app = PlaygroundApp(session=session, status_text=STATUS)
    assert snap_compare(app, terminal_size=SIZE, run_before=steady_cursor)


def test_strategies_panel(snap_compare, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # The panel lists every registered strategy; pin it to the built-in four
    # so that adding a strategy to the registry does not churn this snapshot.
    four = {name: STRATEGIES[name] for name in DEFAULT_STRATEGIES}
    monkeypatch.setattr("playground.tui.screens.main.STRATEGIES", four)
    app = PlaygroundApp(session=session, status_text=STATUS, strategies=["fixed", "cost"])
    assert snap_compare(app, terminal_size=SIZE, press=["f2", "down"], run_before=steady_cursor)


def test_ensemble_members_panel(snap_compare) -> None:
    """The members of a best-of ensemble once it ended: two answered, one
    failed after a retry, the judge picked one (★). A whole ensemble column
    shows timings, which vary run to run, so the panel is fed fixed events."""
    from textual.app import App, ComposeResult

    from playground.core import roles
    from playground.core.decision import EnsemblePlan
    from playground.core.errors import ErrorKind, ProviderError
    from playground.core.events import (
        AttemptFailed,
        AttemptFinished,
        AttemptStarted,
        RequestFinished,
        RequestResult,
        Verdict,
    )
    from playground.tui.widgets.members import MembersPanel
    from tests.helpers.data import board, decided, record

    members = ("gpt-5-mini", "claude-haiku-4-5", "gpt-4o")
    state = board()
    state.apply(decided(EnsemblePlan("best_of", members, judge="gpt-5-1")))
    answers = {
        "gpt-5-mini": "A process owns its memory; threads share their process's memory and are cheaper to switch.",
        "claude-haiku-4-5": "Processes are isolated from each other, while the threads of one process share an address "
                            "space, so they communicate cheaply but must synchronise access to shared data.",
    }
    records = []
    for n, model in enumerate(members, start=1):
        state.apply(AttemptStarted(n, model, "sim", True, role=roles.member(n)))
    for n, model in enumerate(members[:2], start=1):
        records.append(record(n, model, roles.member(n), text=answers[model], out=40))
        state.apply(AttemptFinished(records[-1]))
    down = ProviderError(ErrorKind.CONNECTION, "openai: cannot connect (server disconnected)")
    for n in (3, 4):
        if n == 4:
            state.apply(AttemptStarted(4, "gpt-4o", "sim", True, role=roles.member(3)))
        records.append(record(n, "gpt-4o", roles.member(3), "failed", "", 0, down, inp=0))
        state.apply(AttemptFailed(records[-1]))
    state.apply(AttemptStarted(5, "gpt-5-1", "sim", True, role=roles.JUDGE))
    records.append(record(5, "gpt-5-1", roles.JUDGE, text="2", out=1))
    state.apply(AttemptFinished(records[-1]))
    state.apply(Verdict("judge", "gpt-5-1 picked answer 2 of 2 (claude-haiku-4-5)", passed=True,
                        model="claude-haiku-4-5", details={"pick": 2, "failed_members": 1}))
    state.apply(RequestFinished(RequestResult("ensemble", None, tuple(records), 900.0, True, answer_attempt=2)))

    class PanelApp(App[None]):
        def compose(self) -> ComposeResult:
            yield MembersPanel(id="members")

        def on_mount(self) -> None:
            self.query_one(MembersPanel).show(state)

    assert snap_compare(PanelApp(), terminal_size=(70, 30))


def test_layout_80x24_is_compact(snap_compare, session: Session) -> None:
    """A small terminal: one-line prompt and column headers, two readable
    columns and a bar saying two more are off screen, the essential keys."""
    app = PlaygroundApp(session=session, status_text=STATUS)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady_cursor)


def test_layout_200x50_pages_eight_columns(snap_compare, session: Session) -> None:
    """A wide terminal with eight columns: five share the width, three are
    off screen (said in the bar under them)."""
    eight = ["fixed", "complexity", "task", "cost", "fallback", "loadbalance", "capability", "threshold"]
    app = PlaygroundApp(session=session, status_text=STATUS, strategies=eight)
    assert snap_compare(app, terminal_size=(200, 50), run_before=steady_cursor)


def test_tuning_screen(snap_compare, session: Session) -> None:
    """The tuning screen with one step taken (low_threshold 0.25 → 0.15), so
    the preview shows values before the edit next to the new ones."""
    from playground.tui.screens.tuning import TuningScreen

    app = PlaygroundApp(session=session, status_text=STATUS,
                        initial_prompt="Prove that the square root of 2 is irrational, step by step.")

    async def tuned(pilot: Pilot) -> None:
        await steady_cursor(pilot)
        await pilot.press("ctrl+t")
        for _ in range(400):
            screen = pilot.app.screen
            if isinstance(screen, TuningScreen) and screen.ready:
                break
            await pilot.pause(0.05)
        await pilot.press("shift+left")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=tuned)
