"""RouteLLM-style binary routing: estimate the probability that the strong
model's answer beats the weak model's, and call the strong model when it
reaches one threshold. One threshold is what calibration tunes to hit a
target share of strong-model calls.

The win probability is defined to `DECIMALS` decimals: `decide` compares
exactly the number its trace shows, so a replay from a trace agrees with the
live decision. Where it comes from is one `WinRateModel`:

- with `model = "FILE"`, a win-rate model trained on recorded outcomes
  (`playground train --strategy threshold`, see `strategies/winrate.py`). Its
  probabilities sit near how often the strong model wins (often 10-20%), so
  0.5 would call the strong model almost never: the file stores a threshold
  calibrated when it was trained, used unless one is given, and its pair of
  models, used unless they are given;
- without one, the heuristic baseline: a fixed logistic of the complexity
  score (nothing learned; the trace says "heuristic").
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar, Protocol

from pydantic import Field

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import resolve_rows
from playground.strategies.complexity import complexity_score, complexity_scores, shown
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelId, Params
from playground.strategies.route_plan import RoutePlan
from playground.strategies.winrate import cached_model

# Logistic map from complexity to win probability: complexity 0.35 is a
# coin flip; 0.1 more complexity multiplies the odds by e^0.9 (about 2.5).
_MIDPOINT = 0.35
_SLOPE = 9.0
# Decimals of the win probability, in decisions and traces alike (traces
# round floats to 6 decimals: see core.decision.rounded).
DECIMALS = 6


class WinRateModel(Protocol):
    """P(strong model's answer beats the weak one's) per prompt."""

    features: ClassVar[tuple[str, ...]]  # what replay must compute for `batch`

    def probability(self, route: RouteInput) -> float: ...

    def batch(self, table: FeatureTable) -> np.ndarray: ...


def _logistic(score: float) -> float:
    return round(1.0 / (1.0 + math.exp(-_SLOPE * (score - _MIDPOINT))), DECIMALS)


class ComplexityLogistic:
    """The heuristic baseline: a fixed logistic of the complexity score."""

    features: ClassVar[tuple[str, ...]] = ("complexity_parts",)
    label = "heuristic (logistic of the complexity score)"

    def probability(self, route: RouteInput) -> float:
        return _logistic(complexity_score(route.prompt, route.input_tokens))

    def batch(self, table: FeatureTable) -> np.ndarray:
        """Kept with the table: a threshold sweep only compares."""
        return table.derived("threshold.complexity_logistic", lambda: _logistic_rows(complexity_scores(table)))


def _logistic_rows(scores: np.ndarray) -> np.ndarray:
    """`_logistic` of every score, the same numbers: numpy's exp may differ
    from math.exp in the last bit, which only shows where a value sits at a
    rounding boundary of DECIMALS, so those rows are redone with `_logistic`
    (rint(x * 10^d) / 10^d is the double nearest the rounded decimal, as
    Python's round gives, everywhere else)."""
    p = 1.0 / (1.0 + np.exp(-_SLOPE * (scores - _MIDPOINT)))
    scaled = p * 10.0**DECIMALS
    out = np.round(p, DECIMALS)
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-4).tolist():
        out[i] = _logistic(float(scores[i]))
    return out


def strong_win_probability(prompt: str, tokens: int) -> float:
    """The heuristic's win probability (to DECIMALS decimals)."""
    return _logistic(complexity_score(prompt, tokens))


class ThresholdParams(Params):
    threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Win probability at or above which the strong model is called "
        "(with a model file and no threshold given: the threshold calibrated in the file)."
    )
    strong_model: ModelId = Field(
        "@flagship", description="The strong (expensive) model (@flagship = the catalog's flagship; with a model "
        "file and none given: the file's strong model)."
    )
    weak_model: ModelId = Field(
        "gpt-5-mini", description="The weak (cheap) model (with a model file and none given: the file's weak model)."
    )
    model: str = Field(
        "", description="Trained win-rate model file (JSON, from `playground train --strategy threshold`); "
        "empty: the heuristic logistic of the complexity score."
    )


class ThresholdStrategy(Strategy[ThresholdParams]):
    name = "threshold"
    summary = "RouteLLM-style: P(strong model wins) from the prompt; strong model when it reaches the threshold."
    features = ComplexityLogistic.features

    def setup(self) -> None:
        if not self.p.model.strip():
            self.win_model: WinRateModel = ComplexityLogistic()
            self.win_label = ComplexityLogistic.label
            return
        path = str(Path(self.p.model).expanduser())
        trained = cached_model(path)
        self.win_model = trained
        self.win_label = f"trained model {path}"
        given = self.p.model_fields_set
        defaults: dict[str, object] = {}
        if "threshold" not in given and trained.threshold is not None:
            defaults["threshold"] = trained.threshold
        for key, wanted in (("strong_model", trained.strong_model), ("weak_model", trained.weak_model)):
            if key not in given:
                if wanted not in self.catalog.models:
                    raise UserError(f"{path}: the model was trained for {wanted}, which the catalog lacks; "
                                    f"set threshold.{key} (or add {wanted} to the configuration)")
                defaults[key] = wanted
        if defaults:
            self.p = self.p.model_copy(update=defaults)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        p = self.win_model.probability(route)
        threshold = self.p.threshold
        strong = p >= threshold
        wanted = self.p.strong_model if strong else self.p.weak_model
        model, note = ctx.resolve(wanted, route)
        side = "strong" if strong else "weak"
        relation = "≥" if strong else "<"
        source = "trained" if self.p.model.strip() else "heuristic"
        reason = (f"{source} P(strong wins) {shown(p, threshold)} {relation} threshold {threshold:g} → {side} "
                  f"{wanted}" + (f"; {note}" if note else ""))
        return Decision(
            model=model.id,
            reason=reason,
            candidates=(
                Candidate(self.p.strong_model, score=p, accepted=strong, note="strong"),
                Candidate(self.p.weak_model, score=round(1 - p, DECIMALS), accepted=not strong, note="weak"),
            ),
            details={"win_probability": p, "threshold": threshold, "routed_to": side, "substitution": note or None,
                     "win_model": self.win_label},
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        strong = self.win_model.batch(table) >= self.p.threshold
        return resolve_rows(table, ctx, [self.p.weak_model, self.p.strong_model], strong.astype(np.int8))

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        strong, weak = self.p.strong_model, self.p.weak_model
        return RoutePlan(
            self.name,
            "conditional",
            "playground-threshold",
            weak,
            label_key="complexity",
            branches=[("low", weak), ("high", strong)],
            tiers={"small": weak, "mid": weak, "large": strong},
            classifier=f"win-probability estimate and threshold ({self.p.threshold:g})",
        )
