"""Calibration on one split hits its target on the other; training beats random
where difficulty is learnable and not on noise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.core.tokens import default_counter
from playground.eval.baselines import choose_pair
from playground.eval.dataset import ReplayDataset, split_rows
from playground.eval.evaluate import Evaluator
from playground.eval.features_cache import cached_features
from playground.eval.sweep import Target, knob_for
from playground.eval.train_compare import save_model
from playground.eval.train_winrate import train_winrate
from playground.strategies.registry import strategy_class


def _evaluators(
    data: ReplayDataset, catalog: Catalog, fraction: float = 0.5, seed: int = 0
) -> tuple[Evaluator, Evaluator]:
    table, _ = cached_features(data.prompts, (), default_counter(), use_cache=False)
    whole = Evaluator.build(data, table, catalog, None, pair_only=True)
    split = split_rows(data.n, fraction, seed)
    return whole.subset(split.fit), whole.subset(split.held_out)


@pytest.mark.parametrize("target", [0.2, 0.3, 0.5])
def test_calibration_hits_the_strong_share_on_the_held_out_split(
    target: float, make_pair: Callable[..., ReplayDataset], catalog: Catalog, tmp_path: Path
) -> None:
    data = make_pair(1200, seed=5)
    fit, held = _evaluators(data, catalog)
    # A trained win-rate model scores prompts continuously, so any share is reachable.
    pair = choose_pair(fit.dataset, None)
    assert pair is not None
    trained = train_winrate(fit.dataset, fit.table.tokens, pair, split_rows(fit.dataset.n, 0.5, 0), steps=100)
    save_model(trained.model, tmp_path / "m.json")
    knob = knob_for(strategy_class("threshold"))
    assert knob is not None
    params = fit.with_pair_models("threshold", {"model": str(tmp_path / "m.json")})
    value, fitted = fit.calibrate("threshold", params, knob, Target("strong_share", target))
    assert abs(fit.strong_share(fitted) - target) <= 0.02
    outcome = held.outcome("threshold", {**params, **knob.values(value)})
    assert not isinstance(outcome, str)
    assert abs(held.strong_share(outcome) - target) <= 0.03


def test_budget_and_quality_floor_calibration(make_pair: Callable[..., ReplayDataset], catalog: Catalog) -> None:
    data = make_pair(800, seed=6)
    fit, _ = _evaluators(data, catalog)
    knob = knob_for(strategy_class("threshold"))
    assert knob is not None
    params = fit.with_pair_models("threshold", {})
    _, cheap = fit.calibrate("threshold", params, knob, Target("budget_per_1k", 4.0))
    assert cheap.cost.mean() * 1000 <= 4.0
    _, good = fit.calibrate("threshold", params, knob, Target("quality_floor", 0.8))
    assert good.quality.mean() >= 0.8


def test_unreachable_targets_name_the_closest_reachable_value(
    make_pair: Callable[..., ReplayDataset], catalog: Catalog
) -> None:
    data = make_pair(400, seed=7)
    fit, _ = _evaluators(data, catalog)
    knob = knob_for(strategy_class("threshold"))
    assert knob is not None
    params = fit.with_pair_models("threshold", {})
    with pytest.raises(UserError, match=r"quality_floor=0.99: .*closest reachable: quality_floor=0\.9"):
        fit.calibrate("threshold", params, knob, Target("quality_floor", 0.99))
    with pytest.raises(UserError, match=r"budget_per_1k=0.5: .*closest reachable: budget_per_1k=1\.0000"):
        fit.calibrate("threshold", params, knob, Target("budget_per_1k", 0.5))


def _train(data: ReplayDataset, seed: int) -> float:
    table, _ = cached_features(data.prompts, (), default_counter(), use_cache=False)
    pair = choose_pair(data, None)
    assert pair is not None
    return train_winrate(data, table.tokens, pair, split_rows(data.n, 0.5, seed), steps=200).held_out.apgr


def test_trained_router_beats_random_where_difficulty_is_learnable(make_pair: Callable[..., ReplayDataset]) -> None:
    apgrs = [_train(make_pair(600, seed=s, learnable=True), s) for s in (1, 2)]
    assert min(apgrs) > 0.62, apgrs


def test_trained_router_does_not_beat_random_on_noise(make_pair: Callable[..., ReplayDataset]) -> None:
    apgrs = [_train(make_pair(600, seed=s, learnable=False), s) for s in (1, 2, 3)]
    assert abs(float(np.mean(apgrs)) - 0.5) < 0.05, apgrs
