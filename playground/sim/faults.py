"""The seam for fault injection: a plan consulted once per request and once
per streamed chunk. The default plan never misbehaves.

Later plans (429 with Retry-After, 500/503/529, stalls, added latency,
mid-stream errors, per-model outages) subclass `FaultPlan` and return actions;
the server already honours every field of the actions below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from playground.core.catalog import ModelSpec
from playground.sim.errors import SimError

Api = Literal["openai", "anthropic"]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a plan may base its decision on."""

    api: Api
    model: ModelSpec
    model_name: str
    stream: bool
    input_tokens: int
    max_tokens: int
    request_index: int  # 0 for the server's first chat request, counted across models


@dataclass(frozen=True, slots=True)
class Action:
    """Wait `delay_s` (real seconds, not scaled by the speed factor), then fail
    with `error` if set. Before the first byte an error is a normal error
    response; mid-stream it is the protocol's in-stream error event."""

    delay_s: float = 0.0
    error: SimError | None = None


PROCEED = Action()


class FaultPlan:
    """Never injects a fault. Subclass and override to misbehave."""

    def on_request(self, info: RequestInfo) -> Action:
        return PROCEED

    def on_chunk(self, info: RequestInfo, index: int, tokens_sent: int) -> Action:
        """Called before streamed text chunk `index` (0-based) is sent, when
        `tokens_sent` output tokens have gone out."""
        return PROCEED
