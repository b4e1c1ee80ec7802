"""Everything a front end needs to start routing: the catalog, which
providers are reachable, and the simulator when nothing real is configured.

The engine never imports the simulator: the layer that launches a session
(`playground.launch`, used by the CLI, the TUI and the library) passes a
function that starts one (`SessionOptions.simulator`), so the library API
loads no server stack unless it simulates.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from playground.core.catalog import Catalog, default_catalog
from playground.core.errors import UserError
from playground.core.tokens import default_counter
from playground.engine.cache import CacheConfig
from playground.engine.health import HealthBoard
from playground.engine.runner import Engine, ResilienceConfig
from playground.engine.timeouts import Timeouts
from playground.providers.base import Endpoint
from playground.providers.endpoints import real_endpoints, simulated_endpoints
from playground.providers.http import HttpTimeouts
from playground.providers.pool import ProviderPool
from playground.strategies.base import RoutingContext


class Simulator(Protocol):
    """A running simulator, as the session needs it."""

    @property
    def base_url(self) -> str: ...

    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SimulatorSpec:
    """What to start: the port (0 picks a free one), time factor, faults, seed."""

    port: int = 0
    speed: float | None = None
    faults: str | None = None
    seed: int = 0


StartSimulator = Callable[[Catalog, SimulatorSpec], Simulator]


def http_timeouts(timeouts: Timeouts) -> HttpTimeouts:
    """The HTTP client's own limits: a backstop behind the engine's watchdog
    (`timeouts.StreamWatch`), never ahead of it. The watchdog waits up to
    `first_token_s` for the first chunk and `idle_s` between chunks, each
    excused once more when the event loop itself ran late; a read timeout of
    `idle_s`, as before, cut slow first tokens short of `first_token_s` and
    fired first whenever the loop was busy (a stalled stream reported as
    "request timed out" at load 11)."""
    read_s = 2 * max(timeouts.first_token_s, timeouts.idle_s) + 1.0
    return HttpTimeouts(connect_s=timeouts.connect_s, read_s=min(read_s, timeouts.total_s + 1.0))


@dataclass(frozen=True, slots=True)
class SessionOptions:
    force_sim: bool = False
    sim_speed: float | None = None
    sim_port: int = 0
    sim_faults: str | None = None
    seed: int = 0
    timeouts: Timeouts = field(default_factory=Timeouts)
    resilience: ResilienceConfig = field(default_factory=ResilienceConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    # Providers configured without a key (local servers such as Ollama).
    keyless_providers: frozenset[str] = frozenset()
    # Starts the simulator when no real provider is configured (or when
    # forced); given by the launching layer. None: real providers only.
    simulator: StartSimulator | None = None

    @property
    def simulator_spec(self) -> SimulatorSpec:
        return SimulatorSpec(self.sim_port, self.sim_speed, self.sim_faults, self.seed)


class Session:
    def __init__(
        self,
        catalog: Catalog,
        endpoints: dict[str, Endpoint],
        *,
        simulated: bool,
        sim_server: Simulator | None = None,
        timeouts: Timeouts | None = None,
        resilience: ResilienceConfig | None = None,
        seed: int = 0,
        cache: CacheConfig | None = None,
    ) -> None:
        self.catalog = catalog
        self.endpoints = endpoints
        self.simulated = simulated
        self.sim_server = sim_server
        self.timeouts = timeouts or Timeouts()
        self.resilience = resilience or ResilienceConfig()
        self.seed = seed
        self.cache = cache or CacheConfig()
        available = tuple(m for m in catalog.models.values() if m.provider in endpoints)
        reason = "not configured (no API key or base URL in the environment)"
        self.context = RoutingContext(catalog, available, reason)

    @classmethod
    def open(cls, options: SessionOptions | None = None, env: Mapping[str, str] | None = None,
             catalog: Catalog | None = None) -> Session:
        """Real providers from `env` (default `os.environ`), else the
        simulator `options.simulator` starts. Slow (a simulator start, the
        tokenizer's encoding): call it off the event loop."""
        options = options or SessionOptions()
        catalog = catalog or default_catalog()
        env = os.environ if env is None else env
        force_sim = options.force_sim or options.sim_faults is not None
        real = {} if force_sim else real_endpoints(catalog, env, options.keyless_providers)
        # Load the tokenizer's encoding now, not inside the first request.
        default_counter().method  # noqa: B018
        common = {"timeouts": options.timeouts, "resilience": options.resilience, "seed": options.seed,
                  "cache": options.cache}
        if real:
            return cls(catalog, real, simulated=False, **common)
        if options.simulator is None:
            raise UserError("no provider is configured (set a provider's API key such as OPENAI_API_KEY, or a "
                            "local provider's base URL) and this session cannot start the simulator")
        server = options.simulator(catalog, options.simulator_spec)
        return cls(catalog, simulated_endpoints(catalog, server.base_url), simulated=True, sim_server=server, **common)

    @property
    def mode_label(self) -> str:
        if self.simulated:
            where = self.sim_server.base_url if self.sim_server else "simulator"
            return (f"SIMULATED: built-in simulator at {where} (no API keys set; answers, costs and timings are "
                    f"simulated)")
        names = ", ".join(sorted(self.endpoints))
        return f"LIVE: real providers ({names}); calls cost real money"

    def make_engine(self, *, health: HealthBoard | None = None) -> Engine:
        """Create inside the event loop that will run requests: the pool's
        HTTP client belongs to that loop. `health` shares breaker and
        endpoint state between engines (it is not bound to a loop)."""
        http = http_timeouts(self.timeouts)
        pool = ProviderPool(self.endpoints, http)
        return Engine(self.catalog, pool, self.context, simulated=self.simulated, timeouts=self.timeouts,
                      resilience=self.resilience, seed=self.seed, cache=self.cache, health=health)

    def close(self) -> None:
        if self.sim_server is not None:
            self.sim_server.stop()
            self.sim_server = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
