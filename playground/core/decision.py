"""What a strategy decided and why; the engine executes it, the UI shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EnsembleMode = Literal["vote", "best_of", "consensus", "race"]


def rounded(value: Any, digits: int = 6) -> Any:
    """Floats rounded for display and JSON; decisions keep full precision
    (rounding there would cost time on the hot path)."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class EnsemblePlan:
    """Fan out to several models at once and combine their answers."""

    mode: EnsembleMode
    members: tuple[str, ...]
    judge: str | None = None  # best_of
    escalate_to: str | None = None  # consensus
    agreement: float = 0.6  # consensus: share of members that must agree


@dataclass(frozen=True, slots=True)
class CascadePlan:
    """Try tiers cheapest first; accept the first answer whose checks pass."""

    tiers: tuple[str, ...]
    checks: tuple[dict[str, Any], ...]
    judge: str | None = None


@dataclass(frozen=True, slots=True)
class RouterPlan:
    """Ask a small model to classify the request, then route by its label."""

    router_model: str
    prompt_template: str
    routes: tuple[tuple[str, str], ...]  # (label, model)
    default_model: str


@dataclass(frozen=True, slots=True)
class PipelineStep:
    """One step of a pipeline: its prompt `template` reads the user's
    `{prompt}` and earlier steps' outputs (`{step_name}`); a fixed `model`
    or a routing `strategy` picks the model when the step runs. With `when`,
    the step runs only if that earlier step's output matches `matches` (a
    case-insensitive regular expression; `negate` flips it). A step with a
    `fallback_output` does not fail the pipeline: that text stands in."""

    name: str
    template: str
    model: str | None = None
    strategy: str | None = None
    when: str | None = None
    matches: str = ""
    negate: bool = False
    fallback_output: str | None = None
    max_tokens: int = 400
    params: Mapping[str, Any] = field(default_factory=dict)  # `strategy`'s parameters, already checked


@dataclass(frozen=True, slots=True)
class PipelinePlan:
    """Run the steps in order; the answer is `final_step`'s output (the last
    step that ran when it is None or was skipped)."""

    steps: tuple[PipelineStep, ...]
    final_step: str | None = None


Plan = EnsemblePlan | CascadePlan | RouterPlan | PipelinePlan


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model a strategy looked at, with the verdict on it."""

    model: str
    score: float | None = None
    accepted: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "score": rounded(self.score), "accepted": self.accepted, "note": self.note}


@dataclass(frozen=True, slots=True)
class Decision:
    model: str
    reason: str
    candidates: tuple[Candidate, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    # Models to try, in order, when the chosen one fails. Empty means the
    # engine's configured chain for the chosen model.
    fallbacks: tuple[str, ...] = ()
    # A multi-call plan the engine executes instead of a single model call.
    plan: Plan | None = None

    def trace(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "reason": self.reason,
            "candidates": [c.to_dict() for c in self.candidates],
            "details": rounded(dict(self.details)),
            "fallbacks": list(self.fallbacks),
            "plan": None if self.plan is None else {"kind": type(self.plan).__name__, **asdict(self.plan)},
        }
