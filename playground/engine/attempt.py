"""One call to one model: streams it, times it and prices it.

Every attempt ends in an `AttemptRecord`, whether it succeeded, failed or was
cancelled, so partial output and its cost are never lost. Any exception
raised while it runs (a provider error, a request that cannot be encoded, a
bug) ends it as a failed attempt with a typed error: nothing but a
cancellation escapes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable

from playground.core.catalog import ModelSpec
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    Event,
    FirstToken,
    Outcome,
    TextDelta,
    ToolCallDelta,
    UsageReported,
    UsageSource,
)
from playground.core.messages import ChatRequest
from playground.core.pricing import cost_usd
from playground.core.roles import ANSWER, CallRole
from playground.core.tokens import TokenCounter
from playground.core.tool_calls import ToolCallFold
from playground.engine.timeouts import StreamWatch, Timeouts
from playground.providers.base import ChatProvider, Chunk, Delta, TokenLogprobs, ToolCallChunk, Usage
from playground.providers.endpoints import api_model_name

logger = logging.getLogger(__name__)

Emit = Callable[[Event], None]

# How long one attempt's read loop may hold the event loop before it lets
# others run: when the loop was busy, a stream's chunks pile up and the SDK
# hands them over without awaiting, so the loop parsed the whole burst in one
# step (up to 90 ms of CPU with eight fast columns: every key press and frame
# of the TUI waited for it, bench/bench_tui.py --loop-trace).
READ_SLICE_S = 0.002
# The read loop's clock (a test replaces it).
clock = time.perf_counter

_TIMEOUT_TEXT = {
    "first token": "no first token",
    "idle": "stream stalled (no data)",
    "total": "request exceeded its total time",
}


def unexpected_error(exc: Exception, provider: str) -> ProviderError:
    """A typed error for an exception no adapter mapped. The request's text
    was checked before any call (`ChatRequest.text_problem`), so text that
    cannot be encoded now sits in what this provider adds: its key or
    another header. That is the provider's setup, like a rejected key: not
    retried, and its other models are skipped. Anything else is a bug of
    ours or the SDK's."""
    if isinstance(exc, UnicodeEncodeError):
        return ProviderError(ErrorKind.AUTH, f"{provider}: the request cannot be sent: {exc.reason} in a header "
                                             f"(is the API key plain ASCII?)", provider=provider)
    logger.warning("%s: unexpected %s in an attempt", provider, type(exc).__name__, exc_info=exc)
    return ProviderError(ErrorKind.INTERNAL, f"{provider}: unexpected {type(exc).__name__}: {exc}", provider=provider)


