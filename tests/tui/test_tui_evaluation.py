"""Pilot tests of the evaluation screen (F11): replay on the shipped example
data, figures equal to the core's, sorting, the plot's series, picking a row
into the tuning screen, quality in the tuning preview, a bad dataset path."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from playground.config.load import parse_policy_text
from playground.core.catalog import default_catalog
from playground.eval.metrics import Metrics
from playground.eval.replay_run import EvalRequest, run_replay
from playground.eval.result_table import cells, setting_of
from playground.eval.sweep import Target
from playground.eval.workbench import FIGURES_KEPT, Workbench, calibrate, evaluate, load_replay
from playground.tui.app import PlaygroundApp
from playground.tui.bindings import key_label
from playground.tui.commands import playground_commands
from playground.tui.screens.evaluation import EvaluationScreen
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets.eval_plot import PARETO
from tests.helpers.tui import SIZE, screen_text, sim_app, wait_for


async def open_evaluation(pilot: Pilot, key: str = "f11") -> EvaluationScreen:
    """The key, and the example replay finished. Replay needs no session: the
    simulator may still be starting."""
    await pilot.press(key)
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, EvaluationScreen) and app.screen.state == "done",
                   "the example replay to finish")
    return app.screen  # type: ignore[return-value]


def core_rows(bench: Workbench, names: list[str]) -> list[Metrics]:
    """What `playground eval` computes for the same request, in one go."""
    request = EvalRequest(names, pair=bench.pair)
    return run_replay(bench.dataset, bench.table, bench.catalog, request).rows


async def test_the_example_replay_fills_a_sortable_table_and_the_plot_with_the_cores_figures() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evaluation(pilot)
        bench = app.policy.workbench
        assert bench is not None and bench.example and screen.bench is bench
        names = screen.picker.strategies
        # The defaults are the strategies that replay (no model call) on this data.
        assert "threshold" in names and "complexity" in names and "llmrouter" not in names
        expected = core_rows(bench, names)
        table = screen.table
        assert table.row_count == len(expected) == len(table.shown)
        assert {r.strategy for r in table.shown if r.kind == "router"} == set(names)
        key = lambda r: (r.strategy, str(sorted(r.params.items())))  # noqa: E731
        by_key = {key(r): r for r in expected}
        for shown in table.shown:
            core = by_key[key(shown)]
            assert (shown.quality, shown.cost_per_1k_usd, shown.savings_vs_best_single, shown.strong_share,
                    shown.apgr, shown.pareto) == (core.quality, core.cost_per_1k_usd, core.savings_vs_best_single,
                                                  core.strong_share, core.apgr, core.pareto)
            assert table.get_row_at(table.shown.index(shown)) == list(cells(core))
        plot = screen.plot
        assert PARETO in plot.series and "oracle (ceiling)" in plot.series
        assert any(s.startswith("best single: ") for s in plot.series)
        assert any(s.startswith("random routing") for s in plot.series)
        assert set(names) <= set(plot.series)
        text = screen_text(pilot)
        assert "Quality" in text and "APGR" in text and "oracle" in text

        # Sorting: cheapest first by default; a column, reversed, the next column.
        assert [r.cost_per_1k_usd for r in table.shown] == sorted(r.cost_per_1k_usd for r in table.shown)
        table.focus()
        table.sort_by("quality")
        await pilot.pause()
        qualities = [r.quality for r in table.shown]
        assert qualities == sorted(qualities, reverse=True)
        await pilot.press("r")
        await wait_for(pilot, lambda: "Quality ▲" in screen_text(pilot), "the reversed sort's arrow")
        assert [r.quality for r in table.shown] == sorted(qualities)
        await pilot.press("s")
        await pilot.pause()
        assert table.order.key == "cost"
        table.sort_by("apgr", descending=True)
        await pilot.pause()
        shown = [r.apgr for r in table.shown]
        known = [a for a in shown if a is not None]
        assert known == sorted(known, reverse=True) and shown[len(known):] == [None] * (len(shown) - len(known))


async def test_a_picked_sweep_point_is_tuned_further_with_quality_shown_live() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evaluation(pilot)
        screen.picker.set_strategies(["complexity"])
        screen.query_one("#eval-sweep", Input).value = "threshold.threshold=0.2:0.8:0.2"
        await pilot.click("#eval-run")
        await wait_for(pilot, lambda: screen.state == "done" and any(
            r.strategy == "threshold" for r in screen.table.shown), "the sweep's rows")
        swept = [r for r in screen.table.shown if r.strategy == "threshold"]
        assert sorted(r.params["threshold"] for r in swept) == pytest.approx([0.2, 0.4, 0.6, 0.8])
        assert all(r.note == "sweep threshold.threshold" for r in swept)
        assert "threshold" in screen.plot.series
        target = next(r for r in swept if r.params["threshold"] == pytest.approx(0.6))
        screen.table.move_cursor(row=screen.table.shown.index(target))
        await pilot.pause()
        assert screen.plot.selected is not None and screen.plot.selected.params == target.params
        screen.table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TuningScreen) and app.screen.ready, "the tuning screen")
        tuning = app.screen
        assert isinstance(tuning, TuningScreen) and tuning.selected == "threshold"
        assert app.tuning.values("threshold")["threshold"] == pytest.approx(0.6)  # pending, not applied
        assert app.tuning.is_changed("threshold")
        assert app.tuning.values("threshold", pending=False)["threshold"] != pytest.approx(0.6)

        bench = app.policy.workbench
        assert bench is not None
        first = bench.figures("threshold", app.tuning.values("threshold"))
        assert not isinstance(first, str) and first.quality == pytest.approx(target.quality)
        # The preview draws its figures after the screen is ready: wait for them, do not read once.
        await wait_for(pilot, lambda: f"quality {first.quality:.1%}" in screen_text(pilot), "the quality figure")
        text = screen_text(pilot)
        assert "PGR" in text and "savings vs best single" in text
        await pilot.click("#input-threshold")
        await pilot.press("ctrl+a", "ctrl+k", *"0.3")
        await wait_for(pilot, lambda: app.tuning.values("threshold")["threshold"] == pytest.approx(0.3),
                       "the threshold to move")
        moved = bench.figures("threshold", app.tuning.values("threshold"))
        assert not isinstance(moved, str) and moved.quality != first.quality
        await wait_for(pilot, lambda: f"quality {moved.quality:.1%}" in screen_text(pilot), "the quality to follow")


async def test_a_remapped_key_opens_it_and_a_bad_dataset_path_shows_one_line(tmp_path: Path) -> None:
    header_only = tmp_path / "outcomes.csv"
    header_only.write_text("prompt,score\n")
    settings = parse_policy_text('[keymap]\nshow_evaluation = "f12"\neval_sort = "o"\n', "config.toml")
    app = sim_app(settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: key_label(app, "show_evaluation") == "f12", "the keymap to apply")
        screen = await open_evaluation(pilot, "f12")
        (entry,) = [help_text for title, help_text, _ in playground_commands(app) if title == "Evaluate strategies…"]
        assert entry.endswith("(f12)")
        assert "o/r sort" in screen_text(pilot)  # the hint names the keys bound now
        rows = screen.table.row_count
        for path in (tmp_path / "missing.csv", header_only):
            screen.query_one("#eval-path", Input).value = str(path)
            screen.query_one("#eval-path", Input).focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda p=path: screen.problem is not None and str(p) in screen.problem,
                           f"the problem line for {path.name}")
            problem = screen.problem
            assert problem is not None and "\n" not in problem
            await wait_for(pilot, lambda p=problem: p[:60] in screen_text(pilot), "the line on screen")
            assert "Traceback" not in screen_text(pilot)
            assert screen.table.row_count == rows  # the previous results stay
            assert isinstance(app.screen, EvaluationScreen)


def test_the_app_declares_the_evaluation_key() -> None:
    assert any(getattr(b, "id", None) == "show_evaluation" for b in PlaygroundApp.BINDINGS)


def test_a_single_model_baseline_row_is_tuned_as_fixed_on_that_model() -> None:
    bench = load_replay(None, default_catalog())
    result = evaluate(bench, ["threshold"])
    rows = {row.strategy: row for row in result.rows}
    for model in bench.dataset.models:
        row = rows.get(f"always {model}")
        if row is None:
            continue
        assert setting_of(row) == ("fixed", {"model": model})
        figures = bench.figures("fixed", {"model": model})
        assert not isinstance(figures, str)
        assert (figures.quality, figures.cost_per_1k) == pytest.approx((row.quality, row.cost_per_1k_usd))
    assert setting_of(rows["oracle"]) is None and setting_of(rows["random"]) is None
    # Dragging a threshold keeps only the last settings' figures (a few numbers each).
    for step in range(FIGURES_KEPT + 5):
        bench.figures("threshold", {"threshold": step / (FIGURES_KEPT + 5)})
    assert len(bench._figures) == FIGURES_KEPT
    assert setting_of(rows["threshold"]) == ("threshold", rows["threshold"].params)


async def test_a_replayed_strategy_is_measured_with_the_tuning_applied_in_the_app() -> None:
    """The row of a ticked strategy measures its column's setting (the applied tuning, not a
    pending edit), the same figures as replaying that setting directly."""
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, "the session")
        app.tuning.set("complexity", "high_threshold", 0.95)
        app.tuning.set("threshold", "strong_model", "gpt-5-1")  # not in the dataset: the replay keeps its pair
        app.apply_tuning()
        app.tuning.set("complexity", "high_threshold", 0.3)  # pending, not applied: not measured
        screen = await open_evaluation(pilot)
        assert screen.evaluation is not None and screen.bench is not None
        row = next(r for r in screen.evaluation.rows if r.kind == "router" and r.strategy == "complexity")
        assert row.params["high_threshold"] == pytest.approx(0.95)
        paired = next(r for r in screen.evaluation.rows if r.kind == "router" and r.strategy == "threshold")
        assert screen.bench.pair is not None and paired.params["strong_model"] == screen.bench.pair[0]
        assert "high_threshold=0.95" in cells(row)[1]
        tuned = evaluate(screen.bench, ["complexity"], params={"complexity": {"high_threshold": 0.95}})
        default = evaluate(screen.bench, ["complexity"])
        (expected,) = [r for r in tuned.rows if r.strategy == "complexity"]
        (untuned,) = [r for r in default.rows if r.strategy == "complexity"]
        assert (row.cost_per_1k_usd, row.quality) == (expected.cost_per_1k_usd, expected.quality)
        assert row.cost_per_1k_usd != untuned.cost_per_1k_usd


def test_calibration_keeps_the_other_parameters_it_is_given() -> None:
    """The evaluation screen calibrates a strategy's knob with the column's other values (the
    applied tuning), not with the defaults."""
    bench = load_replay(None, default_catalog())
    target = Target("strong_share", 0.3)
    tuned = calibrate(bench, ["complexity"], target, 0.5, 0, params={"complexity": {"small_model": "gpt-4o-mini"}})
    default = calibrate(bench, ["complexity"], target, 0.5, 0)
    ((row,), (untuned,)) = ([r for r in tuned.calibrated if r.strategy == "complexity"],
                            [r for r in default.calibrated if r.strategy == "complexity"])
    assert row.params["small_model"] == "gpt-4o-mini" and untuned.params.get("small_model") != "gpt-4o-mini"
