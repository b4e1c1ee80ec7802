"""What `Router.complete` returns or raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import RequestResult
from playground.core.messages import ToolCall


class RoutingError(Exception):
    """The request got no answer: every model of the plan failed, was skipped
    (open circuit, window too small) or the attempt budget ran out. `result`
    holds every attempt with its cost: failed attempts are paid for too."""

    def __init__(self, result: RequestResult) -> None:
        self.result = result
        self.error: ProviderError = result.error or ProviderError(ErrorKind.NO_MODEL, "no answer")
        self.kind: ErrorKind = self.error.kind
        tried = list(dict.fromkeys(a.model for a in result.attempts if a.role != "embedding"))
        tried_text = f"tried {', '.join(tried)}" if tried else "no model was tried"
        super().__init__(
            f"{result.strategy}: no answer after {len(result.attempts)} attempt(s) ({tried_text}; "
            f"${result.cost_usd:.6f} spent): {self.kind}: {self.error.message}")


class RouterClosed(RuntimeError):
    """The router was closed; create a new one."""


@dataclass(frozen=True)
class Completion:
    """One answered request. Costs and tokens are the request's totals: every
    attempt (retries, fallbacks, judges, routers, embeddings) is included."""

    text: str
    model: str
    provider: str | None
    strategy: str
    reason: str
    cost_usd: float
    input_tokens: int
    output_tokens: int
    latency_ms: float
    ttft_ms: float | None
    attempts: int
    retries: int
    fallbacks: int
    simulated: bool
    usage_estimated: bool
    cached: bool = False
    # The tool calls the answer made (name and JSON arguments), if any.
    tool_calls: tuple[ToolCall, ...] = ()
    # Everything the engine recorded, per attempt.
    result: RequestResult | None = field(default=None, repr=False, compare=False)

    @cached_property
    def trace(self) -> dict[str, Any]:
        """The decision's trace (why this model; candidates; details) as plain
        data. Built when first read, not with every answer: it is the
        costliest part of a `Completion` and most callers never look."""
        decision = self.result.decision if self.result is not None else None
        return decision.trace() if decision else {}

    @classmethod
    def from_result(cls, result: RequestResult) -> Completion:
        """The completion of a successful result; `RoutingError` when it failed."""
        if result.error is not None or result.model is None:
            raise RoutingError(result)
        decision = result.decision
        return cls(
            text=result.text, model=result.model, provider=result.provider, strategy=result.strategy,
            reason=decision.reason if decision else "", cost_usd=result.cost_usd, input_tokens=result.input_tokens,
            output_tokens=result.output_tokens, latency_ms=result.latency_ms, ttft_ms=result.ttft_ms,
            attempts=len(result.attempts), retries=result.retries, fallbacks=result.fallbacks,
            simulated=result.simulated, usage_estimated=result.usage_estimated,
            cached=result.cached_text is not None, tool_calls=result.tool_calls, result=result,
        )
