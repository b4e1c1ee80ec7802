"""Driving the app with Pilot: waits on state (never fixed sleeps), screen text, common setups."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Static

from playground.engine.session import SessionOptions
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.tui.app import PlaygroundApp
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets.column import StrategyColumn

SIZE = (160, 48)
FAST = 40.0


# Slow enough that a stream is still running when the test re-sends or
# stops (an answer then takes seconds), fast enough to keep the test short.
SLOW = 2.0
TIMEOUT_S = 60.0


async def wait_for(pilot: Pilot, predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await pilot.pause(0.05)


def screen_text(pilot: Pilot) -> str:
    """The screen as plain text, as the terminal would show it."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


def static_text(widget: Static) -> str:
    return str(widget.visual)


def ended(column: StrategyColumn) -> bool:
    """The column's run ended and the column drew all of it."""
    run = column.current
    return (run is not None and run.status in ("done", "error", "cancelled") and not column.running
            and run.finished.is_set())


async def ready(pilot: Pilot) -> PlaygroundApp:
    app = pilot.app
    assert isinstance(app, PlaygroundApp)
    await wait_for(pilot, lambda: app.engine is not None, "the session to open")
    badge = app.main_screen.status_line.text.split()[0]
    await wait_for(pilot, lambda: f" {badge} " in screen_text(pilot), "the status line to show the mode")
    return app


async def type_prompt(pilot: Pilot, text: str) -> None:
    await pilot.click("#prompt")
    await pilot.press(*text)


def sim_app(speed: float = FAST, **kwargs: object) -> PlaygroundApp:
    return PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=speed), **kwargs)  # type: ignore[arg-type]


# Complexity 0.47: the mid tier at the default high_threshold 0.5, the large one at 0.4.
BORDERLINE = BUILTIN_PROMPTS[18]


async def open_tuning(pilot: Pilot) -> TuningScreen:
    await pilot.press("ctrl+t")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, TuningScreen) and app.screen.ready, "the tuning preview")
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


def threshold(app: PlaygroundApp, pending: bool = True) -> float:
    return app.tuning.values("complexity", pending=pending)["high_threshold"]
