"""Multi-call plans replayed on recorded answers, with no model call.

- cascade: each tier's recorded answer goes through the same checks the
  engine runs (`engine/checks.py`); the first that passes is delivered, every
  tier tried is paid for. Checks that need what a dataset does not record
  (token logprobs) are skipped, as the engine skips them when a provider sends
  none; a judge check needs a model call, so such a cascade is not replayable.
- ensemble vote / consensus: members' recorded answers are normalised and
  counted like the engine counts them; every member is paid for, and the
  escalation model too when consensus fails.
- ensemble race: the member with the lowest recorded latency wins; losers
  are paid for the share of their answer streamed before they were cancelled
  (their cost times winner latency / their latency).
- best_of (judge) and llmrouter (router call) need a model call: not replayable.
- pipeline: not replayable; `strategies.pipeline.NOT_REPLAYABLE` says why (its
  cost by steps is the preview's, `PipelineStrategy.preview_calls`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from playground.core.decision import CascadePlan, EnsemblePlan, PipelinePlan, Plan
from playground.core.errors import UserError
from playground.engine import checks
from playground.eval.dataset import ReplayDataset
from playground.strategies.pipeline import NOT_REPLAYABLE


class NotReplayable(UserError):
    """The strategy needs a model call (or data the dataset lacks) to decide."""


def replay_plans(
    dataset: ReplayDataset,
    plans: Sequence[Plan | None],
    first: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(answering model index, quality, cost) per row. Rows that share a plan
    (a strategy's decide_batch hands the same plan object to every row it
    routes alike) are replayed together, column by column."""
    n = dataset.n
    choice = first.copy()
    cost = dataset.costs[np.arange(n), first].copy()
    groups: dict[int, tuple[Plan, list[int]]] = {}
    for row, plan in enumerate(plans):
        if plan is not None:
            groups.setdefault(id(plan), (plan, []))[1].append(row)
    for plan, members in groups.values():
        rows = np.array(members, dtype=np.int64)
        if isinstance(plan, CascadePlan):
            choice[rows], cost[rows] = _cascade(dataset, rows, plan)
        elif isinstance(plan, EnsemblePlan):
            choice[rows], cost[rows] = _ensemble(dataset, rows, plan)
        elif isinstance(plan, PipelinePlan):
            raise NotReplayable(NOT_REPLAYABLE)
        else:
            raise NotReplayable(f"{type(plan).__name__} needs a model call to decide")
    return choice, dataset.scores[np.arange(n), choice], cost


def _column(dataset: ReplayDataset, model: str) -> int:
    try:
        return dataset.index(model)
    except ValueError:
        raise NotReplayable(f"the plan calls {model}, which the dataset has no outcomes for") from None


_MEMO: dict[tuple[int, str, int], tuple[ReplayDataset, np.ndarray]] = {}


def _per_row(dataset: ReplayDataset, what: str, col: int, compute: Callable[[str, str], Any],
             by_prompt: bool = False) -> np.ndarray:
    """`compute(response, prompt)` for every row of one model column, as an
    array, kept per dataset (a sweep replays the same recorded answers many
    times). Computed once per distinct response (and prompt, if `by_prompt`):
    recorded answers repeat ("Yes.", "4")."""
    key = (id(dataset), what, col)
    entry = _MEMO.get(key)
    if entry is None or entry[0] is not dataset:
        if len(_MEMO) > 256:
            _MEMO.clear()
        texts = [_response(dataset, r, col) for r in range(dataset.n)]
        keys = list(zip(texts, dataset.prompts, strict=True)) if by_prompt else texts
        seen: dict[Any, Any] = {}
        values = np.empty(dataset.n, dtype=object)
        for r, k in enumerate(keys):
            if k not in seen:
                seen[k] = compute(texts[r], dataset.prompts[r])
            values[r] = seen[k]
        entry = _MEMO[key] = (dataset, values)
    return entry[1]


def _response(dataset: ReplayDataset, row: int, col: int) -> str:
    if dataset.responses is None:
        raise NotReplayable("replaying it needs recorded responses (a response column per model)")
    text = dataset.responses[row, col]
    return text if isinstance(text, str) else ""


