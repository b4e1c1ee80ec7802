"""The seam for fault injection: a plan consulted once per request and once
per streamed chunk. The default plan never misbehaves.

`SpecFaultPlan` (spec_plan.py) is the plan driven by the fault syntax; tests
may subclass `FaultPlan` directly. The server honours every field of
`Action` in both protocols, streaming and not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from playground.core.catalog import ModelSpec
from playground.sim.errors import SimError, SimErrorKind

Api = Literal["openai", "anthropic"]
Endpoint = Literal["chat", "embeddings"]

# The stats label of an error action, by error kind (other kinds: the kind's own name).
_ERROR_FAULTS = {
    SimErrorKind.RATE_LIMITED: "rate_limit",
    SimErrorKind.API_ERROR: "server_error",
    SimErrorKind.OVERLOADED: "overloaded",
}


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a plan may base its decision on. An embeddings request has no
    catalog `model` (None), never streams and has no output tokens; its
    faults all happen before the body (a `cut` after the headers)."""

    api: Api
    model: ModelSpec | None
    model_name: str
    stream: bool
    input_tokens: int
    max_tokens: int
    # 0 for the first chat request since the fault plan was installed (at
    # start or by the last set_faults / PUT /_sim/faults), across models.
    request_index: int
    output_tokens: int = 0  # the length of the planned answer, so plans can fail "after N tokens"
    endpoint: Endpoint = "chat"


@dataclass(frozen=True, slots=True)
class Action:
    """Wait `delay_s` (real seconds, not scaled by the speed factor), then:

    - `error`: before the first byte a normal error response; mid-stream the
      protocol's in-stream error event.
    - `drop`: close the TCP connection abruptly. From `on_request` no response
      at all (the client sees a connection failure); from `on_chunk` the
      response stays incomplete (non-streaming: after the headers, before the
      body).
    - `stall`: send nothing more but keep the connection open until the
      client gives up (or a long safety cap, or the server stops).

    `fault` names the action in the server's stats; when None it is derived
    (error kind, "cut" for drop, "stall")."""

    delay_s: float = 0.0
    error: SimError | None = None
    drop: bool = False
    stall: bool = False
    fault: str | None = None

    @property
    def fault_name(self) -> str | None:
        if self.fault is not None:
            return self.fault
        if self.error is not None:
            return _ERROR_FAULTS.get(self.error.kind, str(self.error.kind))
        if self.drop:
            return "cut"
        if self.stall:
            return "stall"
        return None


PROCEED = Action()


class FaultPlan:
    """Never injects a fault. Subclass and override to misbehave.

    The server takes one plan per request (a plan swapped in mid-request
    does not affect requests under way), so plans should be immutable."""

    def is_down(self, model_name: str) -> bool:
        """True if the model is unreachable: its requests are dropped without
        a response, before authentication or validation, as a dead host would."""
        return False

    def on_request(self, info: RequestInfo) -> Action:
        return PROCEED

    def on_chunk(self, info: RequestInfo, index: int, tokens_sent: int) -> Action:
        """Called before streamed text chunk `index` (0-based) is sent, when
        `tokens_sent` output tokens have gone out; then once more before the
        closing events with `index` == the number of chunks. A non-streaming
        answer gets only that last call, before its body is sent."""
        return PROCEED
