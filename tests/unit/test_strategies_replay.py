"""Replay: `decide_batch` over a feature table gives, row for row, what
`decide` gives for that row (model, plan, or the error), for every
registered strategy, on the built-in prompt set and generated prompts (three
hundred, a hundred per case), in contexts that force substitutions and refusals too."""

from __future__ import annotations

import random
from typing import Any, cast

import numpy as np
import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.tokens import TokenCounter
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.sim.embeddings import embed_text
from playground.strategies.base import RoutingContext
from playground.strategies.features import FEATURES, FeatureTable
from playground.strategies.registry import STRATEGIES, make_strategy
from playground.strategies.threshold import ThresholdStrategy
from tests.helpers.data import EASY_PROMPTS, HARD_PROMPTS

CATALOG = default_catalog()
COUNTER = TokenCounter()

_WORDS = ("explain why", "prove", "design", "python", "function", "def", "class Foo:", "poem", "story", "summarize",
          "translate", "in French", "at least", "must", "without", "integral", "3 + 4 = 7", "25%", "dance class",
          "the main character", "api", "stack trace", "step by step", "trade-offs", "calculate", "haiku", "bug", "sql",
          "names", "compare", "?", "\n1. first\n2. second", "```python\nx = 1\n```", "=>", "matrix", "only if")


def generated(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    prompts = []
    for _ in range(count):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 12))]
        filler = " ".join(
            rng.choice(("the", "a", "system", "data", "user", "value")) for _ in range(rng.randint(0, 40))
        )
        prompts.append(" ".join(words) + " " + filler)
    prompts.append("word " * 21_000)  # long context: raises capability's long_context weight
    return prompts


FIXED_PROMPTS = [*BUILTIN_PROMPTS, *random.Random(1).sample(HARD_PROMPTS + EASY_PROMPTS, 80)]
GENERATED = generated(300)
PROMPTS = [*FIXED_PROMPTS, *GENERATED]
# Each case checks the fixed prompts, the long one, and its own 100 of the other
# generated ones: every generated prompt still meets every strategy in several
# contexts and windows, at a third of the rows per case (the cases are 456).
GENERATED_PER_CASE = 100


def case_rows(case: str) -> np.ndarray:
    first = len(FIXED_PROMPTS)
    others = random.Random(case).sample(range(first, len(PROMPTS) - 1), GENERATED_PER_CASE)
    return np.array([*range(first), *sorted(others), len(PROMPTS) - 1])


def reserving(table: FeatureTable, window: int, picked: np.ndarray) -> FeatureTable:
    """The `picked` rows, each reserving an answer that puts half the prompts past `window`."""
    max_output = window - int(np.median(table.tokens)) if window else 1024
    return FeatureTable([table.prompts[int(i)] for i in picked], table.tokens[picked],
                        {feature: column[picked] for feature, column in table.columns.items()},
                        table.token_method, max_output)


def sim_embed(texts: list[str]) -> np.ndarray:
    return np.array([embed_text(t, 256) for t in texts])


@pytest.fixture(scope="module")
def table() -> FeatureTable:
    return FeatureTable.compute(PROMPTS, COUNTER, list(FEATURES), embed=sim_embed)


def _without(provider: str) -> RoutingContext:
    return RoutingContext(CATALOG, tuple(m for m in CATALOG.models.values() if m.provider != provider), "no key")


CONTEXTS = {
    "all": RoutingContext.for_all(CATALOG),
    "no-anthropic": _without("anthropic"),
    "small-windows": RoutingContext(CATALOG, tuple(m for m in CATALOG.models.values() if m.context_window <= 131_072)),
    "no-reason": RoutingContext(CATALOG, tuple(m for m in CATALOG.models.values() if m.provider == "openai"), ""),
}
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "complexity": [{"low_threshold": 0.1, "high_threshold": 0.3}],
    "threshold": [{"threshold": 0.2}, {"threshold": 0.77}],
    "task": [{"case_sensitive": True}, {"rules": [{"task": "x", "pattern": r"\bdata\b", "model": "gpt-4o"}]}],
    "cost": [{"budget_usd": 0.002, "min_quality": 7}, {"allow_local": False, "expected_output_tokens": 0}],
    "capability": [{"auto_weights": False}, {"min_scores": "coding=8", "max_ttft_ms": 700, "min_context": 150_000}],
    "loadbalance": [{"policy": "weighted", "weights": "gpt-4o=3,openrouter-gpt-4o=1"}, {"policy": "latency"}],
    "abtest": [{"variants": "gpt-5-1=1,claude-sonnet-4-5=2,gpt-4o=3", "sticky": "none"}],
    "ensemble": [{"mode": "consensus"}],
    "fallback": [{"primary": "gpt-4o-mini", "chain": "claude-haiku-4-5,gpt-5-mini"}],
}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    return [(name, values) for name in STRATEGIES for values in [{}, *VARIANTS.get(name, [])]]


def one_by_one(name: str, values: dict[str, Any], table: FeatureTable, ctx: RoutingContext) -> tuple[list, list, dict]:
    strategy = make_strategy(name, CATALOG, values)
    models: list[str | None] = []
    plans: list[object] = []
    errors: dict[int, str] = {}
    for i in range(len(table)):
        try:
            decision = strategy.decide(table.route_input(i), ctx)
        except UserError as exc:
            models.append(None)
            plans.append(None)
            errors[i] = str(exc)
            continue
        models.append(decision.model)
        plans.append(decision.plan)
    return models, plans, errors


