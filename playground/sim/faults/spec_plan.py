"""The fault plan behind the fault syntax: per request, at most one failure
drawn with the spec's probabilities, reproducibly from (seed, request index).

Each request gets its own `random.Random` seeded from (seed, request index),
never a shared generator, so concurrency cannot change which fault a given
request index gets, and `on_chunk` can recompute the request's decision
instead of keeping per-request state. Recomputing it per streamed chunk
(hashing and seeding a generator) was a fifth of the simulator's CPU at
high rates, so recent decisions are memoised: being pure, a forgotten one
is simply recomputed.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Literal

from playground.core.errors import UserError
from playground.sim.errors import overloaded, rate_limited, server_error
from playground.sim.faults.plan import PROCEED, Action, FaultPlan, RequestInfo
from playground.sim.faults.spec import PROBABILITY_KINDS, FaultSettings, FaultSpec

Failure = Literal["rate_limit", "server_error", "overloaded", "cut", "stall"]

RETRY_AFTER_MS = (200, 1200)  # a short, realistic wait; retry-after is its ceiling in seconds
SERVER_ERROR_STATUSES = (500, 503)
MID_STREAM_SHARE = 0.6  # cut / stall after 1..60% of the answer's tokens
OVERLOADED_MID_STREAM_TOKENS = 8  # a mid-stream overload comes "after a few tokens"
# Share of overloads on Anthropic streaming requests that arrive mid-stream,
# as the real API often sends them.
OVERLOADED_MID_STREAM = 0.5
_TOLERANCE = 1e-9
# Decisions kept for `on_chunk`: far more than the streams in flight at once.
_DECISIONS_KEPT = 1024


def stable_seed(*parts: int | str) -> int:
    """A 64-bit seed from `parts`, the same in every process (unlike hash())."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True, slots=True)
class Decision:
    """What one request gets. Mid-stream failures happen once `after_tokens`
    output tokens have been sent (non-streaming: before the body)."""

    failure: Failure | None
    latency_s: float
    mid_stream: bool = False
    after_tokens: int = 0
    retry_after_ms: int = 0
    status: int = 0


def check_total(settings: FaultSettings, where: str) -> None:
    """At most one failure is drawn per request, so the failure probabilities
    are shares of one draw and cannot add up to more than 1."""
    total = sum(getattr(settings, kind) for kind in PROBABILITY_KINDS)
    if total > 1 + _TOLERANCE:
        set_kinds = [kind for kind in PROBABILITY_KINDS if getattr(settings, kind)]
        terms = " + ".join(f"{kind} {getattr(settings, kind):g}" for kind in set_kinds)
        raise UserError(
            f"fault probabilities {where} add up to {total:g} ({terms}); at most one failure is drawn per "
            f"request, so {'+'.join(PROBABILITY_KINDS)} must be at most 1"
        )


def check_spec(spec: FaultSpec) -> None:
    check_total(spec.everywhere, "for every model")
    for model in spec.models():
        check_total(spec.for_model(model), f"for {model}")


class SpecFaultPlan(FaultPlan):
    """Injects the faults of a `FaultSpec`, reproducibly for a given seed.

    `overloaded_mid_stream` is the share of overloads on Anthropic streaming
    requests delivered as an in-stream `overloaded_error` (tests set it to 0
    or 1 to force one variant)."""

    def __init__(self, spec: FaultSpec, seed: int = 0, *, overloaded_mid_stream: float = OVERLOADED_MID_STREAM) -> None:
        check_spec(spec)
        self.spec = spec
        self.seed = seed
        self.overloaded_mid_stream = overloaded_mid_stream
        self._decisions: dict[tuple[int, str, str, bool, int], Decision] = {}

    def decide(self, info: RequestInfo) -> Decision:
        """`_decide`, memoised on what it depends on."""
        key = (info.request_index, info.model_name, info.api, info.stream, info.output_tokens)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decide(info)
            if len(self._decisions) >= _DECISIONS_KEPT:
                self._decisions.clear()
            self._decisions[key] = decision
        return decision

    def _decide(self, info: RequestInfo) -> Decision:
        """The request's fate; a pure function of (seed, request index, the
        model's settings, api/stream and answer length). The draws happen in a
        fixed order whatever the outcome, so one setting does not shift the
        random stream of another."""
        settings = self.spec.for_model(info.model_name)
        rng = random.Random(stable_seed(self.seed, info.request_index))
        roll, retry_roll, status_roll, mid_roll, tokens_roll = (rng.random() for _ in range(5))
        latency_s = settings.latency_ms / 1000
        failure = _pick(settings, roll)
        if failure is None:
            return Decision(None, latency_s)
        if failure == "rate_limit":
            low, high = RETRY_AFTER_MS
            return Decision(failure, latency_s, retry_after_ms=low + int(retry_roll * (high - low + 1)))
        if failure == "server_error":
            return Decision(failure, latency_s, status=SERVER_ERROR_STATUSES[int(status_roll * 2)])
        answer_share = max(1, int(info.output_tokens * MID_STREAM_SHARE))
        if failure == "overloaded":
            mid = info.api == "anthropic" and info.stream and mid_roll < self.overloaded_mid_stream
            if not mid:
                return Decision(failure, latency_s)
            few = min(answer_share, OVERLOADED_MID_STREAM_TOKENS)
            return Decision(failure, latency_s, mid_stream=True, after_tokens=_tokens(few, tokens_roll, info))
        return Decision(failure, latency_s, mid_stream=True, after_tokens=_tokens(answer_share, tokens_roll, info))

    def is_down(self, model_name: str) -> bool:
        return self.spec.for_model(model_name).down

    def on_request(self, info: RequestInfo) -> Action:
        decision = self.decide(info)
        if decision.failure is None or decision.mid_stream:
            return Action(delay_s=decision.latency_s) if decision.latency_s else PROCEED
        if decision.failure == "rate_limit":
            error = rate_limited(info.model_name, decision.retry_after_ms)
        elif decision.failure == "server_error":
            error = server_error(decision.status)
        else:
            error = overloaded()
        return Action(delay_s=decision.latency_s, error=error)

    def on_chunk(self, info: RequestInfo, index: int, tokens_sent: int) -> Action:
        decision = self.decide(info)
        if not decision.mid_stream or tokens_sent < decision.after_tokens:
            return PROCEED
        if decision.failure == "cut":
            return Action(drop=True)
        if decision.failure == "stall":
            return Action(stall=True)
        return Action(error=overloaded())


def _pick(settings: FaultSettings, roll: float) -> Failure | None:
    """The failure whose slice of [0, 1) the roll falls in, if any."""
    edge = 0.0
    for kind in PROBABILITY_KINDS:
        edge += getattr(settings, kind)
        if roll < edge:
            return kind  # type: ignore[return-value]
    return None


def _tokens(most: int, roll: float, info: RequestInfo) -> int:
    """1..`most` tokens; 0 for an answer of at most one token, so the fault
    still happens (before its only chunk)."""
    if info.output_tokens <= 1:
        return 0
    return 1 + int(roll * most)
