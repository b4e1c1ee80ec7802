"""One Router (and so one set of breakers, endpoint health and cache) used
from 8 threads at once: every count comes back to zero, nothing raises."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from playground import Router
from playground.core.catalog import default_catalog
from playground.engine.cache import CacheConfig, SemanticCache

CATALOG = default_catalog()
POLICY = """\
[router]
strategy = "complexity"

[cache]
enabled = true
max_entries = 20
"""


def test_one_router_answers_from_eight_threads_and_every_count_comes_back() -> None:
    prompts = [f"What is {n} squared? Answer briefly." for n in range(12)]
    with Router.from_text(POLICY, simulate=True, sim_speed=40) as router:
        def ask(i: int) -> str:
            return router.complete_sync(prompts[i % len(prompts)], max_tokens=24).text

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(48)))
        assert all(answers)
        assert all(router.health.in_flight(model) == 0 for model in [*CATALOG.models, *CATALOG.embedding_models])
        assert len(router._engines) == 8  # one loop and engine per thread, sharing the router's state
        assert len(router._cache) <= 20


def test_the_cache_is_safe_from_eight_threads() -> None:
    cache = SemanticCache(CacheConfig(enabled=True, max_entries=50, ttl_s=0.05, similarity_threshold=0.9))
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def hammer(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            for i in range(1_500):
                vector = [rng.random() for _ in range(16)]
                cache.store(f"s{seed % 2}", f"prompt {rng.randrange(200)}", vector, "text", "m")
                cache.similar(f"s{seed % 2}", vector)
                cache.exact(f"s{seed % 2}", f"prompt {i % 200}")
                if i % 500 == 0:
                    len(cache)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 50
