"""`fold` is the one place the `Event` union is taken apart: every member of
the union reaches the visitor method for its type."""

from __future__ import annotations

import typing

from playground.core import roles
from playground.core.decision import Decision
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptStarted,
    BreakerBypassed,
    BreakerChanged,
    BreakerState,
    Decided,
    Event,
    FallbackStarted,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    TextDelta,
    ToolCallDelta,
    UsageReported,
    Verdict,
)
from playground.runview.fold import EventVisitor, fold
from tests.helpers.data import record


class Recorder:
    """Answers every event with the name of the method it reached."""

    def __getattr__(self, name: str) -> typing.Callable[[Event], str]:
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda event: name


ONE_OF_EACH: list[Event] = [
    Decided("fixed", Decision("gpt-5-mini", "always"), 0.1),
    AttemptStarted(1, "gpt-5-mini", "openai", True),
    FirstToken(1, 90.0),
    TextDelta(1, "hi"),
    ToolCallDelta(1, 0, "call_1", "get_weather", '{"city"'),
    UsageReported(1, 10, 2, "provider"),
    AttemptFinished(record(1, "gpt-5-mini", roles.ANSWER)),
    AttemptFailed(record(2, "gpt-5-mini", roles.ANSWER, "failed")),
    RetryScheduled(2, "gpt-5-mini", 0.5, "server_error", None),
    FallbackStarted("gpt-5-mini", "gpt-4o", "down"),
    ModelSkipped("gpt-4o", "circuit OPEN"),
    BreakerChanged("gpt-4o", BreakerState.CLOSED, BreakerState.OPEN, "failure rate"),
    BreakerBypassed("gpt-4o", BreakerState.OPEN, "panic"),
    Verdict("vote", "2 of 3"),
    RequestFinished(RequestResult("fixed", None, (), 1.0, True)),
]


def test_every_event_type_reaches_its_own_method() -> None:
    assert {type(e) for e in ONE_OF_EACH} == set(typing.get_args(Event)), "an event type is missing here"
    visitor = typing.cast(EventVisitor[str], Recorder())
    reached = [fold(visitor, event) for event in ONE_OF_EACH]
    assert reached == ["on_decided", "on_attempt_started", "on_first_token", "on_text", "on_tool_call", "on_usage",
                       "on_attempt_ended", "on_attempt_ended", "on_retry", "on_fallback", "on_skipped",
                       "on_breaker_changed", "on_breaker_bypassed", "on_verdict", "on_finished"]
