"""What runs before every routed request leaves and after its last chunk was
made cheaper (issue #14); these tests hold it to the same answers as the
clear, slower path it replaced."""

from __future__ import annotations

import json
import math
from importlib import resources

import numpy as np
import pytest

from playground.core.catalog import default_catalog
from playground.core.decision import Candidate, Decision
from playground.core.events import AttemptRecord, RequestResult
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.library.results import Completion
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.complexity import complexity_features, complexity_quantile, complexity_score
from playground.strategies.quantile_scale import QuantileScale, reference_scale
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
ALL = RoutingContext.for_all(CATALOG)
COUNTER = TokenCounter()


def numpy_quantile(scale: QuantileScale, score: float) -> float:
    """The scalar path as it was: numpy's interp and round on one score."""
    knots = scale.knots
    levels = np.linspace(0.0, 1.0, len(knots))
    below = np.interp(score, knots, levels, left=0.0, right=1.0)
    upper = np.interp(-score, -knots[::-1], levels[::-1], left=1.0, right=0.0)
    return float(np.round((below + upper) / 2, 6))


def probe_points(scale: QuantileScale, seed: int) -> list[float]:
    """Random scores inside and around the knots, every knot, and its two float neighbours."""
    rng = np.random.default_rng(seed)
    lo, hi = float(scale.knots[0]), float(scale.knots[-1])
    points = [*rng.uniform(lo - 0.1, hi + 0.1, 20_000).tolist(), *rng.uniform(lo, hi, 20_000).tolist()]
    for knot in scale.knots.tolist():
        points += [knot, float(np.nextafter(knot, np.inf)), float(np.nextafter(knot, -np.inf))]
    return points


@pytest.mark.parametrize("scale", [
    reference_scale(),
    QuantileScale.fit([0.1] * 50 + [0.2] * 30 + [0.35] * 20),  # long runs of equal knots
    QuantileScale.fit(np.random.default_rng(3).gamma(2.0, 0.08, 500)),
], ids=["reference", "tied", "fitted"])
def test_scalar_quantile_equals_numpys(scale: QuantileScale) -> None:
    points = probe_points(scale, seed=7)
    assert [scale.quantile(p) for p in points] == [numpy_quantile(scale, p) for p in points]
    # ...and the batch path (replay, sweeps) agrees with it.
    assert scale.quantiles(np.asarray(points)).tolist() == [scale.quantile(p) for p in points]
    # A NaN score stays NaN, as through numpy (and infinities land on the ends).
    assert math.isnan(scale.quantile(math.nan)) and math.isnan(float(scale.quantiles([math.nan])[0]))
    ends = (-math.inf, math.inf)
    assert [scale.quantile(x) for x in ends] == [numpy_quantile(scale, x) for x in ends]


def example_prompts() -> list[str]:
    folder = resources.files("playground.eval").joinpath("data/prompts")
    prompts = []
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".jsonl"):
            prompts += [json.loads(line)["prompt"] for line in file.read_text(encoding="utf-8").splitlines() if line]
    return prompts


def test_complexity_decision_equals_its_feature_functions_on_the_example_prompts() -> None:
    strategy = make_strategy("complexity", CATALOG, {"low_threshold": 0.3, "high_threshold": 0.7})
    prompts = example_prompts()
    assert len(prompts) >= 300
    tiers = set()
    for prompt in prompts:
        route = RouteInput.measure(ChatRequest.from_prompt(prompt, max_output_tokens=256), COUNTER)
        decision = strategy.decide(route, ALL)
        features = complexity_features(prompt, route.input_tokens)
        details = decision.details
        assert details["features"] == {name: {"measure": m, "contribution": c} for name, (m, c) in features.items()}
        assert details["raw_score"] == complexity_score(prompt, route.input_tokens)
        assert details["score"] == complexity_quantile(prompt, route.input_tokens)
        top = sorted(features.items(), key=lambda kv: -kv[1][1])[:2]  # ties in feature order
        drivers = ", ".join(f"{name} +{c:.2f}" for name, (_, c) in top if c > 0) or "no complexity signals"
        assert decision.reason.endswith(f"raw {details['raw_score']:.2f}: {drivers})")
        tier = details["tier"]
        tiers.add(tier)
        assert [(c.model, c.accepted, c.note) for c in decision.candidates] == [
            (strategy.p.small_model, tier == "small", "small tier"), (strategy.p.mid_model, tier == "mid", "mid tier"),
            (strategy.p.large_model, tier == "large", "large tier")]
    assert tiers == {"small", "mid", "large"}


def test_completion_builds_the_trace_when_read_and_it_is_the_decisions() -> None:
    decision = Decision("gpt-4o", "complexity 0.91 ≥ 0.9 → large tier", (Candidate("gpt-4o", 0.91234567),),
                        {"score": 0.912345678, "nested": {"x": [1.23456789]}}, fallbacks=("gpt-5-mini",))
    record = AttemptRecord(1, "gpt-4o", "openai", "ok", 12, 20, "provider", 0.0001, 5.0, 30.0, "hello")
    done = Completion.from_result(RequestResult("complexity", decision, (record,), 31.0, simulated=True))
    assert "trace" not in vars(done)  # nothing built with the answer
    assert done.trace == decision.trace() and done.trace["details"]["score"] == 0.912346
    assert done.trace is done.trace  # built once
    assert Completion.from_result(RequestResult("complexity", None, (record,), 31.0, simulated=True)).trace == {}
