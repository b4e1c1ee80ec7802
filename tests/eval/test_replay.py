"""Replay routes exactly as live `decide` does, row by row."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.catalog import Catalog
from playground.core.messages import ChatRequest
from playground.core.tokens import default_counter
from playground.eval.costs import complete_costs
from playground.eval.dataset_io import load_dataset
from playground.eval.evaluate import Evaluator
from playground.eval.example_data import EXAMPLE_DATASET, example_path
from playground.eval.features_cache import cached_features
from playground.eval.plan_replay import NotReplayable
from playground.eval.replay import replay_context, replay_strategy
from playground.strategies.base import RouteInput
from playground.strategies.registry import STRATEGIES, make_strategy

ROWS = 80


def _embed(texts: list[str]) -> np.ndarray:
    from playground.sim.embeddings import embed_text

    return np.array([embed_text(t, 256) for t in texts], dtype=np.float32)


@pytest.fixture(scope="module")
def shipped() -> tuple[object, object]:
    from playground.core.catalog import default_catalog

    catalog = default_catalog()
    data = load_dataset(example_path(EXAMPLE_DATASET), {}, catalog)
    data = data.subset(np.arange(ROWS))
    names = {f for cls in STRATEGIES.values() for f in cls.features}
    table, _ = cached_features(data.prompts, names, default_counter(), embed=_embed, use_cache=False)
    return complete_costs(data, table.tokens, catalog, default_counter()), table


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_replay_equals_live_decide_on_every_row(name: str, shipped: tuple[object, object], catalog: Catalog) -> None:
    data, table = shipped
    ctx = replay_context(catalog, data)  # type: ignore[arg-type]
    try:
        outcome = replay_strategy(make_strategy(name, catalog), {}, table, data, ctx)  # type: ignore[arg-type]
    except NotReplayable:
        pytest.skip(f"{name} needs a model call or data the example lacks")
    except Exception as exc:  # a strategy that cannot route this dataset at all
        pytest.skip(f"{name}: {exc}")
    live = make_strategy(name, catalog)  # fresh: stateful strategies (abtest's draws) start alike
    counter = default_counter()
    for i, prompt in enumerate(data.prompts):  # type: ignore[attr-defined]
        route = RouteInput.measure(ChatRequest.from_prompt(prompt), counter)
        if live.needs_embedding:
            route = RouteInput(route.request, route.input_tokens, route.token_method, _embed([prompt])[0])
        decision = live.decide(route, ctx)
        first = decision.plan is None
        chosen = data.models[outcome.choice[i]]  # type: ignore[attr-defined]
        if first:
            assert chosen == decision.model, f"row {i}: replay {chosen}, decide {decision.model}"
        else:
            assert decision.model in data.models  # type: ignore[attr-defined]


def test_trained_threshold_replay_equals_its_decide(
    tmp_path: object, shipped: tuple[object, object], catalog: Catalog
) -> None:
    from pathlib import Path

    from playground.eval.dataset import split_rows
    from playground.eval.metrics import Pair
    from playground.eval.train_compare import save_model
    from playground.eval.train_winrate import train_winrate

    data, table = shipped
    pair = Pair(data.index("claude-opus-4-5"), data.index("gpt-5-nano"))  # type: ignore[attr-defined]
    trained = train_winrate(data, table.tokens, pair, split_rows(ROWS, 0.5, 0), steps=50, l2=1e-2)  # type: ignore
    path = Path(str(tmp_path)) / "m.json"
    save_model(trained.model, path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    params = {"model": str(path), "threshold": 0.2, "strong_model": "claude-opus-4-5", "weak_model": "gpt-5-nano"}
    ev = Evaluator(data, table, catalog, pair)  # type: ignore[arg-type]
    outcome = ev.outcome("threshold", params)
    assert not isinstance(outcome, str)
    strategy = make_strategy("threshold", catalog, params)
    counter = default_counter()
    for i, prompt in enumerate(data.prompts):  # type: ignore[attr-defined]
        decision = strategy.decide(RouteInput.measure(ChatRequest.from_prompt(prompt), counter), ev.ctx)
        assert data.models[outcome.choice[i]] == decision.model  # type: ignore[attr-defined]
