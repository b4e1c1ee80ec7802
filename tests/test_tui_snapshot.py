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
from playground.strategies.registry import DEFAULT_STRATEGIES, STRATEGIES
from playground.tui.app import PlaygroundApp

SIZE = (160, 48)
STATUS = "built-in simulator on loopback (no API keys set; answers, costs and timings are simulated)"


async def steady_cursor(pilot: Pilot) -> None:
    pilot.app.query_one("#prompt").cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.fixture
def session() -> Iterator[Session]:
    session = Session.open(SessionOptions(force_sim=True))
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
    monkeypatch.setattr("playground.tui.app.STRATEGIES", four)
    app = PlaygroundApp(session=session, status_text=STATUS, strategies=["fixed", "cost"])
    assert snap_compare(app, terminal_size=SIZE, press=["f2", "down"], run_before=steady_cursor)


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
