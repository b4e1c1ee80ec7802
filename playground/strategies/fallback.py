"""A primary model and an explicit ordered chain to fall back on."""

from __future__ import annotations

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy


class FallbackStrategy(Strategy):
    name = "fallback"
    summary = "A primary model, then an ordered chain when it fails (errors, timeouts, broken streams, open circuits)."
    params = (
        Param("primary", "model", "@flagship", "The model tried first (@flagship = the catalog's flagship)."),
        Param("chain", "models", ["gpt-5-4", "claude-sonnet-4-5", "gpt-4o"], "Models tried in order after the primary fails."),
    )

    def validate(self) -> None:
        if self.values["primary"] in self.values["chain"]:
            raise UserError(f"fallback.chain: contains the primary model {self.values['primary']!r}; list only the fallbacks")

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        primary = self.values["primary"]
        chain = tuple(self.values["chain"])
        candidates = []
        for position, model_id in enumerate((primary, *chain)):
            model = ctx.catalog.get(model_id)
            if not ctx.is_available(model_id):
                note = ctx.unavailable_reason
            elif model.context_window < route.needed_tokens:
                note = f"window {model.context_window:,} < {route.needed_tokens:,} needed: never used"
            else:
                note = "primary" if position == 0 else f"fallback #{position}"
            candidates.append(Candidate(model_id, accepted=note in ("primary",) or note.startswith("fallback"), note=note))
        usable = [c.model for c in candidates if c.accepted]
        first = usable[0]
        reason = f"primary {primary}" if first == primary else f"primary {primary} unusable ({candidates[0].note}); starting at {first}"
        reason += f"; then {' → '.join(usable[1:])}" if len(usable) > 1 else "; no usable fallback"
        return Decision(
            model=first,
            reason=reason,
            candidates=tuple(candidates),
            details={"primary": primary, "chain": list(chain)},
            fallbacks=tuple(usable[1:]),
        )
