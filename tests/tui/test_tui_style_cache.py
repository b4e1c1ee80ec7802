"""Closed screens and closed apps let go of what they drew: Textual's style memo
(`StylesCache.get_inner_outer`, an `lru_cache` on a method, Textualize/textual#6665)
kept every removed widget's drawn lines alive until 1,024 widgets had passed through
it (`tui/style_cache.py`)."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from textual._styles_cache import StylesCache

from playground.tui.app import PlaygroundApp
from playground.tui.screens.main import MainScreen
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets import column as column_module
from tests.helpers.tui import TIMEOUT_S, ended, open_tuning, own_sim_app, ready, sim_app, wait_for


def styles_caches_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, StylesCache))


async def test_opening_and_closing_a_screen_again_and_again_keeps_no_more_of_it() -> None:
    app = sim_app(strategies=["fixed", "complexity", "cost", "task"])
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        alive = []
        for _ in range(4):
            screen = await open_tuning(pilot)
            assert len(list(screen.walk_children())) > 40  # a screen of many widgets
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, TuningScreen), "the tuning screen to close")
            await pilot.pause()
            alive.append(styles_caches_alive())
        # Without the fix each round kept the closed screen's ~70 widgets' caches.
        assert alive[-1] <= alive[0], alive


def send_hello(app: PlaygroundApp) -> MainScreen:
    view = app.main_screen
    view.prompt_area.load_text("hello")
    view.action_send()
    return view


def test_a_closed_app_keeps_none_of_its_widgets_drawn_lines() -> None:
    """As a library caller runs it: once its event loop is closed, nothing of the app is left."""

    async def answer_once() -> weakref.ref[PlaygroundApp]:
        # Its own simulator, stopped with the session: a thread started while the app runs keeps
        # the app's stderr capture (`Thread._stderr`), so the module's shared simulator, started
        # by whichever app comes first, would keep that app.
        app = own_sim_app(strategies=["fixed", "cost"])
        async with app.run_test(size=(160, 48)) as pilot:
            await ready(pilot)
            view = send_hello(app)
            await wait_for(pilot, lambda: all(ended(c) for c in view.columns), "both columns to answer")
        return weakref.ref(app)

    before = styles_caches_alive()
    app = asyncio.run(answer_once())
    gc.collect()
    assert app() is None, "the closed app is still alive"
    assert styles_caches_alive() <= before


async def test_an_app_closed_while_answers_wait_to_be_drawn_leaves_no_task_behind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(column_module, "_MARKDOWN_TURN_WAIT_S", TIMEOUT_S)  # the answers wait for good
    app = sim_app(strategies=["fixed", "cost"])
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        view = send_hello(app)
        assert view._frame_timer is not None
        view._frame_timer.stop()  # no column's turn comes any more: their answers wait to be drawn
        await wait_for(pilot, lambda: all(c.markdown_due for c in view.columns), "both answers to wait for a turn")
    # Closing the columns ended those waits at once: the waiting tasks held the app until
    # their turn (or timeout) came, and for good if the event loop closed first.
    await asyncio.sleep(0)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
