"""Metric definitions on hand-made datasets whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from playground.eval.baselines import (
    choose_pair,
    oracle,
    oracle_curve,
    random_curve,
    random_ranking_curve,
    reference_for,
    single_model,
)
from playground.eval.dataset import ReplayDataset
from playground.eval.metrics import Metrics, apgr, cpt, make_curve, mark_pareto, ranking_curve, summarize


def hand_made() -> ReplayDataset:
    # 10 prompts: strong right on 9, weak right on 5; weak right & strong wrong on prompt 9.
    strong = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    weak = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
    scores = np.array([strong, weak], dtype=np.float64).T
    costs = np.array([[0.02, 0.001]] * 10)
    return ReplayDataset(
        "hand",
        tuple(f"p{i}" for i in range(10)),
        tuple(str(i) for i in range(10)),
        ("claude-opus-4-5", "gpt-5-mini"),
        scores,
        costs,
        np.zeros((10, 2), dtype=bool),
    )


def test_always_strong_quality_is_the_strong_columns_mean_exactly() -> None:
    data = hand_made()
    pair = choose_pair(data, None)
    assert pair is not None and data.models[pair.strong] == "claude-opus-4-5"
    ref = reference_for(data, pair)
    row = summarize(single_model(data, pair.strong), data, ref)
    assert row.quality == data.scores[:, pair.strong].mean() == 0.9
    assert row.strong_share == 1.0
    assert row.cost_usd == pytest.approx(0.2)
    assert row.cost_per_1k_usd == pytest.approx(20.0)
    assert row.savings_vs_strongest == 0.0
    weak = summarize(single_model(data, pair.weak), data, ref)
    assert weak.quality == 0.5
    assert weak.savings_vs_strongest == pytest.approx(0.95)


def test_random_routers_expected_curve_is_the_straight_line() -> None:
    data = hand_made()
    pair = choose_pair(data, None)
    assert pair is not None
    curve = random_curve(data, pair)
    strong_q, weak_q = pair.qualities(data)
    assert list(curve.shares) == [0.0, 1.0]
    assert apgr(curve, strong_q, weak_q) == pytest.approx(0.5)
    assert cpt(curve, strong_q, weak_q, 0.5) == pytest.approx(0.5)
    assert cpt(curve, strong_q, weak_q, 0.8) == pytest.approx(0.8)
    # Measured the way routers are (random scores, every threshold), it averages to the line.
    big = ReplayDataset(
        "big",
        tuple(str(i) for i in range(4000)),
        tuple(str(i) for i in range(4000)),
        data.models,
        np.tile(data.scores, (400, 1)),
        np.tile(data.costs, (400, 1)),
        np.zeros((4000, 2), dtype=bool),
    )
    measured = [apgr(random_ranking_curve(big, pair, seed), strong_q, weak_q) for seed in range(20)]
    assert np.mean(measured) == pytest.approx(0.5, abs=0.01)


def test_oracle_cpt_and_choice() -> None:
    data = hand_made()
    pair = choose_pair(data, None)
    assert pair is not None
    strong_q, weak_q = pair.qualities(data)
    curve = oracle_curve(data, pair)
    # Strong-only wins on 5 prompts (b = 0.5), weak-only on 1 (c = 0.1): the gap is 0.4 and the
    # oracle recovers it at rate 1/0.4 per unit of strong share, so CPT(x) = x * 0.4.
    assert cpt(curve, strong_q, weak_q, 0.5) == pytest.approx(0.2)
    assert cpt(curve, strong_q, weak_q, 0.8) == pytest.approx(0.32)
    picked = oracle(data)
    assert picked.quality.mean() == 1.0  # every prompt has a model that got it right
    assert (picked.choice == pair.weak).sum() == 5  # the cheaper model wherever it was right


def test_ranking_curve_of_a_perfect_ranker_matches_the_oracle_and_ties_stay_linear() -> None:
    data = hand_made()
    pair = choose_pair(data, None)
    assert pair is not None
    strong_q, weak_q = pair.qualities(data)
    gain = data.scores[:, pair.strong] - data.scores[:, pair.weak]
    assert apgr(ranking_curve(gain, data, pair), strong_q, weak_q) == pytest.approx(
        apgr(oracle_curve(data, pair), strong_q, weak_q)
    )
    flat = ranking_curve(np.zeros(data.n), data, pair)  # one tie group: cannot be split, only the line
    assert apgr(flat, strong_q, weak_q) == pytest.approx(0.5)


def test_make_curve_keeps_the_best_point_per_share_and_adds_the_ends() -> None:
    curve = make_curve([(0.5, 0.6), (0.5, 0.8)], 1.0, 0.5)
    assert curve.shares.tolist() == [0.0, 0.5, 1.0]
    assert curve.quality.tolist() == [0.5, 0.8, 1.0]


def test_pareto_front() -> None:
    def row(name: str, cost: float, quality: float) -> Metrics:
        return Metrics(name, {}, 10, quality, cost, cost, None, None, 0.0, {}, None, None)

    rows = [row("cheap", 1, 0.5), row("dear", 5, 0.9), row("worse", 5, 0.6), row("mid", 3, 0.8), row("oracle", 1, 1.0)]
    mark_pareto(rows)
    assert [r.strategy for r in rows if r.pareto] == ["cheap", "dear", "mid"]  # the oracle is a ceiling, not an option
