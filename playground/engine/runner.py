"""Runs one request through one strategy and emits the event stream.

The strategy decides; the engine executes the plan: the chosen model, then
its fallback chain, with retries, circuit breakers and one budget of attempts
and time for the whole request. Every attempt (failed, partial or cancelled)
is recorded with its cost.

Events go to a synchronous `emit` callback rather than out of an async
generator: when the caller cancels a run, the cancelled attempt and the
request's totals must still be emitted, and a generator cannot yield after
it was cancelled.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from playground.core.catalog import Catalog, ModelSpec
from playground.core.decision import Decision
from playground.core.errors import ErrorKind, ProviderError, UserError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    BreakerChanged,
    Decided,
    Event,
    FallbackStarted,
    ModelSkipped,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    Verdict,
)
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter, default_counter
from playground.engine.attempt import AttemptRunner, Emit
from playground.engine.breaker import BreakerConfig, BreakerTransition
from playground.engine.cache import CacheConfig, CacheHit, SemanticCache
from playground.engine.fallbacks import chain_for
from playground.engine.health import HealthBoard
from playground.engine.retry import RequestBudget, RetryPolicy
from playground.engine.timeouts import Timeouts
from playground.providers.pool import ProviderPool
from playground.strategies.base import RouteInput, RoutingContext, Strategy

# Errors after which trying another model cannot help.
_STOP_KINDS = frozenset({ErrorKind.BAD_REQUEST, ErrorKind.CANCELLED})


def _ignore(_: Event) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ResilienceConfig:
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerConfig = BreakerConfig()
    # Explicit chains per model; models without one get `default_chain`.
    fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    fallbacks_enabled: bool = True


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
        resilience: ResilienceConfig | None = None,
        health: HealthBoard | None = None,
        seed: int | None = None,
        cache: CacheConfig | None = None,
    ) -> None:
        self.catalog = catalog
        self.pool = pool
        self.context = context
        self.simulated = simulated
        self.timeouts = timeouts or Timeouts()
        self.counter = counter or default_counter()
        self.resilience = resilience or ResilienceConfig()
        self.health = health or HealthBoard(self.resilience.breaker)
        if context.health is None:
            self.context = replace(context, health=self.health)
        self.rng = random.Random(seed)
        self.cache = SemanticCache(cache or CacheConfig())

    def route_input(self, request: ChatRequest) -> RouteInput:
        return RouteInput.measure(request, self.counter)

    def plan_fallbacks(self, model_id: str) -> tuple[str, ...]:
        if not self.resilience.fallbacks_enabled:
            return ()
        return chain_for(model_id, self.catalog, self.resilience.fallbacks)

    def plan(self, decision: Decision) -> list[str]:
        if not self.resilience.fallbacks_enabled and not decision.fallbacks:
            return [decision.model]
        return [decision.model, *chain_for(decision.model, self.catalog, self.resilience.fallbacks, decision.fallbacks)]

    async def run(self, strategy: Strategy, request: ChatRequest, emit: Emit = _ignore,
                  use_cache: bool | None = None) -> RequestResult:
        run = RequestRun(self, strategy, request, emit)
        run.use_cache = self.cache.config.enabled if use_cache is None else use_cache
        return await run.execute()

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


@dataclass(slots=True)
class Answer:
    """The outcome of asking for one answer: the successful attempt, or the
    last error once retries and fallbacks ran out."""

    record: AttemptRecord | None
    error: ProviderError | None


class RequestRun:
    """The state of one request while its plan is executed. Plan executors
    (ensembles, cascade, router) call `answer` as many times as they need;
    every call shares the request's one budget of attempts and time."""

    def __init__(self, engine: Engine, strategy: Strategy, request: ChatRequest, emit: Emit) -> None:
        self.engine = engine
        self.strategy = strategy
        self.request = request
        self.emit = emit
        self.started = time.perf_counter()
        self.attempts: list[AttemptRecord] = []
        self.decision: Decision | None = None
        self.retries = 0
        self.fallbacks = 0
        self.finished = False
        self.verdicts: list[Verdict] = []
        # Providers that rejected their credentials: no other model of theirs is tried.
        self.rejected_providers: set[str] = set()
        self._attempt_numbers = 0
        self.budget: RequestBudget | None = None
        self.use_cache = False
        self.cache_info: dict[str, object] | None = None

    def finish(self, error: ProviderError | None, answer_attempt: int | None = None,
               cached: CacheHit | None = None) -> RequestResult:
        result = RequestResult(
            strategy=self.strategy.name,
            decision=self.decision,
            attempts=tuple(sorted(self.attempts, key=lambda a: a.attempt)),
            latency_ms=(time.perf_counter() - self.started) * 1000,
            simulated=self.engine.simulated,
            error=error,
            extra={"retries": self.retries, "fallbacks": self.fallbacks,
                   "verdicts": [v.to_dict() for v in self.verdicts], "cache": self.cache_info},
            answer_attempt=answer_attempt,
            cached_text=cached.entry.text if cached else None,
            cached_model=cached.entry.model if cached else None,
        )
        self.finished = True
        self.emit(RequestFinished(result))
        return result

    def verdict(self, verdict: Verdict) -> None:
        self.verdicts.append(verdict)
        self.emit(verdict)

    def _on_breaker(self, transition: BreakerTransition) -> None:
        self.emit(BreakerChanged(transition.name, str(transition.old), str(transition.new), transition.reason))

    async def execute(self) -> RequestResult:
        engine = self.engine
        route = engine.route_input(self.request)
        if self.strategy.needs_embedding:
            model_id, dimensions = self.strategy.embedding_request
            vector = await self._embed(self.request.prompt_text, model_id, dimensions)
            route = replace(route, embedding=np.asarray(vector, dtype=np.float32) if vector is not None else None)
        try:
            decide_started = time.perf_counter()
            self.decision = self.strategy.decide(route, engine.context)
            self.emit(Decided(self.strategy.name, self.decision, (time.perf_counter() - decide_started) * 1000))
        except UserError as exc:
            kind = ErrorKind.CONTEXT_TOO_LONG if "context window" in str(exc) else ErrorKind.NO_MODEL
            return self.finish(ProviderError(kind, str(exc)))

        loop = asyncio.get_running_loop()
        self.budget = RequestBudget(engine.resilience.retry, deadline=loop.time() + engine.timeouts.total_s, rng=engine.rng)
        engine.health.add_listener(self._on_breaker)
        try:
            vector: list[float] | None = None
            if self.use_cache:
                hit, vector = await self._cache_lookup()
                if hit is not None:
                    return self.finish(None, cached=hit)
            if self.decision.plan is not None:
                from playground.engine.plans import execute_plan

                answer = await execute_plan(self, route, self.decision.plan)
            else:
                answer = await self.answer(route, engine.plan(self.decision))
            if self.use_cache and answer.record is not None:
                engine.cache.store(self.strategy.name, self.request.prompt_text, vector, answer.record.text, answer.record.model)
            return self.finish(answer.error if answer.record is None else None,
                               answer.record.attempt if answer.record else None)
        except asyncio.CancelledError:
            # Cancelled mid-attempt or while waiting to retry: the totals of
            # what was spent so far are still reported.
            if not self.finished:
                self.finish(ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))
            raise
        finally:
            engine.health.remove_listener(self._on_breaker)

    async def _cache_lookup(self) -> tuple[CacheHit | None, list[float] | None]:
        """Exact match first (free); else embed the prompt (a costed call)
        and look for a similar one. Returns the hit and the prompt's vector."""
        cache = self.engine.cache
        prompt = self.request.prompt_text
        hit = cache.exact(self.strategy.name, prompt)
        vector = None
        best = 0.0
        if hit is None:
            vector = await self._embed(prompt, cache.config.embedding_model)
            if vector is not None:
                hit, best = cache.similar(self.strategy.name, vector)
        if hit is not None:
            self.cache_info = {"hit": True, **hit.to_dict()}
            summary = (f"hit ({hit.kind}, similarity {hit.similarity:.3f}) on {hit.entry.prompt[:60]!r}, "
                       f"answered earlier by {hit.entry.model}")
        else:
            self.cache_info = {"hit": False, "best_similarity": round(best, 4),
                               "threshold": cache.config.similarity_threshold, "entries": len(cache)}
            summary = (f"miss (best similarity {best:.3f} < {cache.config.similarity_threshold:g})" if vector is not None
                       else "miss (exact match only: no embeddings endpoint configured)")
        self.verdict(Verdict("cache", summary, passed=hit is not None, model=hit.entry.model if hit else None,
                             details=dict(self.cache_info)))
        return hit, vector

    async def _embed(self, text: str, model_id: str, dimensions: int | None = None) -> list[float] | None:
        """The prompt's embedding through the provider's embeddings endpoint,
        recorded as an attempt with its own cost; None when unavailable."""
        engine = self.engine
        spec = engine.catalog.embedding_models.get(model_id)
        endpoint = engine.pool.endpoints.get(spec.provider) if spec else None
        if spec is None or endpoint is None or endpoint.kind != "openai":
            return None
        provider = engine.pool.provider_for_endpoint(endpoint)
        api_model = spec.sim_name if endpoint.simulated else spec.api_name
        self._attempt_numbers += 1
        started = time.perf_counter()
        self.emit(AttemptStarted(self._attempt_numbers, spec.id, endpoint.name, endpoint.simulated, "embedding"))
        try:
            vectors, tokens = await provider.embed(api_model, [text], dimensions)  # type: ignore[attr-defined]
            error = None
        except ProviderError as exc:
            vectors, tokens, error = [], 0, exc
        record = AttemptRecord(self._attempt_numbers, spec.id, endpoint.name, "ok" if error is None else "failed", tokens, 0,
                               "provider", tokens * spec.input_per_mtok / 1_000_000, None,
                               (time.perf_counter() - started) * 1000, "", error, role="embedding")
        self.attempts.append(record)
        self.emit(AttemptFinished(record) if error is None else AttemptFailed(record))
        return vectors[0] if vectors else None

    def skip_reason(self, model: ModelSpec, needed_tokens: int) -> str:
        if not self.engine.context.is_available(model.id):
            return f"{model.id} is {self.engine.context.unavailable_reason}"
        if model.provider in self.rejected_providers:
            return f"{model.provider} rejected its API key"
        if model.context_window < needed_tokens:
            return f"{model.id}'s window ({model.context_window:,}) cannot hold {needed_tokens:,} tokens"
        return ""

    async def answer(self, route: RouteInput, plan: list[str], *, role: str = "", request: ChatRequest | None = None) -> Answer:
        """One answer from the first model of `plan` that gives one, with
        retries on the same model and fallbacks down the plan."""
        engine = self.engine
        policy = engine.resilience.retry
        budget = self.budget
        assert budget is not None, "answer() runs inside execute()"
        request = request or self.request
        # Count a side request (judge, router) once; the same messages (a
        # cascade tier asking for logprobs) reuse the request's count.
        if request is not self.request and request.messages != self.request.messages:
            route = engine.route_input(request)
        needed = route.needed_tokens
        loop = asyncio.get_running_loop()
        last_error: ProviderError | None = None
        index, retries_here = 0, 0
        previous: str | None = None
        while index < len(plan):
            model = engine.catalog.get(plan[index])
            skip = self.skip_reason(model, needed)
            breaker = engine.health.breaker(model.id)
            if not skip and not breaker.try_acquire():
                snap = breaker.snapshot()
                skip = f"circuit OPEN for {model.id}" + (
                    f" (half-open in {snap.open_remaining_s:.1f}s)" if snap.open_remaining_s is not None else " (half-open probes busy)"
                )
            if skip:
                self.emit(ModelSkipped(model.id, skip))
                last_error = last_error or ProviderError(ErrorKind.NO_MODEL, skip)
                index += 1
                continue
            if budget.attempts_left <= 0 or budget.remaining_s(loop.time()) <= 0:
                breaker.record_ignored()
                break
            if previous is not None and previous != model.id:
                self.fallbacks += 1
                self.emit(FallbackStarted(previous, model.id, str(last_error.message if last_error else "")))
            previous = model.id
            record = await self._attempt(model, route, budget, role, request)
            if record.error is None:
                return Answer(record, None)
            last_error = record.error
            if last_error.kind in _STOP_KINDS:
                break
            if last_error.kind is ErrorKind.AUTH:
                self.rejected_providers.add(model.provider)
            if policy.retries(last_error) and retries_here < policy.retries_per_model and budget.attempts_left > 0:
                delay = policy.delay_s(last_error, budget.retries_used, budget.rng)
                if delay is not None and delay < budget.remaining_s(loop.time()):
                    self.emit(RetryScheduled(record.attempt, model.id, delay, str(last_error.kind), last_error.retry_after_s))
                    await asyncio.sleep(delay)
                    retries_here += 1
                    budget.retries_used += 1
                    self.retries += 1
                    continue
            index, retries_here = index + 1, 0
        error = last_error or ProviderError(ErrorKind.NO_MODEL, "no model in the plan could be tried")
        if budget.attempts_left <= 0 and index < len(plan):
            error = ProviderError(error.kind, f"{error.message} (attempt budget of {policy.max_attempts} spent)",
                                  status=error.status, retry_after_s=error.retry_after_s, provider=error.provider)
        return Answer(None, error)

    async def _attempt(self, model: ModelSpec, route: RouteInput, budget: RequestBudget, role: str,
                       request: ChatRequest) -> AttemptRecord:
        engine = self.engine
        budget.attempts_used += 1
        self._attempt_numbers += 1
        number = self._attempt_numbers
        try:
            provider = engine.pool.provider_for(model)
        except ProviderError as error:
            engine.health.breaker(model.id).record_ignored()
            record = AttemptRecord(number, model.id, model.provider, "failed", 0, 0, "estimate", 0.0, None, 0.0, "", error,
                                   role=role)
            self.attempts.append(record)
            return record
        runner = AttemptRunner(
            attempt=number,
            model=model,
            provider=provider,
            request=request,
            input_estimate=route.input_tokens,
            counter=engine.counter,
            timeouts=engine.timeouts,
            emit=self.emit,
            deadline=budget.deadline,
            role=role,
        )
        engine.health.started(model.id)
        try:
            record = await runner.run()
        except asyncio.CancelledError:
            if runner.record is not None:
                self.attempts.append(runner.record)
                engine.health.finished(model.id, runner.record.error, runner.record.latency_ms / 1000, runner.record.ttft_ms)
            raise
        engine.health.finished(model.id, record.error, record.latency_ms / 1000, record.ttft_ms)
        self.attempts.append(record)
        return record
