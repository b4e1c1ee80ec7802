"""Runs one request through one strategy and emits the event stream.

Events go to a synchronous `emit` callback rather than out of an async
generator: when the caller cancels a run, the cancelled attempt and the
request's totals must still be emitted, and a generator cannot yield after
it was cancelled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from playground.core.catalog import Catalog
from playground.core.errors import ErrorKind, ProviderError, UserError
from playground.core.events import AttemptRecord, Decided, Event, RequestFinished, RequestResult
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter, default_counter
from playground.engine.attempt import AttemptRunner, Emit
from playground.engine.timeouts import Timeouts
from playground.providers.pool import ProviderPool
from playground.strategies.base import RouteInput, RoutingContext, Strategy


def _ignore(_: Event) -> None:
    return None


class Engine:
    def __init__(
        self,
        catalog: Catalog,
        pool: ProviderPool,
        context: RoutingContext,
        *,
        simulated: bool,
        timeouts: Timeouts | None = None,
        counter: TokenCounter | None = None,
    ) -> None:
        self.catalog = catalog
        self.pool = pool
        self.context = context
        self.simulated = simulated
        self.timeouts = timeouts or Timeouts()
        self.counter = counter or default_counter()

    def route_input(self, request: ChatRequest) -> RouteInput:
        count = self.counter.count_request(request)
        return RouteInput(request, count.tokens, count.method)

    async def run(self, strategy: Strategy, request: ChatRequest, emit: Emit = _ignore) -> RequestResult:
        started = time.perf_counter()
        attempts: list[AttemptRecord] = []
        decision = None

        def finish(error: ProviderError | None) -> RequestResult:
            result = RequestResult(
                strategy=strategy.name,
                decision=decision,
                attempts=tuple(attempts),
                latency_ms=(time.perf_counter() - started) * 1000,
                simulated=self.simulated,
                error=error,
            )
            emit(RequestFinished(result))
            return result

        route = self.route_input(request)
        try:
            decide_started = time.perf_counter()
            decision = strategy.decide(route, self.context)
            emit(Decided(strategy.name, decision, (time.perf_counter() - decide_started) * 1000))
        except UserError as exc:
            kind = ErrorKind.CONTEXT_TOO_LONG if "context window" in str(exc) else ErrorKind.NO_MODEL
            return finish(ProviderError(kind, str(exc)))

        model = self.catalog.get(decision.model)
        try:
            provider = self.pool.provider_for(model)
        except ProviderError as error:
            return finish(error)
        runner = AttemptRunner(
            attempt=1,
            model=model,
            provider=provider,
            request=request,
            input_estimate=route.input_tokens,
            counter=self.counter,
            timeouts=self.timeouts,
            emit=emit,
        )
        try:
            record = await runner.run()
        except asyncio.CancelledError:
            if runner.record is not None:
                attempts.append(runner.record)
            finish(ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))
            raise
        attempts.append(record)
        return finish(record.error)

    async def stream(self, strategy: Strategy, request: ChatRequest) -> AsyncIterator[Event]:
        """The same events as an async iterator, for library users."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        async def produce() -> None:
            try:
                await self.run(strategy, request, queue.put_nowait)
            finally:
                queue.put_nowait(None)

        task = asyncio.create_task(produce())
        try:
            while (event := await queue.get()) is not None:
                yield event
            await task
        finally:
            if not task.done():
                task.cancel()
