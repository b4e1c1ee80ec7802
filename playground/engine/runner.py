"""Runs one request through one strategy and emits the event stream.

The strategy decides; the engine executes the plan: the chosen model, then
its fallback chain, with retries, circuit breakers and one budget of attempts
and time for the whole request. Every attempt (failed, partial or cancelled)
is recorded with its cost. Side calls (the prompt's embedding for the
learned router or the cache, judges, the router model) get the same
retries, breakers and honest errors as answers.

Events go to a synchronous `emit` callback rather than out of an async
generator: when the caller cancels a run, the cancelled attempt and the
request's totals must still be emitted, and a generator cannot yield after
it was cancelled. Whatever happens inside (a provider error, a request that
cannot be encoded, a bug), a run ends with exactly one `RequestFinished`,
and every breaker permit and in-flight count it took is given back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from playground.core import roles
from playground.core.catalog import Catalog, EmbeddingModelSpec, ModelSpec
from playground.core.decision import Decision
from playground.core.errors import ErrorKind, NoRoute, ProviderError, UserError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    BreakerBypassed,
    BreakerChanged,
    CacheOutcome,
    Decided,
    Event,
    FallbackStarted,
    ModelSkipped,
    Outcome,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    Verdict,
)
from playground.core.lazy_numpy import np
from playground.core.messages import ChatRequest
from playground.core.roles import CallRole
from playground.core.tokens import TokenCounter, default_counter
from playground.engine.answer import Answer
from playground.engine.attempt import AttemptRunner, Emit, unexpected_error
from playground.engine.breaker import BreakerConfig, BreakerTransition
from playground.engine.cache import CacheConfig, CacheHit, SemanticCache
from playground.engine.fallbacks import chain_for
from playground.engine.health import CallPermit, HealthBoard
from playground.engine.inline import inline_events
from playground.engine.plans import execute_plan
from playground.engine.retry import RequestBudget, RetryPolicy
from playground.engine.timeouts import Timeouts
from playground.providers.base import ChatProvider, Endpoint
from playground.providers.pool import ProviderPool
from playground.strategies.base import RouteInput, RoutingContext, Strategy, decide_within_needs

logger = logging.getLogger(__name__)

# Errors after which trying another model cannot help.
_STOP_KINDS = frozenset({ErrorKind.BAD_REQUEST, ErrorKind.CANCELLED})


def _ignore(_: Event) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ResilienceConfig:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
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
        # Load the encoding now (~0.4 s, once per process), not inside the
        # first request where it would delay that request's first token.
        _ = self.counter.method
        self.resilience = resilience or ResilienceConfig()
        self.health = health or HealthBoard(self.resilience.breaker)
        if context.health is None:
            self.context = replace(context, health=self.health)
        self.rng = random.Random(seed)
        self.cache = SemanticCache(cache or CacheConfig())
        # Held while a strategy decides: engines of several threads sharing
        # one (stateful) strategy instance share this lock too.
        self.decide_lock = threading.Lock()
        self._chains: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
        # Endpoints whose provider exists; creating one is serialised across
        # the worker threads that create them (see `prepare`).
        self._ready: set[str] = set()
        self._create_lock = threading.Lock()

    async def provider_for(self, model: ModelSpec) -> ChatProvider:
        """The model's provider (see `prepare`); raises `ProviderError` when
        its provider is not configured."""
        await self.prepare(self.pool.endpoint_for(model))
        return self.pool.provider_for(model)

    async def prepare(self, endpoint: Endpoint) -> None:
        """Create the endpoint's provider. Creating the first one of a kind imports
        its SDK: ~1 s of CPU on a quiet machine, over a minute on a busy one,
        during which an event loop that did it would run nothing else (every
        request in flight would outlive its deadline, measured at 60 s in a
        soak at load 9). So it is created in a worker thread and the loop
        keeps serving; the wait counts against the request's deadline."""
        if endpoint.name not in self._ready:
            await asyncio.to_thread(self._create_provider, endpoint)

    async def prepare_all(self) -> None:
        """Create every configured endpoint's provider now, off the loop:
        for runs that measure requests (a soak), not the process warming up."""
        for endpoint in self.pool.endpoints.values():
            await self.prepare(endpoint)

    def _create_provider(self, endpoint: Endpoint) -> None:
        with self._create_lock:
            self.pool.provider_for_endpoint(endpoint)
            self._ready.add(endpoint.name)

    def route_input(self, request: ChatRequest) -> RouteInput:
        return RouteInput.measure(request, self.counter)

    def _chain(self, model_id: str, explicit: tuple[str, ...] = ()) -> tuple[str, ...]:
        # The catalog and the configured chains never change under an engine:
        # a chain is worked out once (the default one sorts the catalog).
        key = (model_id, explicit)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = chain_for(model_id, self.catalog, self.resilience.fallbacks, explicit)
        return chain

    def plan_fallbacks(self, model_id: str) -> tuple[str, ...]:
        if not self.resilience.fallbacks_enabled:
            return ()
        return self._chain(model_id)

    def plan(self, decision: Decision) -> list[str]:
        if not self.resilience.fallbacks_enabled and not decision.fallbacks:
            return [decision.model]
        return [decision.model, *self._chain(decision.model, decision.fallbacks)]

    async def run(self, strategy: Strategy, request: ChatRequest, emit: Emit = _ignore,
                  use_cache: bool | None = None) -> RequestResult:
        """Route and answer `request`. Never raises for a failed request (see
        `result.error`); only a cancellation propagates, after the cancelled
        attempt and the request's totals were emitted."""
        run = RequestRun(self, strategy, request, emit)
        run.use_cache = self.cache.config.enabled if use_cache is None else use_cache
        return await run.execute()

    def stream(self, strategy: Strategy, request: ChatRequest) -> AsyncGenerator[Event, None]:
        """The same events as an async iterator, for library users; always
        ends with `RequestFinished`. The engine runs in the caller's task
        (see `inline.py`), so an event reaches the caller in the step that
        produced it. Leaving the loop early cancels the run (its cancelled
        attempt is still recorded)."""
        return inline_events(lambda emit: self.run(strategy, request, emit))


