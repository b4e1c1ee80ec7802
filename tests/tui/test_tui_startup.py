"""Start-up: the first frame does not wait for the session. The app opens it
in a worker after the first frame, shows that it is starting, and a send
pressed before it is ready is sent once it is (not refused)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from playground.core.catalog import Catalog
from playground.engine.session import SessionOptions, Simulator, SimulatorSpec
from playground.tui.app import PlaygroundApp
from playground.tui.screens.welcome import WelcomeScreen
from playground.tui.startup import owns_collector, pause_collector, release_collector, resume_collector
from tests.helpers.tui import FAST, SIZE, TIMEOUT_S, ended, screen_text, shared_simulator, wait_for

PROMPT = "What is the capital of France?"


class GatedStart:
    """`SessionOptions.simulator`: starts the real (shared) simulator only
    once the test opens the gate, so the test controls when the session is
    ready; failing instead when `fail` is set."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.fail = False

    def __call__(self, catalog: Catalog, spec: SimulatorSpec) -> Simulator:
        assert self.gate.wait(TIMEOUT_S), "the test never opened the gate"
        if self.fail:
            raise OSError("port 1 is in use")
        return shared_simulator(catalog, spec)


async def test_send_before_the_session_is_ready_waits_for_it() -> None:
    start = GatedStart()
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=FAST, simulator=start),
                        strategies=["fixed", "cost"], initial_prompt=PROMPT)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.query("#prompt")) and " STARTING " in screen_text(pilot),
                       "the first frame, saying the session is starting")
        assert app.engine is None and app.status[0] == "starting"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert all(column.current is None for column in app.columns), "sent before the session was ready"
        start.gate.set()
        await wait_for(pilot, lambda: app.engine is not None, "the session to open")
        await wait_for(pilot, lambda: all(column.current is not None and ended(column) for column in app.columns),
                       "the waiting send to run in every column")
        assert [column.current.status for column in app.columns if column.current] == ["done", "done"]
        assert " SIMULATED " in screen_text(pilot)
        # The simulator serves both protocols: both SDKs were imported off the event loop.
        await wait_for(pilot, lambda: len(app.preloaded) == 2, "the SDK adapters to be preloaded")
        assert app.preloaded == ("playground.providers.anthropic_provider", "playground.providers.openai_provider")


async def test_a_session_that_fails_drops_the_waiting_send() -> None:
    start = GatedStart()
    start.fail = True
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, simulator=start), strategies=["fixed"],
                        initial_prompt=PROMPT)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.query("#prompt")), "the first frame")
        await pilot.press("ctrl+s")
        start.gate.set()
        await wait_for(pilot, lambda: app.status[0] == "error", "the session to fail")
        assert "port 1 is in use" in app.status[1]
        await pilot.pause()
        assert app.engine is None and all(column.current is None for column in app.columns)
        await pilot.press("ctrl+s")  # now refused with the reason, not queued
        await pilot.pause()
        assert all(column.current is None for column in app.columns)


async def test_the_collector_paused_for_start_up_resumes_on_the_first_frame_with_start_up_frozen() -> None:
    start = GatedStart()
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, simulator=start), strategies=["fixed"])
    frozen_before = gc.get_freeze_count()
    pause_collector()  # what `playground tui` does before importing the app
    try:
        assert not gc.isenabled()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: bool(app.query("#prompt")) and " STARTING " in screen_text(pilot),
                           "the first frame")
            assert gc.isenabled(), "the first frame did not resume the collector"
            assert gc.get_freeze_count() > frozen_before, "start-up's objects were not frozen"
            start.gate.set()
    finally:
        release_collector()  # what the command does when it returns
        gc.unfreeze()
    assert gc.isenabled() and not owns_collector()


def test_resuming_a_collector_nobody_paused_changes_nothing() -> None:
    frozen_before = gc.get_freeze_count()
    resume_collector()
    # Nothing frozen by it (frozen objects whose last reference goes still leave the count).
    assert gc.isenabled() and gc.get_freeze_count() <= frozen_before
    gc.disable()  # someone else's choice (a caller that turned it off itself) is left alone
    try:
        pause_collector()
        resume_collector()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_tui_command_that_fails_before_the_screen_leaves_the_collector_on(capsys: Any) -> None:
    from playground.cli import main

    frozen_before = gc.get_freeze_count()
    assert main(["tui", "--strategy", "no-such-strategy"]) == 2
    assert "no-such-strategy" in capsys.readouterr().err
    # On, nothing frozen (start-up never reached its first frame), and not the app's any more.
    # The count may drop: a frozen object whose last reference went is freed all the same
    # (CI saw 343,271 become 343,270 here).
    assert gc.isenabled() and gc.get_freeze_count() <= frozen_before and not owns_collector()


