"""Live evaluation: a prompt set sent through strategies via the engine.

Requests run concurrently (at most `concurrency` in flight); each result is
scored (by reference, else by a judge model, whose call is costed) and written
to the `ResultStore` the moment it is known, then `progress` is called. If
`progress` raises (a user interrupt, a test stopping the run half way), the
requests in flight are cancelled and nothing half-done is written: the next
run with the same configuration resumes from the stored rows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.eval.labelled import LabelledPrompt
from playground.eval.live_store import LiveRow, ResultStore
from playground.eval.metrics import Metrics
from playground.eval.scoring import judge_prompt as make_judge_prompt
from playground.eval.scoring import matches, read_judgement
from playground.strategies.base import Strategy

JUDGE_MAX_TOKENS = 16


@dataclass(frozen=True, slots=True)
class LiveTask:
    """One strategy setting to run over the prompt set."""

    label: str
    strategy: Strategy
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Scoring:
    match: str = "auto"
    judge: Strategy | None = None  # a `fixed` strategy on the judge model
    judge_model: str = ""


@dataclass(frozen=True, slots=True)
class LiveProgress:
    done: int
    total: int
    failed: int
    resumed: int  # rows found in the store when the run started
    cost_usd: float = 0.0  # every stored row's cost so far (requests and judges), resumed ones included


def run_id_for(
    items: Sequence[LabelledPrompt], tasks: Sequence[LiveTask], scoring: Scoring, max_output_tokens: int
) -> tuple[str, dict[str, Any]]:
    config = {
        "prompts": hashlib.sha256(json.dumps([i.to_dict() for i in items]).encode()).hexdigest(),
        "count": len(items),
        "tasks": [[t.label, t.strategy.name, t.params] for t in tasks],
        "match": scoring.match,
        "judge": scoring.judge_model,
        "max_output_tokens": max_output_tokens,
    }
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16], config


async def _score(
    engine: Engine, item: LabelledPrompt, answer: str, scoring: Scoring
) -> tuple[float | None, str, float]:
    """(quality, how it was scored, judge cost)."""
    if item.reference is not None:
        mode = item.match or scoring.match
        return (1.0 if matches(answer, item.reference, mode) else 0.0), f"reference:{mode}", 0.0
    if scoring.judge is None:
        return None, "unscored", 0.0
    request = ChatRequest.from_prompt(make_judge_prompt(item.prompt, answer), max_output_tokens=JUDGE_MAX_TOKENS)
    result = await engine.run(scoring.judge, request)
    if result.error is not None:
        return None, f"judge:{scoring.judge_model} failed", result.cost_usd
    return read_judgement(result.text).score, f"judge:{scoring.judge_model}", result.cost_usd


async def run_live(
    engine: Engine,
    items: Sequence[LabelledPrompt],
    tasks: Sequence[LiveTask],
    scoring: Scoring,
    store: ResultStore,
    run_id: str,
    *,
    concurrency: int = 8,
    max_output_tokens: int = 512,
    progress: Callable[[LiveProgress], None] | None = None,
) -> list[LiveRow]:
    """Run what the store does not hold yet; return every row of the run."""
    done = store.done(run_id)
    jobs = [(task, index) for task in tasks for index in range(len(items)) if (task.label, index) not in done]
    total = len(tasks) * len(items)
    state = {"done": len(done), "failed": 0}
    resumed = len(done)
    spent = [sum(r.cost_usd + r.judge_cost_usd for r in store.rows(run_id)) if done else 0.0]
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(task: LiveTask, index: int) -> None:
        item = items[index]
        async with gate:
            request = ChatRequest.from_prompt(item.prompt, max_output_tokens=max_output_tokens)
            result = await engine.run(task.strategy, request)
            if result.error is not None:
                row = LiveRow(
                    task.label,
                    index,
                    item.prompt,
                    result.model,
                    "",
                    0.0,
                    "error",
                    result.cost_usd,
                    0.0,
                    result.latency_ms,
                    f"{result.error.kind}: {result.error.message}",
                )
                state["failed"] += 1
            else:
                quality, scored_by, judge_cost = await _score(engine, item, result.text, scoring)
                row = LiveRow(
                    task.label,
                    index,
                    item.prompt,
                    result.model,
                    result.text,
                    quality,
                    scored_by,
                    result.cost_usd,
                    judge_cost,
                    result.latency_ms,
                )
        store.add(run_id, row)
        state["done"] += 1
        spent[0] += row.cost_usd + row.judge_cost_usd
        if progress is not None:
            progress(LiveProgress(state["done"], total, state["failed"], resumed, spent[0]))

    pending = [asyncio.ensure_future(one(task, index)) for task, index in jobs]
    try:
        await asyncio.gather(*pending)
    finally:
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return store.rows(run_id)


def summarize_live(rows: Sequence[LiveRow], tasks: Sequence[LiveTask]) -> list[Metrics]:
    """Per task: quality (scored rows; failed requests count as 0), cost,
    shares per model and latency percentiles."""
    out = []
    for task in tasks:
        mine = [r for r in rows if r.task == task.label]
        if not mine:
            continue
        scored = [r.quality for r in mine if r.quality is not None]
        cost = sum(r.cost_usd for r in mine)
        latencies = np.array([r.latency_ms for r in mine if r.latency_ms is not None], dtype=np.float64)
        models = [r.model or "(none)" for r in mine]
        shares = {m: models.count(m) / len(mine) for m in dict.fromkeys(models)}
        out.append(
            Metrics(
                strategy=task.strategy.name,
                params=task.params,
                n=len(mine),
                quality=float(np.mean(scored)) if scored else float("nan"),
                cost_usd=cost,
                cost_per_1k_usd=cost / len(mine) * 1000,
                savings_vs_best_single=None,
                savings_vs_strongest=None,
                strong_share=shares.get(task.strategy.catalog.flagship, 0.0),
                shares=shares,
                p50_ms=float(np.percentile(latencies, 50)) if latencies.size else None,
                p95_ms=float(np.percentile(latencies, 95)) if latencies.size else None,
                note=f"{len(scored)} of {len(mine)} scored; judge cost ${sum(r.judge_cost_usd for r in mine):.6f}",
            )
        )
    return out
