"""The one place the closed `Event` union is taken apart.

`fold(visitor, event)` hands each event to the visitor's method for its
type, with `match` and `assert_never`: adding an event type is a type error
here until it is handled, and then in every visitor (a class implementing
`EventVisitor`) until it has the method. Run state, member panes and any
other consumer implement the visitor instead of their own `isinstance`
ladder.
"""

from __future__ import annotations

from typing import Protocol, TypeVar, assert_never

from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptStarted,
    BreakerBypassed,
    BreakerChanged,
    Decided,
    Event,
    FallbackStarted,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RetryScheduled,
    TextDelta,
    ToolCallDelta,
    UsageReported,
    Verdict,
)

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class EventVisitor(Protocol[T_co]):
    """One method per event type; each returns what the consumer makes of it."""

    def on_decided(self, event: Decided) -> T_co: ...

    def on_attempt_started(self, event: AttemptStarted) -> T_co: ...

    def on_first_token(self, event: FirstToken) -> T_co: ...

    def on_text(self, event: TextDelta) -> T_co: ...

    def on_tool_call(self, event: ToolCallDelta) -> T_co: ...

    def on_usage(self, event: UsageReported) -> T_co: ...

    def on_attempt_ended(self, event: AttemptFinished | AttemptFailed) -> T_co: ...

    def on_retry(self, event: RetryScheduled) -> T_co: ...

    def on_fallback(self, event: FallbackStarted) -> T_co: ...

    def on_skipped(self, event: ModelSkipped) -> T_co: ...

    def on_breaker_changed(self, event: BreakerChanged) -> T_co: ...

    def on_breaker_bypassed(self, event: BreakerBypassed) -> T_co: ...

    def on_verdict(self, event: Verdict) -> T_co: ...

    def on_finished(self, event: RequestFinished) -> T_co: ...


def fold(visitor: EventVisitor[T], event: Event) -> T:
    # Text deltas are most of a stream: matched first.
    match event:
        case TextDelta():
            return visitor.on_text(event)
        case Decided():
            return visitor.on_decided(event)
        case AttemptStarted():
            return visitor.on_attempt_started(event)
        case FirstToken():
            return visitor.on_first_token(event)
        case ToolCallDelta():
            return visitor.on_tool_call(event)
        case UsageReported():
            return visitor.on_usage(event)
        case AttemptFinished() | AttemptFailed():
            return visitor.on_attempt_ended(event)
        case RetryScheduled():
            return visitor.on_retry(event)
        case FallbackStarted():
            return visitor.on_fallback(event)
        case ModelSkipped():
            return visitor.on_skipped(event)
        case BreakerChanged():
            return visitor.on_breaker_changed(event)
        case BreakerBypassed():
            return visitor.on_breaker_bypassed(event)
        case Verdict():
            return visitor.on_verdict(event)
        case RequestFinished():
            return visitor.on_finished(event)
        case _:
            assert_never(event)
