"""Hand an observer text in frame-sized pieces instead of token by token.

The history recorder's observer puts every event on a queue for its writer
thread; with eight fast columns that was a queue put and a thread wake-up
per token (a fifth of the TUI's time). Consecutive deltas of one attempt are
merged here and passed on before any other event (so the order holds) and
whenever the owner flushes (the column's frame turn, the end of its run).
Merging loses nothing: the recorder appends an attempt's text either way.
"""

from __future__ import annotations

from collections.abc import Callable

from playground.core.events import Event, TextDelta


class BatchedObserver:
    """Calls `observe` with every event, consecutive text deltas merged."""

    def __init__(self, observe: Callable[[Event], None]) -> None:
        self._observe = observe
        self._attempt = 0
        self._parts: list[str] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            if self._parts and event.attempt != self._attempt:
                self.flush()
            self._attempt = event.attempt
            self._parts.append(event.text)
            return
        self.flush()
        self._observe(event)

    def flush(self) -> None:
        """Pass on the text held back, as one delta."""
        if self._parts:
            text = "".join(self._parts)
            self._parts.clear()
            self._observe(TextDelta(self._attempt, text))
