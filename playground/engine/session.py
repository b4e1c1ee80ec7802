"""Everything a front end needs to start routing: the catalog, which
providers are reachable, and the simulator when nothing real is configured."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from playground.core.catalog import Catalog, default_catalog
from playground.engine.cache import CacheConfig
from playground.engine.health import HealthBoard
from playground.engine.runner import Engine, ResilienceConfig
from playground.engine.timeouts import Timeouts
from playground.providers.base import Endpoint
from playground.providers.endpoints import real_endpoints, simulated_endpoints
from playground.providers.http import HttpTimeouts
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext


@dataclass(frozen=True, slots=True)
class SessionOptions:
    force_sim: bool = False
    sim_speed: float | None = None
    sim_port: int = 0
    sim_faults: str | None = None
    seed: int = 0
    timeouts: Timeouts = Timeouts()
    resilience: ResilienceConfig = ResilienceConfig()
    cache: CacheConfig = CacheConfig()
    # Providers configured without a key (local servers such as Ollama).
    keyless_providers: frozenset[str] = frozenset()


class Session:
    def __init__(
        self,
        catalog: Catalog,
        endpoints: dict[str, Endpoint],
        *,
        simulated: bool,
        sim_server: SimServer | None = None,
        timeouts: Timeouts = Timeouts(),
        resilience: ResilienceConfig = ResilienceConfig(),
        seed: int = 0,
        cache: CacheConfig = CacheConfig(),
    ) -> None:
        self.catalog = catalog
        self.endpoints = endpoints
        self.simulated = simulated
        self.sim_server = sim_server
        self.timeouts = timeouts
        self.resilience = resilience
        self.seed = seed
        self.cache = cache
        available = tuple(m for m in catalog.models.values() if m.provider in endpoints)
        reason = "not configured (no API key or base URL in the environment)"
        self.context = RoutingContext(catalog, available, reason)

    @classmethod
    def open(cls, options: SessionOptions = SessionOptions(), env: Mapping[str, str] | None = None,
             catalog: Catalog | None = None) -> Session:
        catalog = catalog or default_catalog()
        env = os.environ if env is None else env
        force_sim = options.force_sim or options.sim_faults is not None
        real = {} if force_sim else real_endpoints(catalog, env, options.keyless_providers)
        common = {"timeouts": options.timeouts, "resilience": options.resilience, "seed": options.seed,
                  "cache": options.cache}
        if real:
            return cls(catalog, real, simulated=False, **common)
        server = SimServer(catalog=catalog, port=options.sim_port, speed=options.sim_speed,
                           faults=options.sim_faults, seed=options.seed)
        server.start()
        return cls(catalog, simulated_endpoints(catalog, server.base_url), simulated=True, sim_server=server, **common)

    @property
    def mode_label(self) -> str:
        if self.simulated:
            where = self.sim_server.base_url if self.sim_server else "simulator"
            return f"SIMULATED: built-in simulator at {where} (no API keys set; answers, costs and timings are simulated)"
        names = ", ".join(sorted(self.endpoints))
        return f"LIVE: real providers ({names}); calls cost real money"

    def make_engine(self, *, health: HealthBoard | None = None) -> Engine:
        """Create inside the event loop that will run requests: the pool's
        HTTP client belongs to that loop. `health` shares breaker and
        endpoint state between engines (it is not bound to a loop)."""
        pool = ProviderPool(self.endpoints, HttpTimeouts(connect_s=self.timeouts.connect_s, read_s=self.timeouts.idle_s))
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
