"""Run a tuned policy in your own code: the same strategies, engine,
retries, fallbacks, circuit breakers and cost accounting as the playground.

```python
from playground import Router

async with Router.from_file("policy.toml") as router:
    done = await router.complete("Why is the sky blue?", max_tokens=200)
    print(done.model, done.reason, f"${done.cost_usd:.6f}")
    print(done.text)

    async for event in router.stream([{"role": "user", "content": "Hi"}]):
        ...  # Decided, AttemptStarted, FirstToken, TextDelta..., RequestFinished

router = Router.from_file("policy.toml")
print(router.complete_sync("Hello").text)  # no event loop needed
router.close()
```

Events users usually care about (all in `playground.core.events`, frozen
dataclasses), in the order they arrive:

- `Decided(strategy, decision, decide_ms)`: the model the strategy chose and
  why (`decision.reason`, `decision.trace()`). Always first.
- `AttemptStarted(attempt, model, provider, simulated, role)`: a call begins
  (retries and fallbacks are new attempts; `role` names side calls such as
  "judge", "router" or "embedding").
- `FirstToken(attempt, ttft_ms)`, then `TextDelta(attempt, text)` for every
  chunk. Deltas carry their attempt number: the answer is the text of
  `RequestFinished.result.final.attempt`. A stream cut after its first
  tokens has already delivered that partial text before the
  `FallbackStarted`, and an ensemble streams several members at once.
- `UsageReported(attempt, input_tokens, output_tokens, source)`.
- `AttemptFinished(record)` / `AttemptFailed(record)`: the attempt's
  `AttemptRecord` with its cost and error.
- `RetryScheduled`, `FallbackStarted(from_model, to_model, reason)`,
  `ModelSkipped(model, reason)` (open circuit, window too small),
  `BreakerChanged(endpoint, old, new, reason)`, `Verdict` (ensembles,
  cascades, the router model, the cache).
- `RequestFinished(result)`: always last, success or not; `result` is the
  `RequestResult` with every attempt's tokens and cost.
  `Completion.from_result(result)` turns it into what `complete` returns.

Lifecycle: the HTTP pool belongs to the event loop it was created in, so the
router keeps one engine per event loop, created on first use in that loop;
when that loop ends (`asyncio.run` returns) the engine's connections are
closed with it. Circuit breakers, endpoint health and the semantic cache
belong to the router and are shared by all of its engines, so they carry
over between `complete` calls in one loop, across loops, and between
`complete_sync` calls alike. `complete_sync` runs on a private event loop
per calling thread that stays open between calls (connections are reused).
`close()` / `aclose()` (or leaving `with` / `async with`) closes the
connections, ends those private loops and stops the simulator if the router
started one; a closed router raises `RouterClosed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Unpack

from playground.config.build import Settings
from playground.config.load import parse_policy_text
from playground.core.decision import Decision
from playground.core.errors import UserError
from playground.core.events import Event, RequestResult
from playground.core.tokens import default_counter
from playground.engine.cache import SemanticCache
from playground.engine.health import HealthBoard
from playground.engine.inline import inline_events
from playground.engine.runner import Engine
from playground.engine.session import Session
from playground.launch import open_session
from playground.library.messages import Messages, RequestExtras, to_request
from playground.library.results import Completion, RouterClosed
from playground.providers.endpoints import real_endpoints
from playground.strategies.base import RouteInput, RoutingContext, Strategy, decide_within_needs
from playground.strategies.registry import make_strategy, strategy_class


class Router:
    """A policy, ready to answer requests. See the module docs for events
    and lifecycle. One router may serve many tasks and several threads at
    once (`complete_sync` from a thread pool): its breakers, endpoint health
    and cache are locked, and its strategy decides for one request at a time."""

    def __init__(self, settings: Settings, *, strategy: str | None = None, env: Mapping[str, str] | None = None,
                 simulate: bool | None = None, sim_speed: float | None = None, sim_faults: str | None = None,
                 seed: int = 0, source: str | None = None) -> None:
        """`simulate`: None uses the real providers whose keys are in `env`
        (default `os.environ`) and the built-in simulator when there are
        none; True always simulates; False refuses to simulate.
        `sim_faults` (fault syntax, e.g. "sim-gpt-4o:down=1") forces the
        simulator. `strategy` runs another strategy than `[router] strategy`,
        with the parameters the policy gives it."""
        if simulate is False and sim_faults is not None:
            raise UserError("sim_faults needs the simulator; do not combine it with simulate=False")
        self.settings = settings
        self.source = source
        self.strategy_name = strategy or settings.router_strategy
        strategy_class(self.strategy_name)  # an unknown name fails here, naming the choices
        # One instance for every request, as in the playground: stateful
        # strategies (A/B tallies, load balancing) keep their state.
        self.strategy: Strategy = make_strategy(self.strategy_name, settings.catalog,
                                                settings.values_for(self.strategy_name))
        self._env = env  # read once, when the session opens; never shown
        self._simulate = simulate
        self._sim_speed = sim_speed
        self._sim_faults = sim_faults
        self._seed = seed
        # Loop-independent state shared by every engine of this router.
        self.health = HealthBoard(settings.resilience.breaker)
        self._cache = SemanticCache(settings.cache)
        # One strategy instance decides for every thread: stateful ones (A/B
        # tallies, load balancing) are not locked themselves.
        self._decide_lock = threading.Lock()
        self._session: Session | None = None
        self._engines: dict[asyncio.AbstractEventLoop, tuple[Engine, AsyncGenerator[None, None]]] = {}
        self._runners: list[asyncio.Runner] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._closed = False

    # --- construction ------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, strategy: str | None = None,
                  env: Mapping[str, str] | None = None, simulate: bool | None = None,
                  sim_speed: float | None = None, sim_faults: str | None = None, seed: int = 0) -> Router:
        """Load a policy file (the config file's schema, as `playground export
        toml` writes it). `PLAYGROUND_<SECTION>__<KEY>` variables in `env`
        override it as they do the config file. A file that does not
        validate raises `ConfigError` naming the file, line and key."""
        file = Path(path).expanduser()
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read policy file {file}: {exc}") from None
        environ = os.environ if env is None else env
        settings = parse_policy_text(text, str(file), environ)
        return cls(settings, strategy=strategy, env=env, simulate=simulate, sim_speed=sim_speed,
                   sim_faults=sim_faults, seed=seed, source=str(file))

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Router:
        return cls(settings, **kwargs)

    @classmethod
    def from_text(cls, text: str, *, origin: str = "<policy>", env: Mapping[str, str] | None = None,
                  **kwargs: Any) -> Router:
        """A policy given as TOML text (e.g. embedded in your app)."""
        environ = os.environ if env is None else env
        return cls(parse_policy_text(text, origin, environ), env=env, source=origin, **kwargs)

    def __repr__(self) -> str:
        if self._closed:
            mode = "closed"
        elif self._session is None:
            mode = "not started"
        else:
            mode = "simulated" if self._session.simulated else "live: " + ", ".join(sorted(self._session.endpoints))
        return f"Router(strategy={self.strategy_name!r}, source={self.source!r}, mode={mode!r})"

    # --- session and engines -----------------------------------------------

    @property
    def session(self) -> Session:
        """The providers in use; opened (and the simulator started) on first use."""
        if self._closed:
            raise RouterClosed("this Router is closed; create a new one")
        with self._lock:
            if self._session is None:
                env = os.environ if self._env is None else self._env
                if self._simulate is False and not real_endpoints(self.settings.catalog, env,
                                                                  self.settings.keyless_providers):
                    raise UserError("simulate=False but no provider is configured: set a provider's API key "
                                    "(e.g. OPENAI_API_KEY) or configure a keyless local provider in the policy")
                options = self.settings.session_options(
                    force_sim=bool(self._simulate), sim_speed=self._sim_speed, sim_faults=self._sim_faults,
                    seed=self._seed)
                self._session = open_session(options, env=env, catalog=self.settings.catalog)
            return self._session

    def _open(self) -> None:
        """Open the session and load the tokenizer (both block: run in a thread)."""
        _ = self.session
        _ = default_counter().method

    @property
    def simulated(self) -> bool:
        return self.session.simulated

    @property
    def mode_label(self) -> str:
        return self.session.mode_label

    async def _engine(self) -> Engine:
        """This loop's engine, created on first use in it."""
        loop = asyncio.get_running_loop()
        # Opening may start the simulator (up to a second): not on the loop.
        # The tokenizer's encoding (~0.4 s to load, once per process) is loaded
        # there too, not inside the first request.
        if self._session is None:
            await asyncio.to_thread(self._open)
        session = self.session
        with self._lock:
            held = self._engines.get(loop)
            if held is not None:
                return held[0]
            for stale in [lp for lp in self._engines if lp.is_closed()]:
                del self._engines[stale]  # its loop is gone, and with it the pool's connections
            engine = session.make_engine(health=self.health)
            engine.cache = self._cache
            engine.decide_lock = self._decide_lock
            keeper = _close_at_loop_end(engine)
            self._engines[loop] = (engine, keeper)
        await keeper.__anext__()
        return engine

    def _context(self) -> RoutingContext:
        return replace(self.session.context, health=self.health)

    # --- requests ----------------------------------------------------------

    def decide(self, messages: Messages, *, max_tokens: int = 1024, system: str | None = None,
               user: str | None = None, session_id: str | None = None,
               **extras: Unpack[RequestExtras]) -> Decision:
        """What the strategy would choose, and why (`decision.reason`,
        `decision.trace()`), without calling any model. Uses the router's
        strategy instance and live breaker state, as `complete` does; a
        stateful strategy (an A/B test without a sticky id, load balancing)
        advances its state. The learned router needs the prompt's embedding
        (a paid call) and cannot decide here."""
        if self.strategy.needs_embedding:
            raise UserError(f"{self.strategy_name}: deciding needs the prompt's embedding, which is a paid "
                            f"embeddings call; use complete() or stream() and read the Decided event")
        request = to_request(messages, max_tokens=max_tokens, system=system, user=user, session_id=session_id,
                             **extras)
        route = RouteInput.measure(request, default_counter())
        with self._decide_lock:
            return decide_within_needs(self.strategy, route, self._context())[0]

    async def complete(self, messages: Messages, *, max_tokens: int = 1024, system: str | None = None,
                       user: str | None = None, session_id: str | None = None, temperature: float | None = None,
                       use_cache: bool | None = None, **extras: Unpack[RequestExtras]) -> Completion:
        """Route and answer one request. Raises `RoutingError` (carrying the
        `RequestResult` with every attempt's cost) when no model answered
        after retries and fallbacks. `use_cache` None follows the policy's
        `[cache] enabled`."""
        request = to_request(messages, max_tokens=max_tokens, system=system, user=user, session_id=session_id,
                             temperature=temperature, **extras)
        result = await (await self._engine()).run(self.strategy, request, use_cache=use_cache)
        return Completion.from_result(result)

    async def run(self, messages: Messages, *, max_tokens: int = 1024, system: str | None = None,
                  user: str | None = None, session_id: str | None = None, temperature: float | None = None,
                  use_cache: bool | None = None, **extras: Unpack[RequestExtras]) -> RequestResult:
        """As `complete`, but returns the engine's `RequestResult` and never
        raises for a failed request (see `result.error`)."""
        request = to_request(messages, max_tokens=max_tokens, system=system, user=user, session_id=session_id,
                             temperature=temperature, **extras)
        return await (await self._engine()).run(self.strategy, request, use_cache=use_cache)

    def stream(self, messages: Messages, *, max_tokens: int = 1024, system: str | None = None,
               user: str | None = None, session_id: str | None = None,
               temperature: float | None = None, **extras: Unpack[RequestExtras]) -> AsyncGenerator[Event, None]:
        """The engine's events for one request (see the module docs): first
        `Decided`, last `RequestFinished`, whose `result.error` says whether
        it failed (nothing is raised for a failed request). Closing the
        generator before its end (`aclose()`, `contextlib.aclosing`)
        cancels the run; its cancelled attempt is still recorded."""

        async def run(emit: Callable[[Event], None]) -> RequestResult:
            # Inside the generator, as before: a bad request raises at the
            # first step of iteration, not when `stream()` is called.
            request = to_request(messages, max_tokens=max_tokens, system=system, user=user, session_id=session_id,
                                 temperature=temperature, **extras)
            engine = await self._engine()
            return await engine.run(self.strategy, request, emit)

        # The engine's own event generator, not one wrapped in another: each
        # event crosses one generator on its way to the caller.
        return inline_events(run)

    def complete_sync(self, messages: Messages, **kwargs: Any) -> Completion:
        """`complete` for code without an event loop. Runs on this thread's
        private loop, which stays open between calls (connections, breakers
        and the cache carry over) until `close()`."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("complete_sync() cannot be called from a running event loop (it would block it); "
                               "use `await router.complete(...)` instead")
        return self._runner().run(self.complete(messages, **kwargs))

    def _runner(self) -> asyncio.Runner:
        if self._closed:
            raise RouterClosed("this Router is closed; create a new one")
        runner = getattr(self._local, "runner", None)
        if runner is None:
            runner = asyncio.Runner()
            self._local.runner = runner
            with self._lock:
                self._runners.append(runner)
        return runner

    # --- lifecycle ---------------------------------------------------------

    async def aclose(self) -> None:
        """Close this loop's connections, end `complete_sync`'s loops and stop
        the simulator if this router started one. Idempotent."""
        if self._closed:
            return
        with self._lock:
            held = self._engines.pop(asyncio.get_running_loop(), None)
        if held is not None:
            await held[1].aclose()  # closes the engine's connection pool
        await asyncio.to_thread(self._shutdown)

    def close(self) -> None:
        """As `aclose` for synchronous code. Called inside a running loop, the
        loop's connections are closed in the background; prefer `aclose`."""
        if self._closed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._shutdown()
            return
        with self._lock:
            held = self._engines.pop(loop, None)
        if held is not None:
            task = loop.create_task(held[1].aclose())
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)
        # Runners cannot be driven from a thread whose loop is running.
        worker = threading.Thread(target=self._shutdown, name="router-close")
        worker.start()
        worker.join()

    def _shutdown(self) -> None:
        """Runs where no event loop is running."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            runners, self._runners = self._runners, []
            self._engines = {}
            session, self._session = self._session, None
        for runner in runners:
            # Never started, or busy in another thread right now: RuntimeError.
            with contextlib.suppress(RuntimeError):
                runner.close()  # ends its loop's async generators: the keeper closes that engine's pool
        if session is not None:
            session.close()

    async def __aenter__(self) -> Router:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


async def _close_at_loop_end(engine: Engine) -> AsyncGenerator[None, None]:
    """Parked at its `yield` for the life of the engine's loop. `asyncio.run`
    and `asyncio.Runner` close a loop's unfinished async generators before
    closing the loop, so the pool's connections are closed in that loop
    even when the router is not (`aclose` closes it earlier)."""
    try:
        yield
    finally:
        await engine.pool.aclose()


# Strong references to fire-and-forget close tasks until they finish.
_BACKGROUND: set[asyncio.Task[None]] = set()
