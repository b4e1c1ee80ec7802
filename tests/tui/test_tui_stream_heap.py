"""Between runs the app settles its heap (`columns_row.settle_heap`): once
every column has ended, what survives a full collection is frozen, so the
collector's full passes while the next answers stream walk only what was made
since; never while a column streams; after later sends only what was made
since is walked (at most once a minute everything); unfrozen when the app closes. The
answer pane keeps painted rows for its view only (they were most of the heap)."""

from __future__ import annotations

import gc
import weakref

import pytest

from playground.tui import startup
from playground.tui.widgets import columns_row
from playground.tui.widgets.columns_row import settle_heap
from tests.helpers.tui import SLOW, ended, ready, sim_app, wait_for

FOUR = ["fixed", "complexity", "task", "cost"]
LONG = "Write a long, detailed essay on distributed consensus: Paxos, Raft, their failure modes and trade-offs."
SIZE = (160, 48)


async def test_the_heap_is_frozen_once_the_columns_are_idle_and_released_when_the_app_closes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "_owned", True)  # as under `playground tui`, which owns the collector
    gc.unfreeze()
    app = sim_app(speed=SLOW, strategies=FOUR)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.main_screen
        assert gc.get_freeze_count() == 0  # nothing frozen before a run ended
        view.prompt_area.load_text(LONG)
        view.action_send()
        pane = view.columns[0].answer
        # Pages of text have scrolled by: painted rows are kept for the rows
        # in view, not for the whole answer.
        await wait_for(pilot, lambda: pane.row_count > 3 * pane.size.height, "pages of text in the first column")
        assert view.columns[0].running and not pane.rendered
        height = pane.size.height
        assert len(pane._strips) <= height
        assert len(pane._lines_cache) <= 2 * height  # a row with and without the position mark
        assert gc.get_freeze_count() == 0  # never while columns stream
        view.action_stop()
        await wait_for(pilot, lambda: all(ended(c) for c in view.columns), "every column to end")
        await wait_for(pilot, lambda: gc.get_freeze_count() > 10_000, "the heap to be settled")
    assert gc.get_freeze_count() == 0


async def test_each_later_send_freezes_what_it_made_without_walking_the_frozen_heap(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Else each send's survivors grew the unfrozen heap, and the collector's full passes walked
    them mid-stream (30-45 ms each in bench_tui's frames) until the next settle, a minute later."""
    monkeypatch.setattr(startup, "_owned", True)
    gc.unfreeze()
    settles: list[tuple[bool, int]] = []  # (walked everything?, frozen objects after)
    settle = columns_row.settle_heap

    def recording_settle(*, everything: bool = True) -> None:
        settle(everything=everything)
        settles.append((everything, gc.get_freeze_count()))

    monkeypatch.setattr(columns_row, "settle_heap", recording_settle)
    app = sim_app(strategies=FOUR)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.main_screen
        for sends, prompt in enumerate(("Say hi.", LONG, "Name a colour."), start=1):
            view.prompt_area.load_text(prompt)
            view.action_send()
            await wait_for(pilot, lambda sends=sends: len(settles) == sends, f"the heap settled after send {sends}")
        assert [everything for everything, _ in settles] == [True, False, False]
        # The long answer's survivors (its drawn lines, its run) were frozen by the second settle.
        assert settles[1][1] > settles[0][1] + 1_000
    assert gc.get_freeze_count() == 0


async def test_an_app_that_does_not_own_the_collector_leaves_it_alone() -> None:
    """Started by a test or a library caller, not by `playground tui`: no settling, nothing
    frozen or unfrozen, whatever the caller had frozen stays frozen."""
    assert not startup.owns_collector()
    gc.freeze()  # the caller's own choice (e.g. before forking)
    frozen = gc.get_freeze_count()
    try:
        app = sim_app(strategies=["fixed", "cost"])
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            view = app.main_screen
            view.prompt_area.load_text("hello")
            view.action_send()
            await wait_for(pilot, lambda: all(ended(c) for c in view.columns), "every column to end")
            row = view.row
            await wait_for(pilot, lambda: row._settle_timer is None, "the settle check to run")
            # Neither frozen more (a settle) nor unfrozen; frozen objects whose last reference
            # went still leave the count.
            assert row._settled_at is None and 0.9 * frozen < gc.get_freeze_count() <= frozen
        assert 0.9 * frozen < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_settle_heap_frees_what_died_since_the_last_settle() -> None:
    gc.unfreeze()
    node = Node()
    settle_heap()
    assert gc.get_freeze_count() > 0
    del node
    settle_heap()
    gc.unfreeze()
    assert not any(isinstance(o, Node) for o in gc.get_objects())  # the dead cycle was freed


def test_a_settle_of_what_was_made_since_frees_new_cycles_and_leaves_the_frozen_heap() -> None:
    gc.unfreeze()
    old = Node()
    old_ref = weakref.ref(old)
    settle_heap()
    new = Node()
    new_ref = weakref.ref(new)
    del old, new
    settle_heap(everything=False)
    assert new_ref() is None  # made since the last settle: walked and freed
    assert old_ref() is not None  # frozen: not walked, so not freed yet
    settle_heap()
    gc.unfreeze()
    assert old_ref() is None
