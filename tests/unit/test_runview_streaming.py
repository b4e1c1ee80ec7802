"""The run state's streaming helpers: text handed to an observer in merged
pieces (order kept), and live token counts taken when asked, not per delta."""

from __future__ import annotations

from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.events import AttemptStarted, Event, FirstToken, TextDelta, UsageReported
from playground.core.tokens import TokenCount, TokenCounter
from playground.runview.run_state import RunState
from playground.runview.text_batch import BatchedObserver


def test_consecutive_deltas_of_one_attempt_arrive_as_one_and_before_the_next_event() -> None:
    seen: list[Event] = []
    observer = BatchedObserver(seen.append)
    for text in ("Hel", "lo", ", "):
        observer(TextDelta(1, text))
    assert seen == []  # held until a flush or another event
    observer(TextDelta(2, "other call"))  # another attempt: the first one's text goes first
    usage = UsageReported(2, 10, 3, "provider")
    observer(usage)
    observer(TextDelta(1, "world"))
    observer.flush()
    observer.flush()  # nothing left: passes nothing
    assert seen == [TextDelta(1, "Hello, "), TextDelta(2, "other call"), usage, TextDelta(1, "world")]


class CountingCounter(TokenCounter):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def count_text(self, text: str) -> TokenCount:
        self.calls += 1
        return super().count_text(text)


def test_live_output_tokens_are_counted_when_read_not_per_delta() -> None:
    counter = CountingCounter()
    catalog = default_catalog()
    model = next(iter(catalog.models))
    run = RunState("fixed", catalog, counter, input_estimate=12)
    run.apply(AttemptStarted(1, model, "openai", simulated=True, role=roles.ANSWER))
    run.apply(FirstToken(1, 120.0))
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog."]
    for word in words:
        run.apply(TextDelta(1, word))
    assert counter.calls == 0
    expected = counter.count_text("".join(words)).tokens
    assert run.output_tokens == expected and counter.calls == 2
    assert run.output_tokens == expected and counter.calls == 2  # nothing new: no count
    run.apply(TextDelta(1, " Again."))
    assert run.output_tokens == expected + counter.count_text(" Again.").tokens