# Answer reservations that put half the prompts on each side of a 128,000,
# 131,072 or 200,000-token window: substitutions and refusals as well as plain picks.
@pytest.mark.parametrize("window", [0, 128_000, 131_072, 200_000])
@pytest.mark.parametrize("context", list(CONTEXTS))
@pytest.mark.parametrize(("name", "values"), _cases(), ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v)))
def test_decide_batch_equals_decide_on_every_row(name: str, values: dict[str, Any], context: str, window: int,
                                                 table: FeatureTable) -> None:
    rows = reserving(table, window, case_rows(f"{name}-{values}-{context}-{window}"))
    ctx = CONTEXTS[context]
    batch = make_strategy(name, CATALOG, values).decide_batch(rows, ctx)
    models, plans, errors = one_by_one(name, values, rows, ctx)
    assert batch.models.shape == (len(rows),) and batch.models.dtype == object
    mismatched = [(i, batch.models[i], models[i]) for i in range(len(rows)) if batch.models[i] != models[i]]
    assert not mismatched, mismatched[:5]
    assert batch.errors == errors
    assert list(batch.plans) == plans if batch.plans is not None else all(p is None for p in plans)


def test_every_strategy_declares_registered_features() -> None:
    for cls in STRATEGIES.values():
        assert set(cls.features) <= set(FEATURES), cls.name


def test_feature_table_round_trips_as_plain_arrays(table: FeatureTable, tmp_path) -> None:
    path = tmp_path / "features.npz"
    np.savez(path, **cast(dict[str, Any], table.to_arrays()))
    with np.load(path, allow_pickle=False) as loaded:
        again = FeatureTable.from_arrays(PROMPTS, dict(loaded))
    assert again.token_method == table.token_method and again.max_output_tokens == table.max_output_tokens
    assert np.array_equal(again.tokens, table.tokens)
    assert set(again.columns) == set(table.columns)
    for name, values in table.columns.items():
        assert np.array_equal(again.columns[name], values), name
    strategy = make_strategy("complexity", CATALOG)
    ctx = CONTEXTS["all"]
    assert list(strategy.decide_batch(again, ctx).models) == list(strategy.decide_batch(table, ctx).models)


def test_a_table_without_a_feature_computes_it_on_first_use() -> None:
    bare = FeatureTable.compute(BUILTIN_PROMPTS[:5], COUNTER)
    assert bare.columns == {}
    make_strategy("task", CATALOG).decide_batch(bare, CONTEXTS["all"])
    assert set(bare.columns) == {"task_label"}
    with pytest.raises(UserError, match="feature 'embedding' needs an embedding function"):
        make_strategy("learned", CATALOG).decide_batch(bare, CONTEXTS["all"])
    with pytest.raises(UserError, match="unknown feature 'nope'; features: "):
        FeatureTable.compute(["hi"], COUNTER, ["nope"])
    with pytest.raises(UserError, match="tokens has 2 rows for 1 prompts"):
        FeatureTable.from_arrays(["hi"], {"tokens": np.array([1, 2])})


@pytest.fixture(scope="module")
def trained_model_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A win-rate model file with weights drawn at random: replay must agree
    with `decide` whatever the weights (training is tested in tests/eval)."""
    from playground.strategies.winrate import DEFAULT_BUCKETS, DENSE_NAMES, WinRateModel

    weights = np.random.default_rng(3).normal(0.0, 2.0, DEFAULT_BUCKETS + len(DENSE_NAMES))
    model = WinRateModel(weights, -0.5, "claude-opus-4-5", "gpt-5-nano", threshold=0.31)
    path = tmp_path_factory.mktemp("winrate") / "model.json"
    path.write_text(model.to_json(), encoding="utf-8")
    return str(path)


def test_trained_win_probability_is_the_same_alone_and_in_a_batch(table: FeatureTable, trained_model_file: str) -> None:
    strategy = make_strategy("threshold", CATALOG, {"model": trained_model_file})
    assert isinstance(strategy, ThresholdStrategy)
    batch = strategy.win_model.batch(table)
    alone = [strategy.win_model.probability(table.route_input(i)) for i in range(len(table))]
    assert batch.tolist() == alone
    assert 0 < np.mean(batch >= strategy.p.threshold) < 1  # the weights split the prompts: comparing means something


# The routing after the probability is the heuristic's (every context and window
# above); two contexts check the trained model's pair and threshold reach it.
@pytest.mark.parametrize(("context", "window"), [("all", 0), ("small-windows", 131_072)])
@pytest.mark.parametrize("values", [{}, {"threshold": 0.6, "weak_model": "gpt-5-mini"}], ids=["file", "given"])
def test_trained_threshold_decide_batch_equals_decide(values: dict[str, Any], context: str, window: int,
                                                     table: FeatureTable, trained_model_file: str) -> None:
    values = {**values, "model": trained_model_file}
    rows = reserving(table, window, np.arange(len(table)))
    ctx = CONTEXTS[context]
    batch = make_strategy("threshold", CATALOG, values).decide_batch(rows, ctx)
    models, _, errors = one_by_one("threshold", values, rows, ctx)
    assert [batch.models[i] for i in range(len(rows))] == models
    assert batch.errors == errors
    if context == "all":  # both sides of the threshold (elsewhere substitutes answer)
        assert set(models) >= {"claude-opus-4-5", values.get("weak_model", "gpt-5-nano")}
