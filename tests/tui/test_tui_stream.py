"""Eight columns streaming fast from the simulator (Pilot, real loopback
HTTP): every column ends with exactly the engine's answer, in order; a
column holds only the run it shows (earlier runs are in the history store);
keys typed while the columns stream reach the prompt.

Timing targets are the benchmark's (`bench/bench_tui.py`); these tests wait
on state with generous deadlines and assert what must hold however loaded
the machine is.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from playground.history import HistoryStore
from playground.runview.run_state import RunState
from playground.tui.app import PlaygroundApp
from playground.tui.widgets import column as column_module
from playground.tui.widgets.column import StrategyColumn
from tests.helpers.tui import FAST, ended, ready, sim_app, type_prompt, wait_for

# Single-call strategies: one answer stream per column (as the benchmark's).
EIGHT = ["fixed", "complexity", "task", "cost", "fallback", "loadbalance", "capability", "threshold"]
LONG = "Write a long, detailed essay on distributed consensus: Paxos, Raft, their failure modes and trade-offs."
OTHER = "Explain in depth how a modern garbage collector works, generation by generation, with examples."
SIZE = (200, 50)
CRAWL = 0.2  # the simulator at a fifth of the models' real speed


async def _send(pilot: Pilot, app: PlaygroundApp, prompt: str) -> list[RunState]:
    """Send `prompt` to every column and wait until each new run ended and was drawn."""
    view = app.main_screen
    before = [c.current for c in view.columns]
    view.prompt_area.load_text(prompt)
    view.action_send()
    await wait_for(pilot, lambda: all(c.current is not b and ended(c) for c, b in zip(view.columns, before,
                                                                                          strict=True)),
                   "every column's new run to end")
    await wait_for(pilot, lambda: not any(c.markdown_due for c in view.columns), "every answer drawn")
    runs = [c.current for c in view.columns]
    assert all(run is not None and run.result is not None for run in runs)
    return runs  # type: ignore[return-value]


def _widgets(column: StrategyColumn) -> int:
    return sum(1 for _ in column.walk_children())


async def test_eight_fast_columns_show_exactly_the_engines_answers() -> None:
    app = sim_app(speed=FAST, strategies=EIGHT)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        runs = await _send(pilot, app, LONG)
        for column, run in zip(app.main_screen.columns, runs, strict=True):
            assert run.result is not None
            answer = run.result.text
            assert run.status == "done" and len(answer) > 500, (column.strategy.name, run.status, run.error)
            pane = column.answer
            # What streamed into the pane is the answer, whole and in order,
            # and what the pane shows now is that answer as Markdown (plus
            # the table of calls when there were several).
            assert pane.text == answer, column.strategy.name
            assert pane.rendered and pane.markdown == answer
            assert column.shown_text == run.displayed and pane.row_count > 10
        # The history store received the same text (merged per frame, not per token).
        recorder = app.extras.recorder
        assert recorder is not None and recorder.flush(30)
        with HistoryStore(recorder.path) as store:
            stored = store.load(store.runs()[0].id)
        assert stored is not None and stored.prompt == LONG
        by_name = {a.strategy: a for a in stored.answers}
        for run in runs:
            assert run.result is not None and by_name[run.strategy].text == run.result.text


async def test_a_columns_last_token_is_in_a_frame_before_its_markdown_is_built(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The frame that shows a column's whole streamed answer goes out first, then its Markdown is
    built: columns ending together no longer wait behind each other's Markdown to show their end."""
    app = sim_app(speed=FAST, strategies=EIGHT[:4])
    frames = 0
    display = app._display

    def counting_display(screen: Any, update: Any) -> None:
        nonlocal frames
        display(screen, update)
        if update is not None:
            frames += 1

    app._display = counting_display  # type: ignore[method-assign]
    appended_at: dict[str, int] = {}  # a column's answer text: the frame count at its last append
    built_at: dict[str, int] = {}  # the same answer: the frame count when its Markdown build began
    build = column_module.answer_lines_sliced

    async def recording_build(markdown: str, *args: Any) -> Any:
        built_at[markdown] = frames
        return await build(markdown, *args)

    monkeypatch.setattr(column_module, "answer_lines_sliced", recording_build)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for column in app.main_screen.columns:
            pane = column.answer
            append = pane.append

            def recording_append(text: str, pane: Any = pane, append: Any = append) -> None:
                append(text)
                appended_at[pane.text] = frames

            pane.append = recording_append  # type: ignore[method-assign]
        runs = await _send(pilot, app, LONG)
    for run in runs:
        assert run.result is not None
        answer = run.result.text
        assert answer in appended_at and answer in built_at, run.strategy
        assert built_at[answer] > appended_at[answer], (run.strategy, appended_at[answer], built_at[answer])