def _check_kinds(plan: CascadePlan) -> None:
    for spec in plan.checks:
        if spec["type"] not in ("min_length", "no_hedging", "code_block", "json", "confidence"):
            raise NotReplayable(f"the cascade's {spec['type']!r} check needs a model call")


def _passes(plan: CascadePlan, text: str, prompt: str) -> bool:
    for spec in plan.checks:
        kind = spec["type"]
        if kind == "min_length":
            result = checks.check_min_length(text, int(spec.get("chars", 80)))
        elif kind == "no_hedging":
            result = checks.check_no_hedging(text)
        elif kind == "code_block":
            result = checks.check_code_block(text, prompt)
        elif kind == "json":
            result = checks.check_json(text, spec.get("schema"))
        else:
            continue  # confidence: no logprobs recorded, skipped as the engine skips it without them
        if result.passed is False:
            return False
    return True


def _cascade(dataset: ReplayDataset, rows: np.ndarray, plan: CascadePlan) -> tuple[np.ndarray, np.ndarray]:
    """Each tier's cost is paid by the rows still waiting; a row stops at the
    first tier whose recorded answer passes the checks, or the last tier."""
    needs_text = bool(plan.checks)
    what = json.dumps(plan.checks, sort_keys=True, default=str)
    by_prompt = any(spec["type"] == "code_block" for spec in plan.checks)
    spent = np.zeros(len(rows))
    col = np.full(len(rows), -1, dtype=np.int64)
    waiting = np.ones(len(rows), dtype=bool)
    for position, model in enumerate(plan.tiers, start=1):
        c = _column(dataset, model)
        spent[waiting] += dataset.costs[rows[waiting], c]
        col[waiting] = c
        if position == len(plan.tiers) or not needs_text:
            break
        _check_kinds(plan)
        verdicts = _per_row(dataset, what, c, lambda text, prompt: _passes(plan, text, prompt), by_prompt)
        waiting &= ~verdicts[rows].astype(bool)
        if not waiting.any():
            break
    return col, spent


def _ensemble(dataset: ReplayDataset, rows: np.ndarray, plan: EnsemblePlan) -> tuple[np.ndarray, np.ndarray]:
    cols = np.array([_column(dataset, m) for m in plan.members], dtype=np.int64)
    costs = dataset.costs[rows[:, None], cols[None, :]]  # (R, M)
    if plan.mode == "race":
        if dataset.latency_ms is None:
            raise NotReplayable("replaying a race needs recorded latencies (a latency_ms column)")
        times = dataset.latency_ms[rows[:, None], cols[None, :]].astype(np.float64)
        winner = np.argmin(times, axis=1)
        fastest = times[np.arange(len(rows)), winner]
        spent = np.zeros(len(rows))
        for i in range(len(cols)):  # member by member, as the engine adds them up
            share = np.where(winner == i, 1.0, np.fmin(1.0, fastest / np.maximum(times[:, i], 1e-9)))  # NaN: 1
            spent += costs[:, i] * share
        return cols[winner], spent
    if plan.mode not in ("vote", "consensus"):
        raise NotReplayable(
            f"ensemble mode {plan.mode!r} needs a judge call (vote, consensus and race replay: -p ensemble.mode=vote)"
        )
    spent = np.zeros(len(rows))
    for i in range(len(cols)):
        spent += costs[:, i]
    answers = np.column_stack(
        [_per_row(dataset, "vote", int(c), lambda text, _: checks.normalize_short_answer(text))[rows] for c in cols]
    )
    _, codes = np.unique(answers.astype(str).ravel(), return_inverse=True)
    codes = codes.reshape(answers.shape)
    votes = (codes[:, :, None] == codes[:, None, :]).sum(axis=2)  # (R, M): members agreeing with each member
    top = votes.max(axis=1)
    winner = cols[np.argmax(votes == top[:, None], axis=1)]  # ties: the first answer wins, as in the engine
    if plan.mode == "consensus" and plan.escalate_to:
        escalate = _column(dataset, plan.escalate_to)
        weak = top / len(cols) < plan.agreement
        winner = np.where(weak, escalate, winner)
        spent = np.where(weak, spent + dataset.costs[rows, escalate], spent)
    return winner, spent
