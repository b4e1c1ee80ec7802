"""One call to one model: streams it, times it and prices it.

Every attempt ends in an `AttemptRecord`, whether it succeeded, failed or was
cancelled, so partial output and its cost are never lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from playground.core.catalog import ModelSpec
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    Event,
    FirstToken,
    TextDelta,
    UsageReported,
)
from playground.core.messages import ChatRequest
from playground.core.pricing import cost_usd
from playground.core.tokens import TokenCounter
from playground.engine.timeouts import Timeouts
from playground.providers.base import ChatProvider, Delta, TokenLogprobs, Usage
from playground.providers.endpoints import api_model_name

Emit = Callable[[Event], None]


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
        role: str = "",
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
        self.logprob_sum = 0.0
        self.logprob_count = 0
        self.parts: list[str] = []
        self.usage: Usage | None = None
        self.ttft_ms: float | None = None
        self.record: AttemptRecord | None = None

    async def run(self) -> AttemptRecord:
        endpoint = self.provider.endpoint
        self.emit(AttemptStarted(self.attempt, self.model.id, endpoint.name, endpoint.simulated, self.role))
        started = time.perf_counter()
        try:
            await self._stream(started)
        except asyncio.CancelledError:
            self.record = self._record(started, "cancelled", ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))
            self.emit(AttemptFailed(self.record))
            raise
        except ProviderError as error:
            self.record = self._record(started, "failed", error)
            self.emit(AttemptFailed(self.record))
            return self.record
        self.record = self._record(started, "ok", None)
        self.emit(AttemptFinished(self.record))
        return self.record

    async def _stream(self, started: float) -> None:
        loop = asyncio.get_running_loop()
        t = self.timeouts
        total_deadline = loop.time() + t.total_s
        if self.deadline is not None:
            total_deadline = min(total_deadline, self.deadline)
        api_model = api_model_name(self.model, self.provider.endpoint)
        stream = self.provider.stream(api_model, self.request)
        phase = "first token"
        try:
            async with asyncio.timeout_at(min(loop.time() + t.first_token_s, total_deadline)) as budget:
                async for chunk in stream:
                    if isinstance(chunk, Delta):
                        if self.ttft_ms is None:
                            self.ttft_ms = (time.perf_counter() - started) * 1000
                            self.emit(FirstToken(self.attempt, self.ttft_ms))
                            phase = "idle"
                        self.parts.append(chunk.text)
                        self.emit(TextDelta(self.attempt, chunk.text))
                    elif isinstance(chunk, TokenLogprobs):
                        self.logprob_sum += sum(chunk.values)
                        self.logprob_count += len(chunk.values)
                    elif isinstance(chunk, Usage):
                        self.usage = chunk
                        self.emit(UsageReported(self.attempt, chunk.input_tokens, chunk.output_tokens, "provider"))
                    budget.reschedule(min(loop.time() + t.idle_s, total_deadline))
                    if loop.time() >= total_deadline:
                        phase = "total"
        except TimeoutError:
            if loop.time() >= total_deadline:
                phase = "total"
            limit = {"first token": t.first_token_s, "idle": t.idle_s, "total": t.total_s}[phase]
            what = {
                "first token": "no first token",
                "idle": "stream stalled (no data)",
                "total": "request exceeded its total time",
            }[phase]
            raise ProviderError(
                ErrorKind.TIMEOUT, f"{self.provider.endpoint.name}: {what} within {limit:g}s", provider=self.provider.endpoint.name
            ) from None
        finally:
            await stream.aclose()

    def _record(self, started: float, outcome: str, error: ProviderError | None) -> AttemptRecord:
        text = "".join(self.parts)
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
            outcome=outcome,  # type: ignore[arg-type]
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            usage_source=source,  # type: ignore[arg-type]
            cost_usd=cost_usd(self.model, input_tokens, output_tokens),
            ttft_ms=self.ttft_ms,
            latency_ms=(time.perf_counter() - started) * 1000,
            text=text,
            error=error,
            role=self.role,
            mean_logprob=self.logprob_sum / self.logprob_count if self.logprob_count else None,
        )
