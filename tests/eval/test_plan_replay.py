"""Cascades and ensembles replayed on recorded answers, as the engine runs them."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.decision import CascadePlan, EnsemblePlan, RouterPlan
from playground.eval.dataset import ReplayDataset
from playground.eval.plan_replay import NotReplayable, replay_plans

MODELS = ("gpt-5-nano", "gpt-5-mini", "claude-opus-4-5")


def dataset(responses: list[list[str]], latency: list[list[float]] | None = None) -> ReplayDataset:
    n = len(responses)
    scores = np.array([[0.0, 1.0, 1.0]] * n)
    costs = np.array([[0.001, 0.002, 0.01]] * n)
    return ReplayDataset(
        "plans",
        tuple(f"What is {i} + {i}?" for i in range(n)),
        tuple(map(str, range(n))),
        MODELS,
        scores,
        costs,
        np.zeros((n, 3), dtype=bool),
        np.array(responses, dtype=object),
        None if latency is None else np.array(latency),
    )


def test_cascade_accepts_the_first_tier_whose_recorded_answer_passes_and_pays_for_every_tier() -> None:
    data = dataset([["I'm not sure, maybe 4?", "4.", "4."], ["4.", "5.", "4."]])
    plan = CascadePlan(tiers=MODELS, checks=({"type": "no_hedging"}, {"type": "confidence", "min_mean_logprob": -1}))
    choice, quality, cost = replay_plans(data, [plan, plan], np.zeros(2, dtype=np.int64))
    assert choice.tolist() == [1, 0]  # row 0: the nano tier hedged, the mini tier passed
    assert cost.tolist() == pytest.approx([0.003, 0.001])
    assert quality.tolist() == [1.0, 0.0]


def test_vote_consensus_and_race() -> None:
    data = dataset([["5.", "4.", "4."], ["3.", "4.", "5."]], latency=[[100.0, 300.0, 900.0], [500.0, 200.0, 900.0]])
    vote = EnsemblePlan(mode="vote", members=MODELS)
    choice, _, cost = replay_plans(data, [vote, vote], np.zeros(2, dtype=np.int64))
    assert choice.tolist() == [1, 0]  # row 0: "4" wins 2-1 (first of them: mini); row 1: a three-way tie, first wins
    assert cost.tolist() == pytest.approx([0.013, 0.013])
    consensus = EnsemblePlan(mode="consensus", members=MODELS, escalate_to="claude-opus-4-5", agreement=0.6)
    choice, _, cost = replay_plans(data, [consensus, consensus], np.zeros(2, dtype=np.int64))
    assert choice.tolist() == [1, 2] and cost[1] == pytest.approx(0.023)  # row 1 escalates and pays for it
    race = EnsemblePlan(mode="race", members=MODELS)
    choice, _, cost = replay_plans(data, [race, race], np.zeros(2, dtype=np.int64))
    assert choice.tolist() == [0, 1]  # the fastest recorded answer
    assert cost[0] == pytest.approx(0.001 + 0.002 * 100 / 300 + 0.01 * 100 / 900)


def test_plans_that_need_a_model_call_are_not_replayable() -> None:
    data = dataset([["4.", "4.", "4."]])
    with pytest.raises(NotReplayable, match="judge call"):
        replay_plans(data, [EnsemblePlan(mode="best_of", members=MODELS, judge="gpt-5-mini")], np.zeros(1, dtype=int))
    with pytest.raises(NotReplayable, match="needs a model call"):
        replay_plans(
            data,
            [RouterPlan("gpt-5-nano", "{prompt}", (("easy", "gpt-5-nano"),), "gpt-5-mini")],
            np.zeros(1, dtype=int),
        )


def _row_by_row(
    data: ReplayDataset, plan: CascadePlan | EnsemblePlan | None, row: int, first: int
) -> tuple[int, float]:
    """The plan replayed for one row, written the plain way (the reference for the vectorised replay)."""
    from collections import Counter

    from playground.engine import checks

    assert data.responses is not None and data.latency_ms is not None
    if plan is None:
        return first, float(data.costs[row, first])
    cols = [MODELS.index(m) for m in (plan.tiers if isinstance(plan, CascadePlan) else plan.members)]
    if isinstance(plan, CascadePlan):
        spent = 0.0
        for i, c in enumerate(cols):
            spent += float(data.costs[row, c])
            text = str(data.responses[row, c])
            ok = all(checks.check_no_hedging(text).passed is not False if s["type"] == "no_hedging"
                     else checks.check_min_length(text, s["chars"]).passed is not False for s in plan.checks)
            if i == len(cols) - 1 or ok:
                return c, spent
    assert isinstance(plan, EnsemblePlan)
    if plan.mode == "race":
        times = [float(data.latency_ms[row, c]) for c in cols]
        w = int(np.argmin(times))
        return cols[w], sum(float(data.costs[row, c]) * (1.0 if i == w else min(1.0, times[w] / times[i]))
                            for i, c in enumerate(cols))
    keys = [checks.normalize_short_answer(str(data.responses[row, c])) for c in cols]
    votes = Counter(keys)
    top = votes.most_common(1)[0][1]
    spent = sum(float(data.costs[row, c]) for c in cols)
    if plan.mode == "consensus" and top / len(cols) < plan.agreement:
        return 2, spent + float(data.costs[row, 2])
    return cols[keys.index(next(k for k in keys if votes[k] == top))], spent


def test_vectorised_replay_equals_the_row_by_row_replay_on_mixed_plans() -> None:
    rng = np.random.default_rng(11)
    n = 400
    answers = np.array(
        ["4.", "5.", "Yes, it is.", "No.", "I'm not sure, maybe 4?", "four, because 2 + 2 = 4 in base ten"]
    )
    data = dataset(rng.choice(answers, (n, 3)).tolist(), latency=rng.uniform(50, 900, (n, 3)).tolist())
    data.costs[:] = rng.uniform(0.0005, 0.02, (n, 3))
    plans = [
        None,
        CascadePlan(tiers=MODELS, checks=({"type": "no_hedging"},)),
        CascadePlan(tiers=MODELS[1:], checks=({"type": "min_length", "chars": 12}, {"type": "no_hedging"})),
        CascadePlan(tiers=MODELS, checks=()),
        EnsemblePlan(mode="vote", members=MODELS),
        EnsemblePlan(mode="consensus", members=MODELS, escalate_to="claude-opus-4-5", agreement=0.6),
        EnsemblePlan(mode="race", members=MODELS[:2]),
    ]
    per_row = [plans[i] for i in rng.integers(0, len(plans), n).tolist()]
    first = rng.integers(0, 3, n)
    choice, quality, cost = replay_plans(data, per_row, first)
    expected = [_row_by_row(data, plan, row, int(first[row])) for row, plan in enumerate(per_row)]
    assert choice.tolist() == [c for c, _ in expected]
    assert cost.tolist() == pytest.approx([s for _, s in expected], rel=1e-12)
    assert quality.tolist() == data.scores[np.arange(n), choice].tolist()
