"""Pilot tests of the evaluation screen's live runs (a prompt set through the
app's engine on the in-process simulator: live columns, progress to the
total, Esc stops keeping the rows, a second run resumes without duplicates in
the SQLite store), its calibration (held-out strong share within 3 points of
the target, split and seed shown, an unreachable target named with the
closest value, the calibrated setting loaded into tuning) and the plot's
legend (outside the plot, no point covered)."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Select, Static

from playground.core.pricing import format_usd
from playground.eval.live_view import LIVE_COLUMNS, NO_REFERENCE, LivePlan, plan_live, stored_rows
from playground.eval.workbench import calibrate
from playground.tui.screens.evaluation import EvaluationScreen
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets.eval_plot import ORACLE, PARETO, RANDOM, EvalPlot, PlotLegend
from tests.helpers.tui import SIZE, screen_text, sim_app, wait_for

# Slow enough that a run of 16 answers one at a time is still going when Esc
# arrives after the second, fast enough to keep the resumed run short.
UNHURRIED = 4.0
LOREM = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
         "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua"]


def arithmetic_set(path: Path, count: int) -> Path:
    """Short questions with numeric references (the simulator answers them)."""
    lines = [json.dumps({"prompt": f"What is {i} + {i + 3}? Reply with a number only.", "reference": str(2 * i + 3),
                         "match": "numeric"}) for i in range(1, count + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def stored(plan: LivePlan) -> tuple[int, int]:
    """(rows, distinct (strategy, prompt) pairs) of the plan's run in its SQLite file."""
    with sqlite3.connect(plan.store_path) as db:
        total, distinct = db.execute(
            "SELECT count(*), count(DISTINCT task || '/' || prompt_index) FROM results WHERE run_id = ?",
            (plan.run_id,)).fetchone()
    return total, distinct


async def open_evaluation(pilot: Pilot) -> EvaluationScreen:
    await pilot.press("f11")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, EvaluationScreen) and app.screen.state == "done",
                   "the example replay to finish")
    return app.screen  # type: ignore[return-value]


async def set_mode(pilot: Pilot, screen: EvaluationScreen, mode: str) -> None:
    screen.picker.set_mode(mode)
    await wait_for(pilot, lambda: screen.picker.mode == mode and screen.picker.has_class(f"-{mode}"),
                   f"the {mode} fields")


async def start_live(pilot: Pilot, screen: EvaluationScreen, path: Path, names: list[str], concurrency: int) -> None:
    await set_mode(pilot, screen, "live")
    screen.query_one("#eval-path", Input).value = str(path)
    screen.query_one("#eval-concurrency", Input).value = str(concurrency)
    screen.picker.set_strategies(names)
    await pilot.pause()
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: screen.live_plan is not None and screen.state in ("running", "done"),
                   "the live run to start")


async def test_a_live_run_fills_the_table_with_live_columns_and_the_bar_reaches_the_total(tmp_path: Path) -> None:
    prompts = arithmetic_set(tmp_path / "sums.jsonl", 4)
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, "the session")
        screen = await open_evaluation(pilot)
        await start_live(pilot, screen, prompts, ["fixed", "complexity"], 2)
        plan = screen.live_plan
        assert plan is not None and plan.total == 8
        await wait_for(pilot, lambda: screen.state == "done" and screen.live is not None, "the live run to end")
        bar = screen.query_one(ProgressBar)
        assert (bar.total, bar.progress) == (8, 8)
        assert screen.live is not None and screen.live.complete
        table = screen.table
        assert table.columns_shown == LIVE_COLUMNS
        labels = [str(col.label) for col in table.columns.values()]
        assert any(label.startswith("p50") for label in labels) and any(label.startswith("p95") for label in labels)
        assert [r.strategy for r in table.shown] and {r.strategy for r in table.shown} == {"fixed", "complexity"}
        for row in table.shown:
            assert row.n == 4 and row.p50_ms is not None and row.p95_ms is not None
            cells = table.get_row_at(table.shown.index(row))
            assert cells[2].endswith("%")  # scored by reference, not "no reference"
        assert stored(plan) == (8, 8)
        assert {"fixed", "complexity"} <= set(screen.plot.series)
        with sqlite3.connect(plan.store_path) as db:
            (spent,) = db.execute("SELECT sum(cost_usd + judge_cost_usd) FROM results WHERE run_id = ?",
                                  (plan.run_id,)).fetchone()
        assert spent > 0
        await wait_for(pilot, lambda: f"8/8 done · {format_usd(spent)} spent" in screen_text(pilot),
                       "the count and the cost on screen")


