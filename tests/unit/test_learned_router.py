"""The learned kNN router: training from a labelled file through the
simulator's embeddings endpoint, decisions, traces and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.sim.embeddings import embed_text
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.learned import load_examples
from playground.strategies.registry import make_strategy
from tests.helpers.cli import InProcessCli
from tests.helpers.env import TEST_SIM_SPEED

CATALOG = default_catalog()
ALL = RoutingContext.for_all(CATALOG)


def route(prompt: str, dimensions: int = 256) -> RouteInput:
    r = RouteInput.measure(ChatRequest.from_prompt(prompt), TokenCounter())
    return RouteInput(r.request, r.input_tokens, r.token_method, tuple(embed_text(prompt, dimensions)))


@pytest.mark.parametrize(("prompt", "model"), [
    ("Write a Python function that removes duplicates from a list.", "claude-sonnet-4-5"),
    ("Write a poem about the moon over the sea.", "gpt-4o"),
    ("Summarize these meeting notes in three bullet points.", "claude-haiku-4-5"),
    ("What is the capital of Spain?", "gpt-5-mini"),
])
def test_builtin_router_routes_by_nearest_examples(prompt: str, model: str) -> None:
    decision = make_strategy("learned", CATALOG).decide(route(prompt), ALL)
    assert decision.model == model, decision.reason
    neighbours = decision.details["neighbours"]
    assert len(neighbours) == 5 and neighbours[0]["similarity"] >= neighbours[-1]["similarity"]
    assert "nearest examples vote" in decision.reason


def test_neighbours_are_cosine_similarities_and_details_are_fresh() -> None:
    """decide() uses a pre-normalised matrix and shared label tables; the trace
    must match a plain cosine computation, and callers may edit their copy."""
    import numpy as np

    strategy: Any = make_strategy("learned", CATALOG, {"k": 7})  # a LearnedStrategy: its router is read here
    vectors = np.asarray(strategy.router.vectors, dtype=np.float64)
    prompt = "Write a Python function that parses a date."
    first = strategy.decide(route(prompt), ALL)
    query = np.asarray(embed_text(prompt, 256), dtype=np.float64)
    cosine = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    expected = np.sort(cosine)[::-1][:7]
    assert [n["similarity"] for n in first.details["neighbours"]] == pytest.approx(expected.tolist(), abs=1e-5)
    by_prompt = {e.prompt: e.scores() for e in strategy.router.examples}
    assert all(n["labels"] == by_prompt[n["prompt"]] for n in first.details["neighbours"])
    first.details["neighbours"][0]["labels"].clear()
    fresh = make_strategy("learned", CATALOG, {"k": 7})
    assert strategy.decide(route(prompt), ALL) == fresh.decide(route(prompt), ALL)
    assert strategy.decide(route(prompt), ALL).details["neighbours"][0]["labels"]


def test_quality_labels_and_cost_weight(tmp_path: Path) -> None:
    quality = {"claude-opus-4-5": 0.9, "gpt-5-nano": 0.85}
    rows = [{"prompt": f"translate sentence number {i} into German", "quality": quality} for i in range(6)]
    (tmp_path / "ex.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    from playground.strategies.learned import save_router, train

    router = train(load_examples(tmp_path / "ex.jsonl"), lambda ps: [embed_text(p, 256) for p in ps],
                   embedding_model="text-embedding-3-small", dimensions=256, simulated=True)
    save_router(router, tmp_path / "r.json")
    path = str(tmp_path / "r.json")
    german = route("translate this into German")
    assert make_strategy("learned", CATALOG, {"router_file": path}).decide(german, ALL).model == "claude-opus-4-5"
    cheap = make_strategy("learned", CATALOG, {"router_file": path, "cost_weight": 0.1}).decide(german, ALL)
    assert cheap.model == "gpt-5-nano"  # quality 0.85 at a fraction of the price wins once cost counts


def test_bad_example_files_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "best_model": "gpt-4o"}\n{"prompt": "b"}\n')
    with pytest.raises(UserError, match=r"bad.jsonl:2: .*give exactly one of best_model or quality"):
        load_examples(bad)
    bad.write_text('{"prompt": "a", "best_model": "gpt-4o"}\nnot json\n')
    with pytest.raises(UserError, match=r"bad.jsonl:2: not valid JSON"):
        load_examples(bad)
    with pytest.raises(UserError, match="cannot read the trained router"):
        make_strategy("learned", CATALOG, {"router_file": str(tmp_path / "missing.json")})


def test_dimension_mismatch_and_missing_embedding_are_clear() -> None:
    strategy = make_strategy("learned", CATALOG)
    with pytest.raises(UserError, match="request embedding has 64 dimensions, the router was trained with 256"):
        strategy.decide(route("hello", dimensions=64), ALL)
    plain = RouteInput.measure(ChatRequest.from_prompt("hello"), TokenCounter())
    with pytest.raises(UserError, match="no embedding for this request"):
        strategy.decide(plain, ALL)


def test_train_router_cli_through_the_simulator(tmp_path: Path, run_cli: InProcessCli) -> None:
    examples = tmp_path / "labelled.jsonl"
    labelled = [
        ("write a sql query joining two tables", "claude-sonnet-4-5"),
        ("write a sql query with a group by", "claude-sonnet-4-5"),
        ("tell me a joke about penguins", "gpt-4o-mini"),
        ("tell me a funny joke about cats", "gpt-4o-mini"),
    ]
    examples.write_text("\n".join(json.dumps({"prompt": p, "best_model": m}) for p, m in labelled))
    out = tmp_path / "router.json"
    trained = run_cli("train-router", str(examples), "--out", str(out), PLAYGROUND_SIM_SPEED=TEST_SIM_SPEED)
    assert trained.returncode == 0, trained.stderr
    assert "trained on 4 examples" in trained.stdout and "simulated" in trained.stdout
    saved = json.loads(out.read_text())
    assert saved["dimensions"] == 256 and len(saved["vectors"]) == 4 and saved["simulated_embeddings"] is True
    # The simulator's endpoint returns exactly the local embedding function's vectors.
    assert saved["vectors"][0] == pytest.approx(embed_text("write a sql query joining two tables", 256), abs=1e-6)
    run = run_cli("run", "write a sql query that counts rows", "-s", "learned", "-p", f"learned.router_file={out}",
                  "--json", PLAYGROUND_SIM_SPEED=TEST_SIM_SPEED)
    assert run.returncode == 0, run.stderr
    row = json.loads(run.stdout)
    assert row["model"] == "claude-sonnet-4-5"
    assert [a["role"] for a in row["attempts"]] == ["embedding", ""]
