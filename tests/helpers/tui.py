"""Driving the app with Pilot: waits on state (never fixed sleeps), screen text, common setups."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from playground.core.catalog import Catalog
from playground.engine.session import SessionOptions, SimulatorSpec
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.sim.runner import SimServer
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
    """Poll `predicate` every 50 ms, the screen's pending updates drawn before each look.

    Not `pilot.pause(0.05)`: it first waits for every widget on the screen to handle a message
    of its own, 15-20 ms of CPU per poll with a hundred widgets (1 ms this way), and a Pilot test
    that waits seconds for a stream polls dozens of times."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(0.05)
        draw_pending(pilot)


def draw_pending(pilot: Pilot) -> None:
    """Draw what the current screen has pending now, as `pilot.pause` does after its wait,
    so a predicate reading the screen sees the state it reads."""
    try:
        screen = pilot.app.screen
    except Exception:  # no screen: the app is closing
        return
    screen._on_timer_update()


def screen_text(pilot: Pilot) -> str:
    """The screen as plain text, as the terminal would show it."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


def footer_line(pilot: Pilot) -> str:
    """The screen's last row: where every screen's key footer is docked."""
    return screen_text(pilot).splitlines()[-1]


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


async def steady_cursor(pilot: Pilot) -> None:
    """For snapshots: the screen composes its widgets' own children after the
    app is ready; wait for them and the session, then stop the prompt's cursor
    blinking (a loaded machine would catch it in either phase)."""
    await wait_for(pilot, lambda: bool(pilot.app.query("#prompt")) and getattr(pilot.app, "engine", None) is not None,
                   "the main screen and the session")
    pilot.app.query_one("#prompt").cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


async def type_prompt(pilot: Pilot, text: str) -> None:
    """Click the prompt and type `text` into it: the key events `Pilot.press`
    sends, posted in one go (press waits for an idle app after every key,
    most of a short test), then a wait until the editor holds them all."""
    await pilot.click("#prompt")
    app = pilot.app
    area = app.query_one("#prompt", TextArea)
    before = area.text
    driver = app._driver
    assert driver is not None
    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
    await wait_for(pilot, lambda: len(area.text) == len(before) + len(text) and text in area.text,
                   f"{text!r} typed into the prompt")


class _SharedSimulator:
    """A running simulator several apps use in turn: closing a session leaves
    it running (`stop_shared_simulators` stops it). Faults pass through, so
    a test that sets faults must start its own simulator instead."""

    def __init__(self, server: SimServer) -> None:
        self.server = server

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def faults(self) -> Any:
        return self.server.faults

    def set_faults(self, faults: Any) -> None:
        self.server.set_faults(faults)

    def stop(self) -> None:
        """The session is done with it; the simulator stays up for the next app."""


_shared: list[tuple[Catalog, SimulatorSpec, _SharedSimulator]] = []


def shared_simulator(catalog: Catalog, spec: SimulatorSpec) -> _SharedSimulator:
    """`SessionOptions.simulator`: one simulator per catalog and spec, reused
    (starting and stopping one per app is a good part of a Pilot test)."""
    for known_catalog, known_spec, shared in _shared:
        if known_spec == spec and known_catalog == catalog:
            return shared
    shared = _SharedSimulator(SimServer(catalog=catalog, port=spec.port, speed=spec.speed, faults=spec.faults,
                                        seed=spec.seed).start())
    _shared.append((catalog, spec, shared))
    return shared


def stop_shared_simulators() -> None:
    while _shared:
        _shared.pop()[2].server.stop()


def sim_app(speed: float = FAST, **kwargs: object) -> PlaygroundApp:
    """An app on the simulator at `speed`, shared with the module's other
    apps (the tests/tui conftest stops it after the module)."""
    options = SessionOptions(force_sim=True, sim_speed=speed, simulator=shared_simulator)
    return PlaygroundApp(session_options=options, **kwargs)  # type: ignore[arg-type]


def own_sim_app(speed: float = FAST, **kwargs: object) -> PlaygroundApp:
    """An app that starts (and on exit stops) a simulator of its own."""
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