async def test_a_stopped_live_run_keeps_its_rows_and_the_next_run_resumes_without_duplicates(tmp_path: Path) -> None:
    prompts = arithmetic_set(tmp_path / "sums.jsonl", 16)
    app = sim_app(speed=UNHURRIED)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, "the session")
        screen = await open_evaluation(pilot)
        await start_live(pilot, screen, prompts, ["fixed"], 1)
        plan = screen.live_plan
        assert plan is not None
        bar = screen.query_one(ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) >= 2, "two rows written")
        status = str(screen.query_one("#eval-status", Static).visual)
        assert f"/{plan.total}" in status and "so far" in status  # done/total and the cost so far
        await pilot.press("escape")  # stops the run, does not close the screen
        await wait_for(pilot, lambda: screen.state == "done" and screen.live is not None, "the run to stop")
        stopped = screen.live
        assert app.screen is screen and stopped is not None and not stopped.complete
        kept = len(stopped.rows)
        assert 2 <= kept < plan.total
        assert stored(plan) == (kept, kept)
        assert f"{kept} of {plan.total} rows kept" in screen_text(pilot)

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.state == "done" and screen.live is not None and screen.live is not stopped
                       and screen.live.complete, "the resumed run to finish")
        resumed = screen.live
        assert resumed is not None and resumed.resumed == kept
        assert screen.live_plan is not None and screen.live_plan.run_id == plan.run_id
        assert stored(plan) == (plan.total, plan.total)
        assert [r.n for r in screen.table.shown] == [plan.total]
        assert (bar.total, bar.progress) == (plan.total, plan.total)
        await wait_for(pilot, lambda: f"resumed {kept} rows" in screen_text(pilot), "the resumed count on screen")
        await pilot.press("escape")  # nothing runs now: Esc closes
        await wait_for(pilot, lambda: not isinstance(app.screen, EvaluationScreen), "the screen to close")


async def test_a_prompt_set_without_references_says_so_and_bad_input_is_one_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("Write a haiku about routers.\nName three colours.\n")
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, "the session")
        screen = await open_evaluation(pilot)
        await start_live(pilot, screen, plain, ["fixed"], 2)
        await wait_for(pilot, lambda: screen.state == "done" and screen.live is not None, "the live run to end")
        assert len(screen.table.shown) == 1 and screen.table.get_row_at(0)[2] == NO_REFERENCE
        await wait_for(pilot, lambda: "no reference" in screen_text(pilot), "the note on screen")
        for field, value, expected in (("#eval-concurrency", "0", "concurrency 0"),
                                       ("#eval-path", str(tmp_path / "missing.jsonl"), "missing.jsonl")):
            screen.query_one(field, Input).value = value
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda e=expected: screen.problem is not None and e in screen.problem,
                           f"the problem line for {value}")
            assert "\n" not in (screen.problem or "") and "Traceback" not in screen_text(pilot)
            screen.query_one("#eval-concurrency", Input).value = "2"


def lorem_outcomes(path: Path, n: int = 2000, seed: int = 3) -> Path:
    """A two-model wide CSV whose prompts' lengths spread widely (the
    heuristics then score them almost without ties), so held-out figures
    follow the fit split's up to sampling noise (about 1.4 points at 1,000
    held-out prompts)."""
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["prompt", "claude-opus-4-5", "gpt-5-nano"])
        for i in range(n):
            words = [rng.choice(LOREM) for _ in range(rng.randint(3, 600))]
            out.writerow([f"{i} " + " ".join(words), int(rng.random() < 0.9), int(rng.random() > len(words) / 600)])
    return path


