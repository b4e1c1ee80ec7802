"""Differences a gateway has by design, each tied to the export note that
must say so. A difference is explained only when a rule covers it AND the
export's notes carry the line the rule names; everything else is a finding.

Observed with Portkey gateway 1.15.2 and LiteLLM proxy 1.108.7 (issue #12):
- A failure after the stream started (a cut connection, a mid-stream
  overloaded_error, a stall) is never retried nor fallen back by either
  gateway: Portkey returns HTTP 200 with the truncated answer on a cut (no
  error, no finish_reason), passes an OpenAI-style in-stream error through,
  and keeps a stalled stream open until the client gives up; LiteLLM sends an
  error event and ends the stream.
- Strategies that decide per prompt (capability, learned) are exported as
  the model they pick for a neutral prompt; LiteLLM's complexity_router
  scores prompts with its own rules; an ensemble's fan-out becomes a chain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from playground.gateways.compare import CaseResult, Field

MID_STREAM = frozenset({"overloaded_mid", "cut", "stall"})


@dataclass(frozen=True)
class Rule:
    key: str
    gateways: frozenset[str]
    strategies: frozenset[str] | None  # None: every strategy
    faults: frozenset[str] | None  # Fault.key; None: every fault
    fields: frozenset[Field]  # the differences it explains
    note: str  # a regex one line of the export's notes must match
    why: str

    def applies(self, case: CaseResult, gateway: str) -> bool:
        return (gateway in self.gateways and (self.strategies is None or case.strategy in self.strategies)
                and (self.faults is None or case.fault.key in self.faults))


BOTH = frozenset({"litellm", "portkey"})
RULES: tuple[Rule, ...] = (
    Rule("mid-stream", BOTH, None, MID_STREAM, frozenset({"attempts", "outcome"}), r"(?i)mid-stream",
         "the gateway neither retries nor falls back once the stream has started"),
    Rule("ensemble", BOTH, frozenset({"ensemble"}), None, frozenset({"chosen", "attempts"}), r"fans out",
         "an ensemble calls its members at once (its answer may come from another member); the export is a chain"),
    Rule("loadbalance-draw", BOTH, frozenset({"loadbalance", "abtest"}), None, frozenset({"chosen", "attempts"}),
         r"draws (a deployment of \S+ for every attempt|the weighted target at random)",
         "each side draws its own deployment (LiteLLM per attempt): which one serves, and fails over, differs"),
    Rule("router-call", BOTH, frozenset({"llmrouter"}), None, frozenset({"attempts"}),
         r"counts the router's call in the request's attempt budget",
         "the playground's router call spends one attempt of the budget; the gateway gets the label from the caller"),
    Rule("learned", BOTH, frozenset({"learned"}), None, frozenset({"chosen", "attempts"}),
         r"^learned: .*cannot be\s+expressed", "the kNN router picks per prompt; the export fixes one model"),
    Rule("capability", BOTH, frozenset({"capability"}), None, frozenset({"chosen", "attempts"}),
         r"^capability: .*cannot be expressed", "capability scoring picks per prompt; the export fixes one model"),
    Rule("complexity-router", frozenset({"litellm"}), frozenset({"complexity", "threshold"}), None,
         frozenset({"chosen", "attempts", "outcome"}), r"complexity_router scores prompts with its own rules",
         "LiteLLM's complexity_router scores the prompt itself"),
)


@dataclass
class Explanation:
    observed: set[Field]
    # The rules that apply, each with the note line that says so (None: missing).
    notes: list[tuple[Rule, str | None]] = field(default_factory=list)
    unexplained: set[Field] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        """Every difference is covered by a rule whose note the export carries."""
        needed = [line for rule, line in self.notes if rule.fields & self.observed]
        return not self.unexplained and all(line is not None for line in needed)


def explain(case: CaseResult, gateway: str, notes: Sequence[str]) -> Explanation:
    observed = case.differences(gateway)
    result = Explanation(observed)
    covered: set[Field] = set()
    for rule in RULES:
        if not rule.applies(case, gateway):
            continue
        line = next((n for n in notes if re.search(rule.note, n)), None)
        result.notes.append((rule, line))
        if line is not None:
            covered |= rule.fields
    result.unexplained = observed - covered
    return result
