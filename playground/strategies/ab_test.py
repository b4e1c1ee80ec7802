"""A/B test: weighted variants, sticky per user or session by hashing, with
per-variant tallies in the trace."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from typing import Literal

from pydantic import Field, field_validator

from playground.core.decision import Candidate, Decision
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import resolve_rows
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelWeights, ParamProblem, Params
from playground.strategies.route_plan import RoutePlan

STICKY_KEYS = ("user", "session", "none")


def bucket(key: str, salt: str) -> float:
    """A stable point in [0, 1) for a key: same user, same variant, across runs and machines."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class ABTestParams(Params):
    variants: ModelWeights = Field(
        {"gpt-5-1": 50.0, "claude-sonnet-4-5": 50.0},
        description="Models and their traffic weights, e.g. gpt-5-1=90,claude-sonnet-4-5=10.",
    )
    sticky: Literal["user", "session", "none"] = Field(
        "user", description="Request metadata that keeps a caller on one variant (none = random per request).")
    experiment: str = Field("exp-1", description="Experiment name; changing it reshuffles who gets which variant.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for requests without a sticky id.")

    @field_validator("variants")
    @classmethod
    def _some_traffic(cls, variants: dict[str, float]) -> dict[str, float]:
        if not variants or sum(variants.values()) <= 0:
            raise ParamProblem("needs at least one model with a positive weight")
        return variants


class ABTestStrategy(Strategy[ABTestParams]):
    name = "abtest"
    summary = "Weighted variants, sticky per user or session id (by hashing), with per-variant tallies."

    def setup(self) -> None:
        self._rng = random.Random(self.p.seed)
        self.tallies: Counter[str] = Counter()
        self._variants = {m: w for m, w in self.p.variants.items() if w > 0}
        self._total = sum(self._variants.values())

    def _variant(self, point: float) -> str:
        cumulative = 0.0
        for model_id, weight in self._variants.items():
            cumulative += weight / self._total
            if point < cumulative:
                return model_id
        return next(iter(self._variants))

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        variants, total = self._variants, self._total
        sticky = self.p.sticky
        key = route.request.metadata.get(sticky) if sticky != "none" else None
        point = bucket(key, self.p.experiment) if key else self._rng.random()
        chosen = self._variant(point)
        model, note = ctx.resolve(chosen, route)
        self.tallies[chosen] += 1
        how = (f"{sticky} {key!r} hashes to {point:.3f}" if key else f"no {sticky} id: random draw {point:.3f}"
               if sticky != "none" else f"random draw {point:.3f}")
        reason = f"variant {chosen} ({variants[chosen] / total:.0%} of traffic; {how})" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=tuple(
                Candidate(m, score=round(w / total, 4), accepted=m == chosen, note=f"{self.tallies[m]} so far")
                for m, w in variants.items()
            ),
            details={
                "bucket": round(point, 6),
                "sticky_key": key,
                "tallies": dict(self.tallies),
                "substitution": note or None,
            },
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        """Replayed prompts carry no user or session id: one random draw per
        row, in row order, placed on the same cumulative shares `decide` adds up."""
        points = np.array([self._rng.random() for _ in range(len(table))])
        variants = list(self._variants)
        chosen = np.zeros(len(table), dtype=np.int64)  # past the last share: the first variant, as `decide`
        open_rows = np.ones(len(table), dtype=bool)
        cumulative = 0.0
        for code, weight in enumerate(self._variants.values()):
            cumulative += weight / self._total
            hit = open_rows & (points < cumulative)
            chosen[hit] = code
            open_rows &= ~hit
        result = resolve_rows(table, ctx, variants, chosen)
        kept = np.ones(len(table), dtype=bool)
        kept[list(result.errors)] = False
        self.tallies.update({variants[code]: int(n) for code, n in enumerate(np.bincount(chosen[kept],
                                                                                        minlength=len(variants)))})
        return result

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        weights = dict(self._variants)
        members = list(weights)
        plan = RoutePlan(self.name, "loadbalance", "playground-abtest", members[0], members=members, weights=weights)
        if self.p.sticky != "none":
            plan.caveats.append(f"abtest: stickiness per {self.p.sticky} id (hash with experiment "
                                f"{self.p.experiment!r}) cannot be expressed: the gateway draws a variant per request")
        return plan