async def test_the_first_run_welcome_waits_for_the_session_it_describes() -> None:
    start = GatedStart()
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=FAST, simulator=start))
    app.extras.show_welcome = True  # what run_tui, the real entry, sets
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.query("#prompt")), "the first frame")
        await pilot.pause()
        assert not isinstance(app.screen, WelcomeScreen), "the welcome came before the session was known"
        start.gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome")
        assert app.session is not None and app.session.simulated
        assert "built-in simulator" in app.screen.markdown  # type: ignore[attr-defined]

# Loaded on first use, never for the first frame: the simulator's server
# stack, the SDKs and their HTTP client (httpx2), numpy, the Markdown parser,
# plots, the help/history/evaluation/tuning/trace screens (and the evaluation
# workbench) and the profile/export dialogs.
NOT_AT_FIRST_FRAME = ("playground.sim", "starlette", "uvicorn", "openai", "anthropic", "httpx2", "numpy",
                      "markdown_it", "plotext", "textual_plotext", "playground.tui.screens.tuning",
                      "playground.tui.screens.trace", "playground.eval.workbench",
                      "playground.tui.extras_screens", "playground.tui.app_dialogs", "playground.tui.screens.help",
                      "playground.tui.screens.history", "playground.tui.widgets.plots",
                      "playground.tui.screens.evaluation", "playground.tui.screens.profiles",
                      "playground.tui.screens.export")

# The app headless up to its first frame, in a fresh interpreter, with a
# session whose simulator start fails (instead of importing the simulator);
# then help and the export dialog are opened, which must load their modules.
FIRST_FRAME_PROBE = """
import asyncio, json, sys
from playground.engine.session import SessionOptions
from playground.tui.app import PlaygroundApp

def no_simulator(catalog, spec):
    raise OSError("no simulator in this probe")

def loaded(names):
    return sorted(m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in names))

async def main():
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, simulator=no_simulator))
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(1200):
            if app.query("#prompt") and app.status[0] == "error":
                break
            await pilot.pause(0.05)
        at_first_frame = loaded(NAMES)
        app.action_help()
        app.action_export_policy()
        await pilot.pause()
        app.main_screen.action_show_tuning()  # its preview routes the prompt set: numpy
        await pilot.pause()
        app.main_screen.action_show_trace()  # Markdown
        await pilot.pause()
        print(json.dumps({"status": app.status[0], "first_frame": at_first_frame, "after_use": loaded(NAMES)}))

asyncio.run(main())
"""


# The probe starts cold in a fresh interpreter; on a loaded machine that can take a minute. Its own
# deadline comes first, so a hung probe is reported with its stderr, not cut off by pytest's timeout.
_PROBE_DEADLINE_S = 2 * TIMEOUT_S


@pytest.mark.timeout(_PROBE_DEADLINE_S + 60)
def test_the_first_frame_loads_no_sdk_simulator_plots_or_secondary_screens() -> None:
    code = f"NAMES = {NOT_AT_FIRST_FRAME!r}\n{FIRST_FRAME_PROBE}"
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=_PROBE_DEADLINE_S)
    except subprocess.TimeoutExpired as hung:  # its output arrives as bytes, text mode or not
        stderr = hung.stderr.decode(errors="replace") if isinstance(hung.stderr, bytes) else str(hung.stderr or "")
        raise AssertionError(f"the first-frame probe did not finish in {_PROBE_DEADLINE_S:g} s; its stderr:\n"
                             f"{stderr[-2000:]}") from None
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == "error"  # the session was tried (and could not start a simulator)
    assert result["first_frame"] == []
    # Guards against a probe that sees nothing: using them loads them.
    for module in ("playground.tui.extras_screens", "playground.tui.screens.help", "playground.tui.app_dialogs",
                   "playground.tui.screens.export", "playground.tui.screens.tuning", "numpy", "markdown_it"):
        assert module in result["after_use"]
