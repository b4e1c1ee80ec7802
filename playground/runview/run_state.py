"""What one column knows about one run, folded from the engine's events.

Plain Python (no Textual) so the figures and the text a column shows can be
read and tested without rendering anything: the widget only formats this
state and writes the Markdown fragments `apply` returns.

A run may make several calls: retries and fallbacks one after the other,
ensemble members side by side, judge and router calls on the side. One
answer call at a time has the *focus*: its text streams into the column's
answer area. Calls running beside it are counted (tokens, cost) here; every
call of a multi-call plan also gets its own pane (`members`, folded by
`member_state`). When the focus moves to another call a separator says why.
If the delivered answer is not what was streamed (a judge picked another
member, the cache answered) `final_markdown` holds what the column must show
instead. Events arrive through `fold` (one method per event type).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

from playground.core import roles
from playground.core.catalog import Catalog
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    BreakerBypassed,
    BreakerChanged,
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
from playground.core.pricing import cost_usd, format_usd
from playground.core.roles import CallRole
from playground.core.tokens import TokenCounter
from playground.core.tool_calls import ToolCallFold
from playground.runview.fold import fold
from playground.runview.member_state import MemberBoard

RunStatus = Literal["waiting", "streaming", "done", "error", "cancelled"]


def _escape_md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)


def attempts_markdown(result: RequestResult) -> str:
    """Every attempt in order (retries, fallbacks, judges...) when there was
    more than one; a single call's outcome is already the column's state."""
    attempts = result.attempts
    if len(attempts) < 2:
        return ""
    rows = ["", "", "| # | call | model | outcome | time | cost |", "|---|---|---|---|---|---|"]
    for a in attempts:
        if a.outcome == "ok":
            outcome = "✓ ok"
        else:
            outcome = "■ cancelled" if a.outcome == "cancelled" else f"✗ {a.error.kind if a.error else 'failed'}"
        if a.outcome != "ok" and a.text:
            outcome += " (partial)"
        cost = ("~" if a.usage_source == "estimate" and a.cost_usd else "") + format_usd(a.cost_usd)
        rows.append(f"| {a.attempt} | {_escape_md(a.role.label or 'answer')} | {_escape_md(a.model)} | {outcome} | "
                    f"{a.latency_ms / 1000:.2f} s | {cost} |")
    return "\n".join(rows) + "\n"


def separator(note: str) -> str:
    """Markdown between the text of two calls."""
    return f"\n\n---\n\n*{_escape_md(note)}*\n\n"


@dataclass(eq=False)
class LiveCall:
    """A call under way: estimates until its record arrives."""

    model: str
    provider: str
    role: CallRole
    started: float
    counter: TokenCounter
    ttft_ms: float | None = None
    parts: list[str] = field(default_factory=list)
    usage: tuple[int, int] | None = None
    usage_source: str = "estimate"
    _counted_parts: int = 0
    _counted_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def output_tokens(self) -> int:
        """Our own count of the text so far, counted when asked (the figures
        a few times a second), not per delta: a tokenizer call per token was
        a tenth of the TUI's time with eight fast columns."""
        if self._counted_parts < len(self.parts):
            new = "".join(self.parts[self._counted_parts:])
            self._counted_tokens += self.counter.count_text(new).tokens
            self._counted_parts = len(self.parts)
        return self._counted_tokens

    def tokens(self, input_estimate: int) -> tuple[int, int]:
        if self.usage is not None:
            return self.usage
        if self.ttft_ms is None and not self.parts:
            return 0, 0  # nothing billed until the model starts answering
        return input_estimate, self.output_tokens

    @property
    def tokens_per_s(self) -> float | None:
        if self.ttft_ms is None or self.output_tokens <= 1:
            return None
        streaming_ms = (time.perf_counter() - self.started) * 1000 - self.ttft_ms
        return self.output_tokens / (streaming_ms / 1000) if streaming_ms > 0 else None


