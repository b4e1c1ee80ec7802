"""Reassembling streamed tool calls: both SDKs stream a call as a start (its
index, id and name) and then pieces of its JSON arguments. The engine folds
them into each attempt's record and the run view folds them for display."""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.core.messages import ToolCall


@dataclass(slots=True)
class _Building:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ToolCallFold:
    """The calls of one attempt, by stream index, as the pieces arrive."""

    _calls: dict[int, _Building] = field(default_factory=dict)

    def add(self, index: int, call_id: str = "", name: str = "", arguments: str = "") -> None:
        call = self._calls.setdefault(index, _Building())
        call.id = call.id or call_id
        call.name = call.name or name
        if arguments:
            call.arguments.append(arguments)

    def __bool__(self) -> bool:
        return bool(self._calls)

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(ToolCall(c.id, c.name, "".join(c.arguments)) for _, c in sorted(self._calls.items()))