async def test_calibration_to_a_strong_share_lands_on_held_out_and_loads_into_tuning(tmp_path: Path) -> None:
    data = lorem_outcomes(tmp_path / "outcomes.csv")
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evaluation(pilot)
        await set_mode(pilot, screen, "calibrate")
        screen.query_one("#eval-path", Input).value = str(data)
        screen.query_one("#eval-target", Select).value = "strong_share"
        screen.query_one("#eval-target-value", Input).value = "0.3"
        screen.query_one("#eval-split", Input).value = "0.5"
        screen.query_one("#eval-seed", Input).value = "0"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.calibration is not None and screen.state == "done", "the calibration",
                       timeout=120)
        result = screen.calibration
        assert result is not None and screen.bench is not None and screen.bench.path == data
        assert (result.split.fraction, result.split.seed) == (0.5, 0)
        (row,) = [r for r in result.calibrated if r.strategy == "threshold"]
        assert abs(row.strong_share - 0.3) <= 0.03  # measured on the held-out split
        assert row.n == len(result.split.held_out) == 1000
        # The screen shows what the core computes for the same request.
        core = calibrate(screen.bench, ["threshold"], result.target, 0.5, 0)
        assert [r.strong_share for r in core.calibrated] == [row.strong_share]
        fit, held = result.measured["threshold"]
        assert abs(fit - 0.3) <= 0.01 and held == pytest.approx(row.strong_share)
        text = screen_text(pilot)
        assert "seed 0" in text and "fit on 1000 prompts" in text and "held-out" in text
        assert f"strong_share {fit:.3g} on the fit split, {held:.3g} held out" in text

        index = screen.table.shown.index(row)
        screen.table.focus()
        screen.table.move_cursor(row=index)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TuningScreen) and app.screen.ready, "the tuning screen")
        assert app.tuning.values("threshold")["threshold"] == pytest.approx(row.params["threshold"])
        assert app.tuning.is_changed("threshold")


async def test_an_unreachable_calibration_target_names_the_closest_value() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evaluation(pilot)
        await set_mode(pilot, screen, "calibrate")
        screen.picker.set_strategies(["threshold"])
        screen.query_one("#eval-target", Select).value = "quality_floor"
        screen.query_one("#eval-target-value", Input).value = "1.01"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.calibration is not None and screen.state == "done", "the calibration")
        result = screen.calibration
        assert result is not None and set(result.unreachable) == {"threshold"} and not result.calibrated
        problem = screen.problem
        assert problem is not None and "\n" not in problem
        assert "threshold: quality_floor=1.01" in problem and "closest reachable: quality_floor=0." in problem
        await wait_for(pilot, lambda: "closest reachable" in screen_text(pilot), "the line on screen")


async def test_the_legend_sits_outside_the_plot_and_covers_no_point() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evaluation(pilot)
        plot, legend = screen.query_one(EvalPlot), screen.query_one(PlotLegend)
        await wait_for(pilot, lambda: bool(plot.entries) and all(e.label in str(legend.visual) for e in plot.entries),
                       "the legend to name every series")
        assert not plot.region.overlaps(legend.region)
        lines = screen_text(pilot).splitlines()
        region = plot.region
        inside = [line[region.x:region.right] for line in lines[region.y:region.bottom]]
        drawn = "\n".join(inside)
        # None of the legend's own words is inside the plot.
        assert ORACLE in str(legend.visual)
        for label in (ORACLE, PARETO, RANDOM):
            assert label not in drawn
        assert any(label.startswith("best single: ") for label in plot.series) and "best single" not in drawn
        assert "◆" in drawn and "■" in drawn  # the oracle and the best single model: cheap points, top left


async def test_a_live_run_measures_the_applied_tuning_not_the_defaults(tmp_path: Path) -> None:
    """What the columns use is what is measured: an applied setting that sends every prompt to the
    large model shows in the rows' models, in the summary, and in the run's identity (a run with
    the defaults is another run and does not resume from it). Pending edits are not measured."""
    prompts = arithmetic_set(tmp_path / "sums.jsonl", 3)
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, "the session")
        app.tuning.set("complexity", "high_threshold", 0.01)
        app.tuning.set("complexity", "large_model", "gpt-5-1")
        app.apply_tuning()
        app.tuning.set("complexity", "large_model", "gpt-4o")  # pending, not applied: not measured
        screen = await open_evaluation(pilot)
        await start_live(pilot, screen, prompts, ["complexity"], 2)
        tuned_plan = screen.live_plan
        assert tuned_plan is not None and tuned_plan.tasks[0].params == {"high_threshold": 0.01,
                                                                         "large_model": "gpt-5-1"}
        await wait_for(pilot, lambda: screen.state == "done" and screen.live is not None, "the tuned run")
        assert screen.live is not None and {row.model for row in screen.live.rows} == {"gpt-5-1"}
        summary = str(screen.query_one("#eval-summary", Static).visual)
        # low_threshold follows high_threshold down (the value in effect is shown).
        assert "as tuned: complexity low_threshold=0.01, high_threshold=0.01, large_model=gpt-5-1" in summary

        untuned = plan_live(prompts, ["complexity"], screen.catalog)
        assert untuned.tasks[0].params == {} and untuned.run_id != tuned_plan.run_id
        assert stored_rows(untuned) == 0  # the tuned rows are not resumed as the defaults' rows
