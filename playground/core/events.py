"""The one stream of typed events the engine emits.

The TUI, the CLI's `--json`, history and evaluation all consume this stream,
so every figure shown anywhere is derived from these events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from playground.core.decision import Decision
from playground.core.errors import ProviderError
from playground.core.messages import ToolCall
from playground.core.roles import ANSWER, CallRole

UsageSource = Literal["provider", "estimate"]
Outcome = Literal["ok", "failed", "cancelled"]


class BreakerState(StrEnum):
    """A circuit breaker's state (Resilience4j's names)."""

    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True, slots=True)
class Decided:
    strategy: str
    decision: Decision
    decide_ms: float


@dataclass(frozen=True, slots=True)
class AttemptStarted:
    attempt: int
    model: str
    provider: str
    simulated: bool
    # What the call is for: the answer, an ensemble member, a cascade tier,
    # a judge, the router, an embedding (see `playground.core.roles`).
    role: CallRole = ANSWER


@dataclass(frozen=True, slots=True)
class FirstToken:
    attempt: int
    ttft_ms: float


@dataclass(frozen=True, slots=True)
class TextDelta:
    attempt: int
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call as it streams: call `index` of the attempt
    starts with its `call_id` and `name`; its JSON `arguments` arrive in
    pieces, folded (concatenated) like text."""

    attempt: int
    index: int
    call_id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class UsageReported:
    attempt: int
    input_tokens: int
    output_tokens: int
    source: UsageSource


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """Everything known about one attempt once it ended, success or not."""

    attempt: int
    model: str
    provider: str
    outcome: Outcome
    input_tokens: int
    output_tokens: int
    usage_source: UsageSource
    cost_usd: float
    ttft_ms: float | None
    latency_ms: float
    text: str
    error: ProviderError | None = None
    role: CallRole = ANSWER
    # Mean token logprob when the provider returned logprobs (cascade confidence).
    mean_logprob: float | None = None
    # The tool calls the model made, in order, arguments reassembled.
    tool_calls: tuple[ToolCall, ...] = ()

    @property
    def tokens_per_s(self) -> float | None:
        if self.ttft_ms is None or self.output_tokens <= 1:
            return None
        streaming_s = (self.latency_ms - self.ttft_ms) / 1000
        return self.output_tokens / streaming_s if streaming_s > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "model": self.model,
            "provider": self.provider,
            "outcome": self.outcome,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "usage_source": self.usage_source,
            "cost_usd": self.cost_usd,
            "ttft_ms": self.ttft_ms,
            "latency_ms": self.latency_ms,
            "error": self.error.to_dict() if self.error else None,
            "role": self.role.label,
            "mean_logprob": self.mean_logprob,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
        }


@dataclass(frozen=True, slots=True)
class AttemptFinished:
    record: AttemptRecord


@dataclass(frozen=True, slots=True)
class AttemptFailed:
    record: AttemptRecord


@dataclass(frozen=True, slots=True)
class Verdict:
    """A judgement inside a multi-call plan: a vote count, a judge's pick, a
    cascade tier's checks, the router model's label."""

    stage: str
    summary: str
    passed: bool | None = None
    model: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "summary": self.summary, "passed": self.passed, "model": self.model,
                "details": self.details}


@dataclass(frozen=True, slots=True)
class CacheOutcome:
    """What the semantic cache said about a request: a hit (and on what), or
    a miss with the closest similarity seen."""

    hit: bool
    kind: Literal["exact", "semantic"] | None = None
    similarity: float | None = None
    cached_prompt: str | None = None
    model: str | None = None
    best_similarity: float | None = None
    threshold: float | None = None
    entries: int | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.hit:
            return {"hit": True, "kind": self.kind, "similarity": self.similarity, "cached_prompt": self.cached_prompt,
                    "model": self.model}
        return {"hit": False, "best_similarity": self.best_similarity, "threshold": self.threshold,
                "entries": self.entries}


