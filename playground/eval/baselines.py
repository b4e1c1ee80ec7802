"""The baselines shown beside every router, and how the reference models are chosen.

- strongest: the pair's strong model, else the dearest model of the dataset
  (what a team sends everything to "to be safe").
- best single model: the model with the highest quality on the dataset
  (the cheaper one on a tie): what you get by not routing at all.
- random: each request to a model drawn at random (uniformly; for a pair,
  the random router's whole curve is the straight line from always-weak to
  always-strong, so its APGR is 0.5 and its CPT(x%) is x%).
- oracle: each request to the cheapest model that got it right (the highest
  score, cheapest on a tie): the ceiling no router can pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from playground.core.errors import UserError
from playground.eval.dataset import ReplayDataset
from playground.eval.metrics import Curve, Pair, Reference, make_curve, ranking_curve
from playground.eval.replay import Outcome, outcome_from_choice


def choose_pair(dataset: ReplayDataset, names: Sequence[str] | None) -> Pair | None:
    """The named pair, or the only two models of a two-model dataset (the one
    with the higher quality is strong; the dearer one on a tie)."""
    if names:
        strong, weak = names
        missing = [m for m in (strong, weak) if m not in dataset.models]
        if missing:
            raise UserError(f"--pair: {', '.join(missing)} not in the dataset (models: {', '.join(dataset.models)})")
        if strong == weak:
            raise UserError("--pair: the strong and the weak model must differ")
        return Pair(dataset.index(strong), dataset.index(weak))
    if len(dataset.models) != 2:
        return None
    quality, cost = dataset.mean_quality, dataset.mean_cost
    strong = max((0, 1), key=lambda j: (quality[j], cost[j]))
    return Pair(strong, 1 - strong)


def reference_for(dataset: ReplayDataset, pair: Pair | None) -> Reference:
    quality, cost = dataset.mean_quality, dataset.mean_cost
    best = max(range(len(dataset.models)), key=lambda j: (quality[j], -cost[j]))
    strongest = pair.strong if pair else max(range(len(dataset.models)), key=lambda j: (cost[j], quality[j]))
    return Reference(strongest=strongest, best_single=best, pair=pair)


def single_model(dataset: ReplayDataset, column: int) -> Outcome:
    model = dataset.models[column]
    return outcome_from_choice(f"always {model}", {}, dataset, np.full(dataset.n, column), kind="baseline")


def oracle_choice(dataset: ReplayDataset) -> np.ndarray:
    """Per row, the cheapest of the models with the row's best score."""
    best = dataset.scores.max(axis=1, keepdims=True)
    costs = np.where(dataset.scores >= best - 1e-12, dataset.costs, np.inf)
    return np.argmin(costs, axis=1)


def oracle(dataset: ReplayDataset) -> Outcome:
    return outcome_from_choice("oracle", {}, dataset, oracle_choice(dataset), kind="baseline")


def pair_oracle(dataset: ReplayDataset, pair: Pair) -> Outcome:
    """The oracle restricted to the pair: the weak model wherever it does as well."""
    weak_ok = dataset.scores[:, pair.weak] >= dataset.scores[:, pair.strong]
    choice = np.where(weak_ok, pair.weak, pair.strong)
    return outcome_from_choice("oracle (pair)", {}, dataset, choice, kind="baseline")


def random_router(dataset: ReplayDataset, seed: int) -> Outcome:
    """Each row to a uniformly drawn model (seeded)."""
    choice = np.random.default_rng(seed).integers(0, len(dataset.models), dataset.n)
    return outcome_from_choice("random", {"seed": seed}, dataset, choice, kind="baseline")


def random_curve(dataset: ReplayDataset, pair: Pair) -> Curve:
    """The random router's expected curve: the straight line between the ends."""
    strong_q, weak_q = pair.qualities(dataset)
    return make_curve([], strong_q, weak_q)


def random_ranking_curve(dataset: ReplayDataset, pair: Pair, seed: int) -> Curve:
    """A random router measured the way routers are: a random score per prompt, every threshold."""
    return ranking_curve(np.random.default_rng(seed).random(dataset.n), dataset, pair)


def oracle_curve(dataset: ReplayDataset, pair: Pair) -> Curve:
    """The best any router can do at each strong share: the prompts where the
    strong model gains most go to it first."""
    gain = dataset.scores[:, pair.strong] - dataset.scores[:, pair.weak]
    return ranking_curve(gain, dataset, pair)