class RequestRun:
    """The state of one request while its plan is executed. Plan executors
    (ensembles, cascade, router) call `answer` as many times as they need;
    every call shares the request's one budget of attempts and time."""

    def __init__(self, engine: Engine, strategy: Strategy, request: ChatRequest, emit: Emit) -> None:
        self.engine = engine
        self.strategy = strategy
        self._request = request
        self._emit = emit
        # Nobody reads the events (`Engine.run` without `emit`): attempts
        # then build no per-chunk events.
        self.listening = emit is not _ignore
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
        # The models that can serve this request's needs (set when routing).
        self.context = engine.context
        self.budget: RequestBudget | None = None
        self.use_cache = False
        self.cache_outcome: CacheOutcome | None = None
        # Breaker transitions may happen on another thread's engine (a Router
        # shared by threads): they are handed to this run's loop.
        self._thread = threading.get_ident()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def request(self) -> ChatRequest:
        return self._request

    def emit(self, event: Event) -> None:
        """Pass an event on; a consumer that raises must not break the request."""
        try:
            self._emit(event)
        except Exception:
            logger.exception("%s: the event consumer failed on %s", self.strategy.name, type(event).__name__)

    def finish(self, error: ProviderError | None, answer_attempt: int | None = None,
               cached: CacheHit | None = None) -> RequestResult:
        result = RequestResult(
            strategy=self.strategy.name,
            decision=self.decision,
            attempts=tuple(sorted(self.attempts, key=lambda a: a.attempt)),
            latency_ms=(time.perf_counter() - self.started) * 1000,
            simulated=self.engine.simulated,
            error=error,
            retries=self.retries,
            fallbacks=self.fallbacks,
            verdicts=tuple(self.verdicts),
            cache=self.cache_outcome,
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

    def with_fallbacks(self, model_id: str) -> list[str]:
        return [model_id, *self.engine.plan_fallbacks(model_id)]

    def _on_breaker(self, transition: BreakerTransition) -> None:
        event = BreakerChanged(transition.name, transition.old, transition.new, transition.reason)
        if threading.get_ident() == self._thread:
            self._emit_unless_finished(event)
        elif self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._emit_unless_finished, event)

    def _emit_unless_finished(self, event: Event) -> None:
        if not self.finished:  # `RequestFinished` is always the last event
            self.emit(event)

    # --- the request ---------------------------------------------------------

    async def execute(self) -> RequestResult:
        engine = self.engine
        loop = self._loop = asyncio.get_running_loop()
        deadline = loop.time() + engine.timeouts.total_s
        self.budget = RequestBudget(engine.resilience.retry, deadline=deadline, rng=engine.rng)
        timeout = asyncio.timeout_at(deadline)
        engine.health.add_listener(self._on_breaker)
        try:
            # The one owner of the total deadline: whatever phase the request
            # is in when it passes (a stream, a retry's wait, creating a
            # provider, a judge), it ends there with a timeout.
            async with timeout:
                return await self._execute()
        except asyncio.CancelledError:
            # Cancelled mid-attempt or while waiting to retry: the totals of
            # what was spent so far are still reported.
            if not self.finished:
                self.finish(ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))
            raise
        except Exception as exc:
            if isinstance(exc, TimeoutError) and timeout.expired() and not self.finished:
                return self.finish(self._deadline_error())
            # A bug: the request still ends, with a typed error.
            logger.exception("%s: unexpected error while routing", self.strategy.name)
            if self.finished:
                raise
            return self.finish(ProviderError(ErrorKind.INTERNAL, f"internal error: {type(exc).__name__}: {exc}"))
        finally:
            engine.health.remove_listener(self._on_breaker)

    def _deadline_error(self) -> ProviderError:
        return ProviderError(ErrorKind.TIMEOUT, f"request exceeded its total time of {self.engine.timeouts.total_s:g}s")

    async def _execute(self) -> RequestResult:
        engine = self.engine
        problem = self.request.text_problem()
        if problem:
            return self.finish(ProviderError(ErrorKind.BAD_REQUEST, problem))
        route = engine.route_input(self.request)
        embedding_error: ProviderError | None = None
        if self.strategy.needs_embedding:
            model_id, dimensions = self.strategy.embedding_request
            vector, embedding_error = await self.embed(self.request.prompt_text, model_id, dimensions)
            if vector is not None:
                route = replace(route, embedding=np.asarray(vector, dtype=np.float32))
        decide_started = time.perf_counter()
        try:
            if embedding_error is not None:
                self.context = engine.context.for_request(route.needs)
                self.decision = self._default_decision(route, embedding_error)
            else:
                with engine.decide_lock:
                    self.decision, self.context = decide_within_needs(self.strategy, route, engine.context)
        except NoRoute as exc:
            return self.finish(ProviderError(exc.kind, str(exc)))
        except UserError as exc:
            return self.finish(ProviderError(ErrorKind.NO_MODEL, str(exc)))
        self.emit(Decided(self.strategy.name, self.decision, (time.perf_counter() - decide_started) * 1000))

        vector: list[float] | None = None
        if route.needs.beyond_text():
            # The cache keys on the prompt's text: an answer to the same words
            # without the image, tools or JSON shape is not an answer to this.
            self.use_cache = False
        if self.use_cache:
            hit, vector = await self._cache_lookup()
            if hit is not None:
                return self.finish(None, cached=hit)
        if self.decision.plan is not None:
            answer = await execute_plan(self, route, self.decision.plan)
        else:
            answer = await self.answer(route, engine.plan(self.decision))
        if self.use_cache and answer.record is not None:
            record = answer.record
            engine.cache.store(self.strategy.name, self.request.prompt_text, vector, record.text, record.model)
        return self.finish(answer.error if answer.record is None else None,
                           answer.record.attempt if answer.record else None)

    def _default_decision(self, route: RouteInput, error: ProviderError) -> Decision:
        """The strategy's declared default model, when its embedding failed."""
        wanted = self.strategy.default_model()
        model, note = self.context.resolve(wanted, route)
        reason = (f"the prompt's embedding failed ({error.kind}: {error.message}), so {self.strategy.name} cannot "
                  f"decide: its default model {wanted} answers" + (f"; {note}" if note else ""))
        return Decision(model.id, reason, details={"embedding_error": error.to_dict()})

    # --- embeddings (learned router, semantic cache) -------------------------

    async def _cache_lookup(self) -> tuple[CacheHit | None, list[float] | None]:
        """Exact match first (free); else embed the prompt (a costed call)
        and look for a similar one. Returns the hit and the prompt's vector."""
        cache = self.engine.cache
        config = cache.config
        prompt = self.request.prompt_text
        hit = cache.exact(self.strategy.name, prompt)
        vector: list[float] | None = None
        best = 0.0
        error: ProviderError | None = None
        if hit is None:
            vector, error = await self.embed(prompt, config.embedding_model, config.dimensions)
            if vector is not None:
                hit, best = cache.similar(self.strategy.name, vector)
        if hit is not None:
            outcome = CacheOutcome(True, kind=hit.kind, similarity=round(hit.similarity, 4),
                                   cached_prompt=hit.entry.prompt, model=hit.entry.model)
            summary = (f"hit ({hit.kind}, similarity {hit.similarity:.3f}) on {hit.entry.prompt[:60]!r}, "
                       f"answered earlier by {hit.entry.model}")
        else:
            outcome = CacheOutcome(False, best_similarity=round(best, 4), threshold=config.similarity_threshold,
                                   entries=len(cache))
            summary = (f"miss (best similarity {best:.3f} < {config.similarity_threshold:g})" if error is None
                       else f"miss (exact match only: the prompt's embedding failed, {error.kind}: {error.message})")
        self.cache_outcome = outcome
        self.verdict(Verdict("cache", summary, passed=hit is not None, model=hit.entry.model if hit else None,
                             details=outcome.to_dict()))
        return hit, vector

    async def embed(self, text: str, model_id: str, dimensions: int | None = None
                    ) -> tuple[list[float] | None, ProviderError | None]:
        """The embedding of `text`, with retries within the request's budget
        and the model's breaker; or None and why. There is no fallback to
        another embedding model: vectors of two models are not comparable."""
        engine = self.engine
        spec = engine.catalog.embedding_models.get(model_id)
        if spec is None:
            return None, ProviderError(ErrorKind.NO_MODEL, f"unknown embedding model {model_id!r}")
        endpoint = engine.pool.endpoints.get(spec.provider)
        if endpoint is None:
            return None, ProviderError(ErrorKind.NO_MODEL, f"embedding model {spec.id} needs provider "
                                                           f"{spec.provider!r}, which is not configured")
        if endpoint.kind != "openai":
            return None, ProviderError(ErrorKind.NO_MODEL,
                                       f"provider {endpoint.name} ({endpoint.kind}) serves no embeddings")
        budget = self._budget()
        loop = asyncio.get_running_loop()
        retries_here = 0
        last_error: ProviderError | None = None
        while budget.attempts_left > 0 and budget.remaining_s(loop.time()) > 0:
            permit = self._permit(spec.id, ())
            if permit is None:
                skip = f"circuit OPEN for {spec.id}"
                self.emit(ModelSkipped(spec.id, skip))
                return None, ProviderError(ErrorKind.NO_MODEL, skip)
            vector, record = await self._embed_attempt(spec, endpoint, text, dimensions, permit)
            if record.error is None:
                return vector, None
            last_error = record.error
            delay = self._retry_delay(last_error, retries_here)
            if delay is None:
                break
            await self._wait_retry(record, delay)
            retries_here += 1
        return None, last_error or ProviderError(ErrorKind.NO_MODEL, "the request's attempt budget was spent")

    async def _embed_attempt(self, spec: EmbeddingModelSpec, endpoint: Endpoint, text: str, dimensions: int | None,
                             permit: CallPermit) -> tuple[list[float] | None, AttemptRecord]:
        engine = self.engine
        budget = self._budget()
        budget.attempts_used += 1
        self._attempt_numbers += 1
        number = self._attempt_numbers
        api_model = spec.sim_name if endpoint.simulated else spec.api_name
        started = time.perf_counter()
        vectors: list[list[float]] = []
        tokens = 0
        error: ProviderError | None = None
        outcome: Outcome = "failed"
        try:
            self.emit(AttemptStarted(number, spec.id, endpoint.name, endpoint.simulated, roles.EMBEDDING))
            await engine.prepare(endpoint)
            embedder = engine.pool.embedder_for(endpoint)
            if embedder is None:
                raise ProviderError(ErrorKind.NO_MODEL, f"provider {endpoint.name} serves no embeddings")
            loop = asyncio.get_running_loop()
            async with asyncio.timeout_at(min(loop.time() + engine.timeouts.first_token_s, budget.deadline)):
                vectors, tokens = await embedder.embed(api_model, [text], dimensions)
            if not vectors:
                raise ProviderError(ErrorKind.SERVER_ERROR, f"{endpoint.name}: the embeddings reply held no vector")
            outcome = "ok"
        except asyncio.CancelledError:
            error, outcome = ProviderError(ErrorKind.CANCELLED, "cancelled by the user"), "cancelled"
            raise
        except TimeoutError:
            error = ProviderError(ErrorKind.TIMEOUT, f"{endpoint.name}: no embedding within "
                                                     f"{engine.timeouts.first_token_s:g}s", provider=endpoint.name)
        except ProviderError as exc:
            error = exc
        except Exception as exc:
            error = unexpected_error(exc, endpoint.name)
        finally:
            latency_s = time.perf_counter() - started
            cost = tokens * spec.input_per_mtok / 1_000_000
            record = AttemptRecord(number, spec.id, endpoint.name, outcome, tokens, 0, "provider", cost, None,
                                   latency_s * 1000, "", error, role=roles.EMBEDDING)
            self.attempts.append(record)
            permit.finish(error, latency_s, None)
            self.emit(AttemptFinished(record) if error is None else AttemptFailed(record))
        return (vectors[0] if vectors else None), record

    # --- answers -------------------------------------------------------------------

    def context_for(self, request: ChatRequest, route: RouteInput | None = None) -> RoutingContext:
        """The models that can serve `request`: the user's request's narrowed
        context, or for a side request (judge, router, pipeline step) the
        context of what that request itself carries. Raises `NoRoute` when
        no model can."""
        if request is self.request:
            return self.context
        return self.engine.context.for_request((route or self.engine.route_input(request)).needs)

    def skip_reason(self, model: ModelSpec, needed_tokens: int, context: RoutingContext | None = None) -> str:
        """Why `model` is not called ("" when it is): ruled out for the
        request's needs or not configured (in `context`, the request's
        narrowed context by default), its provider rejected the key, or
        the request does not fit its window."""
        context = context or self.context
        if not context.is_available(model.id):
            why = context.why_unavailable(model.id)
            return f"{model.id}: {why}" if model.id in context.excluded else f"{model.id} is {why}"
        if model.provider in self.rejected_providers:
            return f"{model.provider} rejected its API key"
        if model.context_window < needed_tokens:
            return f"{model.id}'s window ({model.context_window:,}) cannot hold {needed_tokens:,} tokens"
        return ""

    def _budget(self) -> RequestBudget:
        budget = self.budget
        if budget is None:
            raise RuntimeError("calls run inside execute()")
        return budget

    def _permit(self, model_id: str, others: Sequence[str]) -> CallPermit | None:
        """Leave to call `model_id`; None to skip it because its circuit is
        open. When no other candidate left in the plan would be admitted
        either, the panic rule lets the call through (and says so)."""
        health = self.engine.health
        permit = health.acquire(model_id)
        if permit is not None or not health.config.panic_when_all_open:
            return permit
        if any(health.admits(other) for other in others):
            return None
        snapshot = health.breaker(model_id).snapshot()
        shut = ", ".join([model_id, *others])
        self.emit(BreakerBypassed(model_id, snapshot.state,
                                  f"panic: every candidate left ({shut}) has an open circuit; calling {model_id} "
                                  "anyway rather than failing (the circuit keeps its state)"))
        return health.force(model_id)

    def _retry_delay(self, error: ProviderError, retries_here: int) -> float | None:
        """How long to wait before retrying the same model, or None to move on."""
        policy = self.engine.resilience.retry
        budget = self._budget()
        if not policy.retries(error) or retries_here >= policy.retries_per_model or budget.attempts_left <= 0:
            return None
        delay = policy.delay_s(error, budget.retries_used, budget.rng)
        if delay is None or delay >= budget.remaining_s(asyncio.get_running_loop().time()):
            return None
        return delay

    async def _wait_retry(self, record: AttemptRecord, delay: float) -> None:
        error = record.error
        assert error is not None
        self.emit(RetryScheduled(record.attempt, record.model, delay, str(error.kind), error.retry_after_s))
        await asyncio.sleep(delay)
        self._budget().retries_used += 1
        self.retries += 1

    async def answer(self, route: RouteInput, plan: Sequence[str], *, role: CallRole = roles.ANSWER,
                     request: ChatRequest | None = None) -> Answer:
        """One answer from the first model of `plan` that gives one, with
        retries on the same model and fallbacks down the plan. Models skipped
        for an open circuit are tried last, through the panic rule, when the
        rest of the plan failed and the budget allows: an open circuit
        spares a model while others can answer, never at the cost of the
        answer itself."""
        engine = self.engine
        budget = self._budget()
        request = request or self.request
        # Count a side request (judge, router) once; the same messages (a
        # cascade tier asking for logprobs) reuse the request's count.
        if request is not self.request and request.messages != self.request.messages:
            route = engine.route_input(request)
        try:
            context = self.context_for(request, route)
        except NoRoute as exc:
            return Answer(None, ProviderError(exc.kind, str(exc)))
        needed = route.needed_tokens
        loop = asyncio.get_running_loop()
        last_error: ProviderError | None = None
        order = list(plan)
        deferred: list[str] = []  # skipped for an open circuit: revisited at the end
        revisiting = False
        index, retries_here = 0, 0
        previous: str | None = None
        while True:
            if index >= len(order):
                if not deferred or revisiting or not engine.health.config.panic_when_all_open:
                    break
                order, deferred, revisiting = order + deferred, [], True
            model = engine.catalog.get(order[index])
            skip = self.skip_reason(model, needed, context)
            if not skip and budget.remaining_s(loop.time()) <= 0:
                # Passed while the loop ran something else, before a
                # suspension let the request's timeout fire: the same error.
                last_error = last_error or self._deadline_error()
                break
            if not skip and budget.attempts_left <= 0:
                break
            permit = None
            if not skip:
                others = [m for m in order[index + 1:] if not self.skip_reason(engine.catalog.get(m), needed, context)]
                permit = self._permit(model.id, others)
                if permit is None:
                    snap = engine.health.breaker(model.id).snapshot()
                    skip = f"circuit OPEN for {model.id}" + (
                        f" (half-open in {snap.open_remaining_s:.1f}s)" if snap.open_remaining_s is not None
                        else " (half-open probes busy)")
                    if not revisiting:
                        deferred.append(model.id)
            if permit is None:
                self.emit(ModelSkipped(model.id, skip))
                last_error = last_error or ProviderError(ErrorKind.NO_MODEL, skip)
                index, retries_here = index + 1, 0
                continue
            if previous is not None and previous != model.id:
                self.fallbacks += 1
                self.emit(FallbackStarted(previous, model.id, str(last_error.message if last_error else "")))
            previous = model.id
            record = await self._attempt(model, route, permit, role, request)
            if record.error is None:
                return Answer(record, None)
            last_error = record.error
            if last_error.kind in _STOP_KINDS:
                break
            if last_error.kind is ErrorKind.AUTH:
                self.rejected_providers.add(model.provider)
            delay = self._retry_delay(last_error, retries_here)
            if delay is not None:
                await self._wait_retry(record, delay)
                retries_here += 1
                continue
            index, retries_here = index + 1, 0
        error = last_error or ProviderError(ErrorKind.NO_MODEL, "no model in the plan could be tried")
        if budget.attempts_left <= 0 and (index < len(order) or deferred):
            error = ProviderError(error.kind, f"{error.message} (attempt budget of {budget.policy.max_attempts} spent)",
                                  status=error.status, retry_after_s=error.retry_after_s, provider=error.provider)
        return Answer(None, error)

    async def _attempt(self, model: ModelSpec, route: RouteInput, permit: CallPermit, role: CallRole,
                       request: ChatRequest) -> AttemptRecord:
        """One call; the permit is given back whatever happens."""
        engine = self.engine
        budget = self._budget()
        budget.attempts_used += 1
        self._attempt_numbers += 1
        number = self._attempt_numbers
        record: AttemptRecord | None = None
        runner: AttemptRunner | None = None
        try:
            try:
                provider = await engine.provider_for(model)
            except ProviderError as error:
                record = AttemptRecord(number, model.id, model.provider, "failed", 0, 0, "estimate", 0.0, None, 0.0, "",
                                       error, role=role)
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
                listening=self.listening,
            )
            record = await runner.run()
            return record
        finally:
            final = record or (runner.record if runner is not None else None)
            if final is not None:
                self.attempts.append(final)
                permit.finish(final.error, final.latency_ms / 1000, final.ttft_ms)
            else:
                permit.release()
