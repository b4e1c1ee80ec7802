"""The fault matrix, injected per request and recorded per request.

Several comparisons run at once against one simulator, so a fault cannot be
global: each case is tagged by the `max_tokens` its requests carry (every
client and gateway passes it through unchanged), and `MatrixFaultPlan` (the
simulator's `FaultPlan` seam) looks the tag up on every request. It also
writes the request log the simulator's counters lack: per case, every chat
request in arrival order with the model and the fault it got.

Faults are certain (probability 1 on their target), so the comparison does not
depend on draws: what differs is what the router did about them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from playground.core.catalog import Catalog
from playground.sim.errors import overloaded, rate_limited, server_error
from playground.sim.faults import PROCEED, Action, FaultPlan, RequestInfo

# Mid-stream faults strike once this many answer tokens went out.
AFTER_TOKENS = 4
RETRY_AFTER_MS = 300


@dataclass(frozen=True)
class Fault:
    key: str
    label: str  # the table's column name
    what: str
    mid_stream: bool = False
    whole_chain: bool = False


NO_FAULT = Fault("none", "no fault", "nothing fails")
FAULTS: tuple[Fault, ...] = (
    NO_FAULT,
    Fault("server_error", "5xx", "the routed model answers HTTP 500"),
    Fault("rate_limit", "429", f"the routed model answers HTTP 429 (retry-after-ms {RETRY_AFTER_MS})"),
    Fault("overloaded", "529", "the routed model answers HTTP 529 overloaded"),
    Fault("overloaded_mid", "529 mid-stream", f"overloaded_error in the stream after {AFTER_TOKENS} tokens",
          mid_stream=True),
    Fault("down", "down", "the routed model's host drops every connection"),
    Fault("cut", "cut stream", f"the connection drops after {AFTER_TOKENS} tokens", mid_stream=True),
    Fault("stall", "stall", f"the stream stops after {AFTER_TOKENS} tokens, connection open", mid_stream=True),
    Fault("chain", "whole chain", "every model answers HTTP 500", whole_chain=True),
)
FAULTS_BY_KEY = {f.key: f for f in FAULTS}


@dataclass(frozen=True)
class Entry:
    """One request the simulator received for a case."""

    model: str  # catalog id
    fault: str | None  # Fault.key, None when it was served normally

    def label(self) -> str:
        return self.model if self.fault is None else f"{self.model}!{FAULTS_BY_KEY[self.fault].label}"


@dataclass
class _Case:
    fault: Fault
    target: str | None  # served (sim) name the fault hits; None: every model for a whole-chain fault
    log: list[Entry] = field(default_factory=list)

    def fault_for(self, served_name: str) -> Fault | None:
        if self.fault is NO_FAULT:
            return None
        if self.fault.whole_chain or served_name == self.target:
            return self.fault
        return None


class MatrixFaultPlan(FaultPlan):
    """Per-case faults keyed by the request's `max_tokens` tag; untagged
    requests (embeddings, other callers) pass untouched and unrecorded."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._lock = threading.Lock()
        self._cases: dict[int, _Case] = {}

    def arm(self, tag: int, fault: Fault, target_model: str | None) -> None:
        """Requests tagged `tag` get `fault` on `target_model` (a catalog id)."""
        target = self._catalog.get(target_model).sim_name if target_model else None
        with self._lock:
            self._cases[tag] = _Case(fault, target)

    def entries(self, tag: int) -> list[Entry]:
        with self._lock:
            case = self._cases.get(tag)
            return list(case.log) if case else []

    def _case(self, info: RequestInfo) -> _Case | None:
        if info.endpoint != "chat":
            return None
        with self._lock:
            return self._cases.get(info.max_tokens)

    def on_request(self, info: RequestInfo) -> Action:
        case = self._case(info)
        if case is None:
            return PROCEED
        fault = case.fault_for(info.model_name)
        model = self._catalog.by_sim_name(info.model_name)
        with self._lock:
            case.log.append(Entry(model.id if model else info.model_name, fault.key if fault else None))
        if fault is None or fault.mid_stream:
            return PROCEED
        if fault.key == "rate_limit":
            return Action(error=rate_limited(info.model_name, RETRY_AFTER_MS))
        if fault.key == "overloaded":
            return Action(error=overloaded())
        if fault.key == "down":
            return Action(drop=True, fault="down")
        return Action(error=server_error(500))

    def on_chunk(self, info: RequestInfo, index: int, tokens_sent: int) -> Action:
        case = self._case(info)
        fault = case.fault_for(info.model_name) if case else None
        if fault is None or not fault.mid_stream:
            return PROCEED
        if tokens_sent < min(AFTER_TOKENS, max(0, info.output_tokens - 1)):
            return PROCEED
        if fault.key == "cut":
            return Action(drop=True)
        if fault.key == "stall":
            return Action(stall=True)
        return Action(error=overloaded())