@dataclass(eq=False)
class RunState:
    """Live figures while a run streams, the engine's totals once it ended."""

    strategy: str
    catalog: Catalog
    counter: TokenCounter
    input_estimate: int
    started: float = field(default_factory=time.perf_counter)
    status: RunStatus = "waiting"
    model: str | None = None
    provider: str | None = None
    simulated: bool | None = None
    reason: str = ""
    decide_ms: float | None = None
    live: dict[int, LiveCall] = field(default_factory=dict)
    records: list[AttemptRecord] = field(default_factory=list)
    focus: int | None = None
    # Every attempt that had the focus, in order, and all Markdown written.
    shown: list[int] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    last_ttft_ms: float | None = None
    retries: int = 0
    fallbacks: int = 0
    last_note: str = ""
    _note_unshown: bool = False
    final_markdown: str | None = None
    result: RequestResult | None = None
    error: ProviderError | None = None
    ended: float | None = None
    # The column rendered the final state and announced it (once per run).
    announced: bool = False
    worker_started: bool = False
    # Set once the column's worker has flushed everything this run wrote,
    # so the next run never races the previous one's cleanup.
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # A multi-call plan's calls (ensemble members, cascade tiers, judge...).
    members: MemberBoard = field(init=False)
    # Tool calls as they stream, per attempt (name and arguments so far).
    tool_calls: dict[int, ToolCallFold] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.members = MemberBoard(self.catalog, self.counter, self.input_estimate)

    # -- folding events (through `fold`) ----------------------------------
    def apply(self, event: Event) -> str:
        """Fold one event in; returns the Markdown to append to the column."""
        self.members.apply(event)
        return fold(self, event)

    def on_text(self, event: TextDelta) -> str:
        return self._text(event)

    def on_decided(self, event: Decided) -> str:
        self.model = event.decision.model
        self.reason = event.decision.reason
        self.decide_ms = event.decide_ms
        return ""

    def on_attempt_started(self, event: AttemptStarted) -> str:
        self.live[event.attempt] = LiveCall(event.model, event.provider, event.role, time.perf_counter(),
                                            self.counter)
        self.simulated = event.simulated
        if not event.role.side and self.focus is None:
            self.model, self.provider = event.model, event.provider
        return ""

    def on_first_token(self, event: FirstToken) -> str:
        call = self.live.get(event.attempt)
        if call is not None:
            call.ttft_ms = event.ttft_ms
            if not call.role.side:
                self.status = "streaming"
                if self.focus in (None, event.attempt):
                    self.last_ttft_ms = event.ttft_ms
        return ""

    def on_tool_call(self, event: ToolCallDelta) -> str:
        self.tool_calls.setdefault(event.attempt, ToolCallFold()).add(
            event.index, event.call_id, event.name, event.arguments)
        call = self.live.get(event.attempt)
        if call is not None and not call.role.side:
            self.status = "streaming"
        return ""

    def on_usage(self, event: UsageReported) -> str:
        call = self.live.get(event.attempt)
        if call is not None:
            call.usage, call.usage_source = (event.input_tokens, event.output_tokens), event.source
        return ""

    def on_attempt_ended(self, event: AttemptFinished | AttemptFailed) -> str:
        self.records.append(event.record)
        self.live.pop(event.record.attempt, None)
        if self.focus == event.record.attempt:
            self.focus = None
        if self.status == "streaming" and not any(
                not c.role.side and c.ttft_ms is not None for c in self.live.values()):
            self.status = "waiting"
        return ""

    def on_retry(self, event: RetryScheduled) -> str:
        self.retries += 1
        self._note(f"retrying {event.model} in {event.delay_s:.1f} s ({event.reason})")
        return ""

    def on_fallback(self, event: FallbackStarted) -> str:
        self.fallbacks += 1
        self._note(f"fell back from {event.from_model} to {event.to_model}: {event.reason}")
        return ""

    def on_skipped(self, event: ModelSkipped) -> str:
        self._note(f"skipped {event.model}: {event.reason}")
        return ""

    def on_breaker_changed(self, event: BreakerChanged) -> str:
        """Shown by the circuit panel; nothing changes in the column."""
        return ""

    def on_breaker_bypassed(self, event: BreakerBypassed) -> str:
        self._note(f"circuit {event.state} for {event.endpoint}, called anyway: every candidate was open")
        return ""

    def on_verdict(self, event: Verdict) -> str:
        self._note(f"{event.stage}: {event.summary}")
        return ""

    def on_finished(self, event: RequestFinished) -> str:
        self.finish(event.result)
        table = attempts_markdown(event.result)
        return self._write(table) if table else ""

    def _record(self, attempt: int) -> AttemptRecord | None:
        return next((r for r in self.records if r.attempt == attempt), None)

    def _note(self, note: str) -> None:
        self.last_note, self._note_unshown = note, True

    def _text(self, event: TextDelta) -> str:
        call = self.live.get(event.attempt)
        if call is None:  # a delta without its start: show it rather than lose it
            call = self.live[event.attempt] = LiveCall(self.model or "?", self.provider or "?", roles.ANSWER,
                                                       time.perf_counter(), self.counter)
        call.parts.append(event.text)
        if self.focus is None and not call.role.side:
            # This call takes the focus; say why the text starts over.
            prefix = ""
            if self.written:
                label = f"{call.role.label} · {call.model}" if call.role else call.model
                note = self.last_note if self._note_unshown else label
                broken = self._record(self.shown[-1]) if self.shown else None
                if broken is not None and broken.outcome != "ok" and broken.text:
                    why = broken.error.kind if broken.error else broken.outcome
                    note = (f"⚠ the partial answer above was abandoned ({why}; {broken.output_tokens} tokens, "
                            f"{format_usd(broken.cost_usd)} counted) · {note}")
                prefix = separator(note)
            self._note_unshown = False
            self.focus = event.attempt
            self.shown.append(event.attempt)
            self.model, self.provider = call.model, call.provider
            self.last_ttft_ms = call.ttft_ms
            return self._write(prefix + event.text)
        return self._write(event.text) if self.focus == event.attempt else ""

    def _write(self, markdown: str) -> str:
        self.written.append(markdown)
        return markdown

    def finish(self, result: RequestResult) -> None:
        self.result = result
        self.error = result.error
        self.ended = time.perf_counter()
        self.live.clear()
        self.focus = None
        if result.model:
            self.model = result.model
        if result.provider:
            self.provider = result.provider
        if result.decision is not None:
            self.reason = result.decision.reason
        if result.ttft_ms is not None:
            self.last_ttft_ms = result.ttft_ms
        self.written = ["".join(self.written)]  # one string, not one per token, for as long as the run is kept
        delivered = result.text
        if delivered and not self.displayed.endswith(delivered):
            self.final_markdown = delivered
            if result.cached_text is not None:
                self._note(f"served from the semantic cache ({result.cached_model}); no model was called")
            else:
                final = result.final
                if final is None:
                    who = ""
                elif final.role:
                    who = f"{final.role.label} · {final.model}"
                else:
                    who = final.model
                verdict = f" ({self.last_note})" if self._note_unshown and self.last_note else ""
                self._note(f"answer delivered: {who}{verdict}")
        if result.error is None:
            self.status = "done"
        elif result.error.kind is ErrorKind.CANCELLED:
            self.status = "cancelled"
        else:
            self.status = "error"

    def cancel_before_start(self) -> None:
        """The run was cancelled before the engine reported its end."""
        if self.result is None and self.error is None:
            self.error = ProviderError(ErrorKind.CANCELLED, "cancelled before it started")
            self.status = "cancelled"
            self.ended = time.perf_counter()
            self.live.clear()

    def fail_internally(self, exc: BaseException) -> None:
        """A bug must not take the app down: show it as this column's error."""
        self.error = ProviderError(ErrorKind.SERVER_ERROR, f"internal error: {type(exc).__name__}: {exc}")
        self.status = "error"
        self.ended = time.perf_counter()
        self.live.clear()

    # -- what is shown --------------------------------------------------
    @property
    def running(self) -> bool:
        return self.status in ("waiting", "streaming")

    @property
    def displayed(self) -> str:
        """The Markdown the column shows for this run."""
        return self.final_markdown if self.final_markdown is not None else "".join(self.written)

    @property
    def calls(self) -> int:
        return len(self.records) + len(self.live)

    @property
    def models_path(self) -> list[str]:
        """The answer calls' models in order ("a → b" after fallbacks)."""
        models = [r.model for r in self.records if not r.role.side]
        models += [c.model for c in self.live.values() if not c.role.side]
        return list(dict.fromkeys(models))

    # -- figures ------------------------------------------------------
    @property
    def input_tokens(self) -> int:
        if self.result is not None:
            return self.result.input_tokens
        if not self.records and not self.live:
            return self.input_estimate  # the prompt's size, before any call
        return sum(r.input_tokens for r in self.records) + sum(
            c.tokens(self.input_estimate)[0] for c in self.live.values()
        )

    @property
    def output_tokens(self) -> int:
        if self.result is not None:
            return self.result.output_tokens
        return sum(r.output_tokens for r in self.records) + sum(
            c.tokens(self.input_estimate)[1] for c in self.live.values()
        )

    @property
    def estimated(self) -> bool:
        """True when token counts (and so the cost) are not all the provider's."""
        if self.result is not None:
            return self.result.usage_estimated
        if any(r.usage_source == "estimate" for r in self.records):
            return True
        if self.live:
            return any(c.usage is None or c.usage_source == "estimate" for c in self.live.values())
        return not self.records  # nothing measured yet: the prompt's size is a count of our own

    @property
    def cost_usd(self) -> float:
        if self.result is not None:
            return self.result.cost_usd
        spent = sum(r.cost_usd for r in self.records)
        for call in self.live.values():
            spec = self.catalog.models.get(call.model)
            if spec is not None:
                spent += cost_usd(spec, *call.tokens(self.input_estimate))
        return spent

    @property
    def wasted_usd(self) -> float:
        """Spent on calls whose answer was not delivered (failed, cut, retried, not picked)."""
        if self.result is not None:
            return self.result.wasted_cost_usd
        return sum(r.cost_usd for r in self.records if r.outcome != "ok")

    @property
    def ttft_ms(self) -> float | None:
        return self.last_ttft_ms

    @property
    def latency_ms(self) -> float:
        if self.result is not None:
            return self.result.latency_ms
        end = self.ended if self.ended is not None else time.perf_counter()
        return (end - self.started) * 1000

    @property
    def tokens_per_s(self) -> float | None:
        if self.result is not None:
            return self.result.tokens_per_s
        call = self.live.get(self.focus) if self.focus is not None else None
        return call.tokens_per_s if call is not None else None