async def test_a_send_empties_each_visible_column_in_its_own_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not all in the send's first frame (a repaint of every visible answer area at once, which keys
    typed then waited for): each column's area is emptied in its turn of the screen's ticker, and
    shows only the new run's text from then on."""
    app = sim_app(speed=CRAWL, strategies=EIGHT[:4])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.main_screen
        first = await _send(pilot, app, "Say hi.")
        assert all(column.display for column in view.columns)  # four fit in 200 cells
        cleared_in_turn: dict[str, int] = {}
        for column in view.columns:
            pane = column.answer
            clear = pane.clear

            def recording_clear(placeholder: str = "", pane: Any = pane, clear: Any = clear,
                                name: str = column.strategy.name) -> None:
                cleared_in_turn.setdefault(name, view._frames)
                clear(placeholder)

            pane.clear = recording_clear  # type: ignore[method-assign]
        view.prompt_area.load_text(LONG)
        view.action_send()
        await wait_for(pilot, lambda: len(cleared_in_turn) == 4, "every column's answer area emptied")
        assert len(set(cleared_in_turn.values())) == 4, cleared_in_turn  # one per turn
        await wait_for(pilot, lambda: all(c.current is not r and c.answer.text for c, r in
                                          zip(view.columns, first, strict=True)), "the new answers streaming")
        for column, old in zip(view.columns, first, strict=True):
            run = column.current
            assert run is not None and old.result is not None
            assert old.result.text not in column.answer.text  # nothing of the previous answer
            assert run.displayed.startswith(column.answer.text)  # the new run's text, in order
        view.action_stop()
        await wait_for(pilot, lambda: all(ended(c) for c in view.columns), "every column to end")


async def test_a_column_keeps_only_the_run_it_shows_and_earlier_runs_are_in_the_history() -> None:
    app = sim_app(speed=FAST, strategies=EIGHT[:4])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = await _send(pilot, app, LONG)
        columns = app.main_screen.columns
        widgets = [_widgets(c) for c in columns]
        second = await _send(pilot, app, OTHER)
        third = await _send(pilot, app, LONG)
        for column, one, two, three in zip(columns, first, second, third, strict=True):
            # The same widgets, holding the current run's text only.
            assert _widgets(column) == widgets[columns.index(column)]
            assert three.result is not None and two.result is not None
            assert column.answer.text == three.result.text
            assert two.result.text not in column.answer.source
            # Earlier runs: summed, and only a few kept as state (not widgets).
            assert list(column.history)[-2:] == [one, two]
            assert column.earlier_usd > 0
        recorder = app.extras.recorder
        assert recorder is not None and recorder.flush(30)
        with HistoryStore(recorder.path) as store:
            summaries = store.runs()
            assert [s.prompt for s in summaries[:3]] == [LONG, OTHER, LONG]
            stored = store.load(summaries[1].id)
        assert stored is not None
        texts = {a.strategy: a.text for a in stored.answers}
        assert texts == {run.strategy: run.result.text for run in second if run.result is not None}


async def test_keys_typed_while_eight_columns_stream_reach_the_prompt() -> None:
    # Answers that take a minute or more: all eight still stream however long a
    # busy machine takes to type (at CRAWL, the fastest column finished first once,
    # at load 15); the test stops them once the keys are in.
    app = sim_app(speed=CRAWL / 2, strategies=EIGHT)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.main_screen
        view.prompt_area.load_text(LONG)
        view.action_send()
        await wait_for(pilot, lambda: all(c.current is not None and c.current.status == "streaming"
                                          for c in view.columns), "all eight columns streaming")
        view.prompt_area.load_text("")
        typed = "a follow-up question typed while they stream"
        await type_prompt(pilot, typed)
        assert view.prompt_area.text == typed
        # The keys were handled while the answers were still coming in.
        assert all(c.running for c in view.columns)
        view.action_stop()
        await wait_for(pilot, lambda: all(ended(c) for c in view.columns), "every column to stop")
        for column in view.columns:
            run = column.current
            assert run is not None and run.status == "cancelled"