@dataclass(frozen=True, slots=True)
class RequestResult:
    """The request's totals: every attempt's tokens and cost are added."""

    strategy: str
    decision: Decision | None
    attempts: tuple[AttemptRecord, ...]
    latency_ms: float
    simulated: bool
    error: ProviderError | None = None
    # Retries on the same model and moves down a fallback chain, over the whole request.
    retries: int = 0
    fallbacks: int = 0
    # How a multi-call plan combined its calls, in order (and the cache's verdict).
    verdicts: tuple[Verdict, ...] = ()
    # None when the cache was not consulted.
    cache: CacheOutcome | None = None
    # The attempt whose answer is delivered; None means the last attempt.
    answer_attempt: int | None = None
    # Set when the semantic cache served the answer: no model was called.
    cached_text: str | None = None
    cached_model: str | None = None

    @property
    def final(self) -> AttemptRecord | None:
        if self.answer_attempt is not None:
            for record in self.attempts:
                if record.attempt == self.answer_attempt:
                    return record
        return self.attempts[-1] if self.attempts else None

    @property
    def model(self) -> str | None:
        if self.cached_model is not None:
            return self.cached_model
        final = self.final
        return final.model if final else (self.decision.model if self.decision else None)

    @property
    def provider(self) -> str | None:
        return self.final.provider if self.final else None

    @property
    def text(self) -> str:
        if self.cached_text is not None:
            return self.cached_text
        final = self.final
        return final.text if final and final.outcome == "ok" else ""

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The delivered answer's tool calls."""
        final = self.final
        return final.tool_calls if final and final.outcome == "ok" and self.cached_text is None else ()

    @property
    def input_tokens(self) -> int:
        return sum(a.input_tokens for a in self.attempts)

    @property
    def output_tokens(self) -> int:
        return sum(a.output_tokens for a in self.attempts)

    @property
    def cost_usd(self) -> float:
        return sum(a.cost_usd for a in self.attempts)

    @property
    def usage_estimated(self) -> bool:
        return any(a.usage_source == "estimate" for a in self.attempts)

    @property
    def wasted_cost_usd(self) -> float:
        """Spent on attempts whose answer was not the one delivered."""
        final = self.final
        return sum(a.cost_usd for a in self.attempts if not (a is final and a.outcome == "ok"))

    @property
    def ttft_ms(self) -> float | None:
        final = self.final
        return final.ttft_ms if final else None

    @property
    def tokens_per_s(self) -> float | None:
        final = self.final
        return final.tokens_per_s if final else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "model": self.model,
            "provider": self.provider,
            "reason": self.decision.reason if self.decision else None,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 8),
            "usage_estimated": self.usage_estimated,
            "ttft_ms": None if self.ttft_ms is None else round(self.ttft_ms, 1),
            "latency_ms": round(self.latency_ms, 1),
            "tokens_per_s": None if self.tokens_per_s is None else round(self.tokens_per_s, 1),
            "simulated": self.simulated,
            "text": self.text,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
            "error": self.error.to_dict() if self.error else None,
            "attempts": [a.to_dict() for a in self.attempts],
            "retries": self.retries,
            "fallbacks": self.fallbacks,
            "wasted_cost_usd": round(self.wasted_cost_usd, 8),
            "trace": self.decision.trace() if self.decision else None,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "cache": None if self.cache is None else self.cache.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    attempt: int  # the attempt that failed
    model: str
    delay_s: float
    reason: str
    retry_after_s: float | None


@dataclass(frozen=True, slots=True)
class FallbackStarted:
    from_model: str
    to_model: str
    reason: str


@dataclass(frozen=True, slots=True)
class ModelSkipped:
    """A model in the plan was not tried: open circuit, window too small, not configured."""

    model: str
    reason: str


@dataclass(frozen=True, slots=True)
class BreakerChanged:
    endpoint: str
    old: BreakerState
    new: BreakerState
    reason: str


@dataclass(frozen=True, slots=True)
class BreakerBypassed:
    """Every candidate of the request had an open circuit, so the panic rule
    let this call through one anyway (as Envoy's outlier detection never
    ejects the last hosts): the breaker keeps its state and countdown."""

    endpoint: str
    state: BreakerState
    reason: str


@dataclass(frozen=True, slots=True)
class RequestFinished:
    result: RequestResult


Event = (
    Decided
    | AttemptStarted
    | FirstToken
    | TextDelta
    | ToolCallDelta
    | UsageReported
    | AttemptFinished
    | AttemptFailed
    | RetryScheduled
    | FallbackStarted
    | ModelSkipped
    | BreakerChanged
    | BreakerBypassed
    | Verdict
    | RequestFinished
)
