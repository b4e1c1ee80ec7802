"""Complexity scores as quantiles of the shipped reference prompts."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.catalog import Catalog
from playground.core.tokens import default_counter
from playground.eval.complexity_reference import raw_scores, recommend_thresholds
from playground.eval.dataset_io import load_dataset
from playground.eval.example_data import EXAMPLE_DATASET, example_path
from playground.eval.features_cache import cached_features
from playground.strategies.quantile_scale import QuantileScale, reference_scale


def test_quantiles_are_shares_of_the_reference() -> None:
    scale = QuantileScale.fit(np.arange(100, dtype=float))
    assert scale.quantile(-5) == 0.0 and scale.quantile(500) == 1.0
    assert scale.quantile(49.5) == pytest.approx(0.5)
    values = scale.quantiles(np.linspace(-10, 110, 50))
    assert (np.diff(values) >= 0).all()
    tied = QuantileScale.fit([0.1] * 50 + [0.2] * 50)
    assert tied.quantile(0.1) == pytest.approx(0.25, abs=0.02)  # the middle of the tied run
    assert QuantileScale.from_json(scale.to_json()).quantile(30) == scale.quantile(30)


def test_shipped_reference_spreads_the_example_prompts_and_names_its_data(catalog: Catalog) -> None:
    scale = reference_scale()
    info = scale.info
    assert info["prompts"] >= 300 and "prompts" in info["source"]
    data = load_dataset(example_path(EXAMPLE_DATASET), {}, catalog)
    table, _ = cached_features(data.prompts, (), default_counter())
    raw = raw_scores(data.prompts, table.tokens)
    q = scale.quantiles(raw)
    # Raw scores crowd into a narrow band; quantiles spread them over 0..1.
    assert np.percentile(raw, 90) - np.percentile(raw, 10) < 0.45
    assert np.percentile(q, 10) < 0.15 and np.percentile(q, 90) > 0.85
    recommended = info["recommended_thresholds"]
    low, high = recommended["low_threshold"], recommended["high_threshold"]
    shares = [np.mean(q < low), np.mean((q >= low) & (q < high)), np.mean(q >= high)]
    assert all(share >= 0.05 for share in shares)  # every tier is used
    again = recommend_thresholds(data, q)
    assert (again.low, again.high) == (low, high)  # reproducible from the shipped data
