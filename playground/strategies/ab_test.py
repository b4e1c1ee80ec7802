"""A/B test: weighted variants, sticky per user or session by hashing, with
per-variant tallies in the trace."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

STICKY_KEYS = ("user", "session", "none")


def bucket(key: str, salt: str) -> float:
    """A stable point in [0, 1) for a key: same user, same variant, across runs and machines."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class ABTestStrategy(Strategy):
    name = "abtest"
    summary = "Weighted variants, sticky per user or session id (by hashing), with per-variant tallies."
    params = (
        Param("variants", "weights", {"gpt-5-1": 50.0, "claude-sonnet-4-5": 50.0}, "Models and their traffic weights, e.g. gpt-5-1=90,claude-sonnet-4-5=10."),
        Param("sticky", "choice", "user", "Request metadata that keeps a caller on one variant (none = random per request).", choices=STICKY_KEYS),
        Param("experiment", "str", "exp-1", "Experiment name; changing it reshuffles who gets which variant."),
        Param("seed", "int", 0, "Seed for requests without a sticky id.", min=0, max=2**31 - 1),
    )

    def validate(self) -> None:
        variants = self.values["variants"]
        if not variants or sum(variants.values()) <= 0:
            raise UserError("abtest.variants: needs at least one model with a positive weight")
        self._rng = random.Random(self.values["seed"])
        self.tallies: Counter[str] = Counter()

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        variants = {m: w for m, w in self.values["variants"].items() if w > 0}
        total = sum(variants.values())
        sticky = self.values["sticky"]
        key = route.request.metadata.get(sticky) if sticky != "none" else None
        point = bucket(key, self.values["experiment"]) if key else self._rng.random()
        cumulative = 0.0
        chosen = next(iter(variants))
        for model_id, weight in variants.items():
            cumulative += weight / total
            if point < cumulative:
                chosen = model_id
                break
        model, note = ctx.resolve(chosen, route)
        self.tallies[chosen] += 1
        how = f"{sticky} {key!r} hashes to {point:.3f}" if key else f"no {sticky} id: random draw {point:.3f}" if sticky != "none" else f"random draw {point:.3f}"
        reason = f"variant {chosen} ({variants[chosen] / total:.0%} of traffic; {how})" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=tuple(Candidate(m, score=round(w / total, 4), accepted=m == chosen, note=f"{self.tallies[m]} so far")
                             for m, w in variants.items()),
            details={"bucket": round(point, 6), "sticky_key": key, "tallies": dict(self.tallies), "substitution": note or None},
        )