class AttemptRunner:
    def __init__(
        self,
        *,
        attempt: int,
        model: ModelSpec,
        provider: ChatProvider,
        request: ChatRequest,
        input_estimate: int,
        counter: TokenCounter,
        timeouts: Timeouts,
        emit: Emit,
        deadline: float | None = None,
        role: CallRole = ANSWER,
        listening: bool = True,
    ) -> None:
        self.attempt = attempt
        self.model = model
        self.provider = provider
        self.request = request
        self.input_estimate = input_estimate
        self.counter = counter
        self.timeouts = timeouts
        self.emit = emit
        # The request's deadline (event-loop time): retries and fallbacks share it.
        self.deadline = deadline
        self.role = role
        # False when nobody reads the events (`Engine.run` without `emit`):
        # the per-chunk events are then not built at all.
        self.listening = listening
        self.logprob_sum = 0.0
        self.logprob_count = 0
        self.parts: list[str] = []
        self.tool_calls = ToolCallFold()
        self.usage: Usage | None = None
        self.ttft_ms: float | None = None
        self.record: AttemptRecord | None = None

    async def run(self) -> AttemptRecord:
        """The attempt's record; raises only `CancelledError` (after
        recording the cancelled attempt)."""
        started = time.perf_counter()
        endpoint = self.provider.endpoint
        try:
            self.emit(AttemptStarted(self.attempt, self.model.id, endpoint.name, endpoint.simulated, self.role))
            await self._stream(started)
        except asyncio.CancelledError:
            self._end(started, "cancelled", ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))
            raise
        except ProviderError as error:
            return self._end(started, "failed", error)
        except Exception as exc:
            return self._end(started, "failed", unexpected_error(exc, endpoint.name))
        return self._end(started, "ok", None)

    def _end(self, started: float, outcome: Outcome, error: ProviderError | None) -> AttemptRecord:
        record = self.record = self._record(started, outcome, error)
        self.emit(AttemptFinished(record) if error is None else AttemptFailed(record))
        return record

    async def _stream(self, started: float) -> None:
        name = self.provider.endpoint.name
        stream = self.provider.stream(api_model_name(self.model, self.provider.endpoint), self.request)
        watch = StreamWatch(self.timeouts, self.deadline)
        try:
            await self._read(stream, watch, started)
        except asyncio.CancelledError:
            if not watch.claim():
                raise
            phase = watch.expired
            assert phase is not None
            limit = {"first token": self.timeouts.first_token_s, "idle": self.timeouts.idle_s,
                     "total": self.timeouts.total_s}[phase]
            raise ProviderError(ErrorKind.TIMEOUT, f"{name}: {_TIMEOUT_TEXT[phase]} within {limit:g}s",
                                provider=name) from None
        finally:
            watch.stop()
            await stream.aclose()

    async def _read(self, stream: AsyncGenerator[Chunk, None], watch: StreamWatch, started: float) -> None:
        """Fold the chunks into this attempt. This loop runs once per chunk
        of every stream: it does the least it can there (the watchdog only
        stores the time; text is joined and counted once, at the end), and
        yields to the event loop once a burst has held it `READ_SLICE_S`."""
        emit = self.emit
        listening = self.listening
        number = self.attempt
        parts = self.parts
        touch = watch.touch
        slice_end = clock() + READ_SLICE_S
        async for chunk in stream:
            touch()
            if clock() >= slice_end:
                await asyncio.sleep(0)  # a burst: let the loop serve others (keys, frames, other streams)
                slice_end = clock() + READ_SLICE_S
            if type(chunk) is Delta:
                parts.append(chunk.text)
                if self.ttft_ms is None:
                    self._first_token(started)
                    if listening:
                        emit(TextDelta(number, chunk.text))
                        # The SDK parses a burst of buffered events without
                        # yielding: let whoever consumes the events see the
                        # first token now, not after the whole burst.
                        await asyncio.sleep(0)
                elif listening:
                    emit(TextDelta(number, chunk.text))
            elif isinstance(chunk, ToolCallChunk):
                self.tool_calls.add(chunk.index, chunk.id, chunk.name, chunk.arguments)
                if self.ttft_ms is None:
                    self._first_token(started)
                if listening:
                    emit(ToolCallDelta(number, chunk.index, chunk.id, chunk.name, chunk.arguments))
            elif isinstance(chunk, TokenLogprobs):
                self.logprob_sum += sum(chunk.values)
                self.logprob_count += len(chunk.values)
            elif isinstance(chunk, Usage):
                self.usage = chunk
                emit(UsageReported(number, chunk.input_tokens, chunk.output_tokens, "provider"))

    def _first_token(self, started: float) -> None:
        self.ttft_ms = (time.perf_counter() - started) * 1000
        if self.listening:
            self.emit(FirstToken(self.attempt, self.ttft_ms))

    def _record(self, started: float, outcome: Outcome, error: ProviderError | None) -> AttemptRecord:
        text = "".join(self.parts)
        source: UsageSource
        if self.usage is not None:
            input_tokens, output_tokens, source = self.usage.input_tokens, self.usage.output_tokens, "provider"
        elif text:
            # The provider processed the prompt and produced output that was
            # cut short: bill what we can see, and label it an estimate.
            input_tokens, output_tokens, source = self.input_estimate, self.counter.count_text(text).tokens, "estimate"
        else:
            input_tokens, output_tokens, source = 0, 0, "estimate"
        return AttemptRecord(
            attempt=self.attempt,
            model=self.model.id,
            provider=self.provider.endpoint.name,
            outcome=outcome,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            usage_source=source,
            cost_usd=cost_usd(self.model, input_tokens, output_tokens),
            ttft_ms=self.ttft_ms,
            latency_ms=(time.perf_counter() - started) * 1000,
            text=text,
            error=error,
            role=self.role,
            mean_logprob=self.logprob_sum / self.logprob_count if self.logprob_count else None,
            tool_calls=self.tool_calls.calls(),
        )
