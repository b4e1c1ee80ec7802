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
