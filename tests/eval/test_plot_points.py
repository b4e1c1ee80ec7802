"""The cost–quality plot's points: every setting, the baselines, an honest
Pareto front (the oracle is a ceiling, not a competitor)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from playground.core.catalog import Catalog
from playground.core.tokens import default_counter
from playground.eval.dataset import ReplayDataset
from playground.eval.features_cache import cached_features
from playground.eval.plot_points import CostQualityPlot, PlotPoint, plot_points
from playground.eval.replay_run import EvalRequest
from playground.eval.sweep import parse_sweep, parse_target
from playground.strategies.registry import strategy_class

STRONG, WEAK = "claude-opus-4-5", "gpt-5-mini"  # make_pair's models
STRATEGIES = ["threshold", "complexity", "fixed", "cost", "llmrouter"]


def _plot(data: ReplayDataset, catalog: Catalog, **request: object) -> CostQualityPlot:
    names = {f for n in STRATEGIES for f in strategy_class(n).features} - {"embedding"}
    table, _ = cached_features(data.prompts, names, default_counter(), use_cache=False)
    return plot_points(data, table, catalog, EvalRequest(STRATEGIES, **request))  # type: ignore[arg-type]


def _dominates(a: PlotPoint, b: PlotPoint) -> bool:
    return (a.cost_per_1k <= b.cost_per_1k and a.quality >= b.quality
            and (a.cost_per_1k < b.cost_per_1k or a.quality > b.quality))


@pytest.fixture
def plot(make_pair: Callable[..., ReplayDataset], catalog: Catalog) -> CostQualityPlot:
    return _plot(make_pair(300, seed=4), catalog, sweeps=[parse_sweep("threshold.threshold=0.1:0.9:0.2")])


def test_every_setting_is_a_point_with_its_parameters(plot: CostQualityPlot) -> None:
    swept = [p for p in plot.points if p.strategy == "threshold"]
    assert [p.params["threshold"] for p in swept] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    assert all(p.kind == "router" and p.params["strong_model"] == STRONG for p in swept)
    # A higher threshold calls the strong model less and costs less.
    shares = [p.strong_share for p in swept]
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1]
    assert [p.cost_per_1k for p in swept] == sorted((p.cost_per_1k for p in swept), reverse=True)
    assert {p.strategy for p in plot.routers} == {"threshold", "complexity", "fixed", "cost"}
    assert "llmrouter" in plot.skipped  # needs a model call: named, not plotted
    assert plot.n == 300 and plot.split is None and plot.pair == (STRONG, WEAK)


def test_baselines_are_the_plain_models_random_curve_and_oracle(
    plot: CostQualityPlot, make_pair: Callable[..., ReplayDataset]
) -> None:
    data = make_pair(300, seed=4)
    strong_q, weak_q = data.scores.mean(axis=0).tolist()
    assert plot.best_single.strategy == f"always {STRONG}" and plot.best_single.kind == "baseline"
    assert plot.best_single.quality == pytest.approx(strong_q) and plot.best_single.cost_per_1k == pytest.approx(10.0)
    curve = plot.random_curve
    assert (curve.cheap, curve.dear) == (WEAK, STRONG) and len(curve.points) == 11
    assert curve.points[0] == pytest.approx((1.0, weak_q)) and curve.points[-1] == pytest.approx((10.0, strong_q))
    assert curve.quality_at(5.5) == pytest.approx((weak_q + strong_q) / 2)
    oracle = plot.oracle
    assert oracle.kind == "baseline" and not oracle.is_pareto
    assert all(p.quality <= oracle.quality + 1e-12 for p in plot.points)


def test_pareto_flags_mark_exactly_the_undominated_achievable_points(plot: CostQualityPlot) -> None:
    achievable = [p for p in plot.points if not p.strategy.startswith("oracle")]
    for point in achievable:
        beaten = any(_dominates(other, point) for other in achievable if other is not point)
        assert point.is_pareto == (not beaten), point
    front = plot.frontier
    assert front and all(p.is_pareto for p in front)
    assert [p.cost_per_1k for p in front] == sorted(p.cost_per_1k for p in front)
    for a, b in itertools.pairwise(front):  # dearer frontier points are better (or the same point)
        assert (a.cost_per_1k, a.quality) == (b.cost_per_1k, b.quality) or (
            a.cost_per_1k < b.cost_per_1k and a.quality < b.quality)
    # On learnable data some threshold setting beats random routing at its cost.
    assert any(p.quality > plot.random_curve.quality_at(p.cost_per_1k) + 0.02
               for p in plot.points if p.strategy == "threshold")


def test_calibrated_points_are_measured_on_the_held_out_split(
    make_pair: Callable[..., ReplayDataset], catalog: Catalog
) -> None:
    plot = _plot(make_pair(300, seed=4), catalog, targets=[parse_target("strong_share=0.3")], seed=1)
    assert plot.split is not None and "seed 1" in plot.split
    assert plot.n == 150
    (threshold,) = [p for p in plot.points if p.strategy == "threshold"]
    assert "calibrated" in threshold.note and abs(threshold.strong_share - 0.3) < 0.12
