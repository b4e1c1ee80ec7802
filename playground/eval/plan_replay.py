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
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from playground.core.decision import CascadePlan, EnsemblePlan, Plan
from playground.core.errors import UserError
from playground.engine import checks
from playground.eval.dataset import ReplayDataset


class NotReplayable(UserError):
    """The strategy needs a model call (or data the dataset lacks) to decide."""


def replay_plans(
    dataset: ReplayDataset,
    plans: Sequence[Plan | None],
    first: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(answering model index, quality, cost) per row."""
    n = dataset.n
    choice = first.copy()
    quality = dataset.scores[np.arange(n), first].copy()
    cost = dataset.costs[np.arange(n), first].copy()
    for row, plan in enumerate(plans):
        if plan is None:
            continue
        if isinstance(plan, CascadePlan):
            choice[row], cost[row] = _cascade(dataset, row, plan)
        elif isinstance(plan, EnsemblePlan):
            choice[row], cost[row] = _ensemble(dataset, row, plan)
        else:
            raise NotReplayable(f"{type(plan).__name__} needs a model call to decide")
        quality[row] = dataset.scores[row, choice[row]]
    return choice, quality, cost


def _column(dataset: ReplayDataset, model: str) -> int:
    try:
        return dataset.index(model)
    except ValueError:
        raise NotReplayable(f"the plan calls {model}, which the dataset has no outcomes for") from None


_MEMO: dict[tuple[int, str, int], tuple[ReplayDataset, list[Any]]] = {}


def _per_row(dataset: ReplayDataset, what: str, col: int, compute: Callable[[int], Any]) -> list[Any]:
    """`compute(row)` for every row of one model column, kept per dataset: a
    sweep replays the same recorded answers many times."""
    key = (id(dataset), what, col)
    entry = _MEMO.get(key)
    if entry is None or entry[0] is not dataset:
        if len(_MEMO) > 256:
            _MEMO.clear()
        entry = _MEMO[key] = (dataset, [compute(row) for row in range(dataset.n)])
    return entry[1]


def _response(dataset: ReplayDataset, row: int, col: int) -> str:
    if dataset.responses is None:
        raise NotReplayable("replaying it needs recorded responses (a response column per model)")
    text = dataset.responses[row, col]
    return text if isinstance(text, str) else ""


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
        elif kind == "confidence":
            continue  # no logprobs recorded: skipped, as the engine skips it without them
        else:
            raise NotReplayable(f"the cascade's {kind!r} check needs a model call")
        if result.passed is False:
            return False
    return True


def _cascade(dataset: ReplayDataset, row: int, plan: CascadePlan) -> tuple[int, float]:
    spent = 0.0
    col = -1
    needs_text = bool(plan.checks)
    for position, model in enumerate(plan.tiers, start=1):
        col = _column(dataset, model)
        spent += float(dataset.costs[row, col])
        last = position == len(plan.tiers)
        if last or not needs_text:
            break
        verdicts = _per_row(
            dataset,
            json.dumps(plan.checks, sort_keys=True, default=str),
            col,
            lambda r, c=col: _passes(plan, _response(dataset, r, c), dataset.prompts[r]),
        )
        if verdicts[row]:
            break
    return col, spent


def _ensemble(dataset: ReplayDataset, row: int, plan: EnsemblePlan) -> tuple[int, float]:
    cols = [_column(dataset, m) for m in plan.members]
    if plan.mode == "race":
        if dataset.latency_ms is None:
            raise NotReplayable("replaying a race needs recorded latencies (a latency_ms column)")
        times = [float(dataset.latency_ms[row, c]) for c in cols]
        winner = int(np.argmin(times))
        spent = sum(
            float(dataset.costs[row, c]) * (1.0 if i == winner else min(1.0, times[winner] / max(times[i], 1e-9)))
            for i, c in enumerate(cols)
        )
        return cols[winner], spent
    if plan.mode not in ("vote", "consensus"):
        raise NotReplayable(
            f"ensemble mode {plan.mode!r} needs a judge call (vote, consensus and race replay: -p ensemble.mode=vote)"
        )
    spent = float(sum(dataset.costs[row, c] for c in cols))
    keys = [
        _per_row(dataset, "vote", c, lambda r, c=c: checks.normalize_short_answer(_response(dataset, r, c)))[row]
        for c in cols
    ]
    votes = Counter(keys)
    top = votes.most_common(1)[0][1]
    winner_key = next(k for k in keys if votes[k] == top)  # ties: the first answer wins, as in the engine
    winner = cols[keys.index(winner_key)]
    if plan.mode == "consensus" and top / len(cols) < plan.agreement and plan.escalate_to:
        escalate = _column(dataset, plan.escalate_to)
        return escalate, spent + float(dataset.costs[row, escalate])
    return winner, spent
