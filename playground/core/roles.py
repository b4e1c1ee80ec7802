"""What a call is for within a request: the answer, an ensemble member, a
cascade tier, a judge, the LLM router, an embedding.

A typed value instead of strings such as "member gpt-5-mini" or "tier 2",
so every consumer (TUI, CLI, history, evaluation) reads the kind and index
directly and never parses a label back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CallKind(StrEnum):
    # The value is the label the JSON output has always used.
    ANSWER = ""  # the one call of a single-model plan (and its retries and fallbacks)
    MEMBER = "member"  # an ensemble member
    TIER = "tier"  # a cascade tier
    ESCALATION = "escalation"  # consensus failed: the model it escalates to
    ROUTED = "answer"  # the answer call an LLM router chose
    JUDGE = "judge"
    ROUTER = "router"
    EMBEDDING = "embedding"


# Calls whose text is never an answer to the user.
SIDE_KINDS = frozenset({CallKind.JUDGE, CallKind.ROUTER, CallKind.EMBEDDING})
# Calls that only exist inside a multi-call plan.
PLAN_KINDS = frozenset(CallKind) - {CallKind.ANSWER, CallKind.EMBEDDING}


@dataclass(frozen=True, slots=True)
class CallRole:
    kind: CallKind = CallKind.ANSWER
    # 1-based position of an ensemble member or a cascade tier in its plan.
    index: int | None = None

    def __post_init__(self) -> None:
        needs_index = self.kind in (CallKind.MEMBER, CallKind.TIER)
        if needs_index != (self.index is not None) or (self.index is not None and self.index < 1):
            raise ValueError(f"{self.kind.name} calls {'need a 1-based index' if needs_index else 'take no index'}")

    @property
    def label(self) -> str:
        """"" for a plain answer, "member 2", "tier 1", "judge"... (the JSON `role`)."""
        return f"{self.kind.value} {self.index}" if self.index is not None else self.kind.value

    @property
    def side(self) -> bool:
        """A judge, router or embedding call: its text is not an answer."""
        return self.kind in SIDE_KINDS

    @property
    def in_plan(self) -> bool:
        """A call of a multi-call plan (ensemble, cascade, LLM router)."""
        return self.kind in PLAN_KINDS

    def __str__(self) -> str:
        return self.label

    @classmethod
    def from_label(cls, label: str) -> CallRole:
        """The role a stored `label` was written from (history rows keep the label)."""
        kind, _, index = label.partition(" ")
        try:
            return cls(CallKind(kind), int(index) if index else None)
        except ValueError as exc:
            raise ValueError(f"not a call role label: {label!r}") from exc

    def __bool__(self) -> bool:
        # False for the plain answer, as the empty string this type replaces was.
        return self.kind is not CallKind.ANSWER


ANSWER = CallRole()
JUDGE = CallRole(CallKind.JUDGE)
ROUTER = CallRole(CallKind.ROUTER)
ROUTED = CallRole(CallKind.ROUTED)
ESCALATION = CallRole(CallKind.ESCALATION)
EMBEDDING = CallRole(CallKind.EMBEDDING)


def member(index: int) -> CallRole:
    return CallRole(CallKind.MEMBER, index)


def tier(index: int) -> CallRole:
    return CallRole(CallKind.TIER, index)
