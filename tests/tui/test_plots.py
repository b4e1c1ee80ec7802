"""Session plots: cost and latency per column run by run, breaker timelines,
built from the history store's runs (the engine's events)."""

from __future__ import annotations

from pathlib import Path

from textual_plotext import PlotextPlot

from playground.core import roles
from playground.core.decision import Decision
from playground.core.events import AttemptStarted, BreakerChanged, BreakerState, RequestFinished, RequestResult
from playground.history import HistoryRecorder, HistoryStore
from playground.tui.widgets.plots import PlotsScreen, session_series
from tests.helpers.data import record
from tests.helpers.tui import SIZE, ended, ready, screen_text, sim_app, type_prompt, wait_for


def _runs(path: Path) -> tuple[list[str], float]:
    recorder = HistoryRecorder(path)
    ids = []
    for n in range(3):
        run_id = recorder.begin_run(f"prompt {n}", {"fixed": {}, "cost": {}})
        for strategy, model in (("fixed", "gpt-4o"), ("cost", "gpt-5-nano")):
            emit = recorder.observer(run_id, strategy)
            emit(AttemptStarted(1, model, "openai", True))
            if n == 1 and strategy == "fixed":
                emit(BreakerChanged("openai/gpt-4o", BreakerState.CLOSED, BreakerState.OPEN, "failure rate 100%"))
            if n == 2 and strategy == "fixed":
                emit(BreakerChanged("openai/gpt-4o", BreakerState.OPEN, BreakerState.HALF_OPEN, "waited"))
            rec = record(1, model, roles.ANSWER, out=10 * (n + 1))
            emit(RequestFinished(RequestResult(strategy, Decision(model, "x"), (rec,), 400.0 * (n + 1), True)))
        ids.append(run_id)
    recorder.close()
    return ids, 0.0


def test_series_per_strategy_and_breaker_steps(tmp_path: Path) -> None:
    ids, _ = _runs(tmp_path / "h.sqlite3")
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        runs = [store.load(i) for i in ids]
        started = runs[0].started - 1  # type: ignore[union-attr]
        series = session_series([r for r in runs if r], started)
    assert [x for x, _ in series.cost["fixed"]] == [1, 2, 3]
    assert [y for _, y in series.latency["cost"]] == [0.4, 0.8, 1.2]
    costs = [y for _, y in series.cost["fixed"]]
    assert costs == sorted(costs) and costs[0] > 0  # more tokens each run
    (levels,) = [[level for _, level in steps] for steps in series.breakers.values()]
    assert levels == [0, 2, 1]  # CLOSED, then OPEN, then HALF_OPEN


async def test_f10_plots_this_sessions_runs() -> None:
    app = sim_app(strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, PlotsScreen), "the plots")
        assert "No run in this session yet" in screen_text(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PlotsScreen), "the plots to close")
        for prompt in ("What is 2 + 2?", "Name a colour."):
            await type_prompt(pilot, prompt)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: all(ended(c) and c.current.result is not None for c in app.columns),  # type: ignore[union-attr]
                           "the answers")
            app.prompt_area.load_text("")
        await wait_for(pilot, lambda: len(app.extras.run_ids) == 2, "two runs recorded")
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, PlotsScreen), "the plots")
        screen = app.screen
        assert isinstance(screen, PlotsScreen)
        assert {k: len(v) for k, v in screen.series.cost.items()} == {"fixed": 2, "cost": 2}
        await pilot.pause()
        text = screen_text(pilot)
        assert "Cost per run" in text and "Latency per run" in text and "Circuit breakers" in text
        assert len(screen.query(PlotextPlot)) == 3
