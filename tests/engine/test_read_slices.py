"""An attempt's read loop lets the event loop run others during a burst of
buffered chunks (engine/attempt.py `READ_SLICE_S`): with eight fast streams
in the TUI, one burst parsed in one step held keys and frames for up to
90 ms. Real HTTP to the simulator; only the read loop's clock is replaced."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

import pytest

from playground.core.catalog import default_catalog
from playground.core.events import Event, TextDelta
from playground.core.messages import ChatRequest
from playground.engine import attempt
from playground.engine.runner import Engine
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
PROMPT = "Write a long, detailed essay on distributed consensus: Paxos, Raft and their failure modes."


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    # Far faster than the client parses: the chunks arrive in bursts.
    with SimServer(port=0, speed=1000) as sim:
        yield sim


async def loop_turns_at_each_delta(base_url: str) -> list[int]:
    """Stream one answer while a task counts the event loop's turns; the
    count as each text delta was emitted."""
    turns = 0

    async def count() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    seen: list[int] = []

    def emit(event: Event) -> None:
        if isinstance(event, TextDelta):
            seen.append(turns)

    engine = Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, base_url)), RoutingContext.for_all(CATALOG),
                    simulated=True)
    counter = asyncio.ensure_future(count())
    try:
        result = await engine.run(make_strategy("fixed", CATALOG, {"model": "gpt-5-mini"}),
                                  ChatRequest.from_prompt(PROMPT, max_output_tokens=400), emit)
    finally:
        counter.cancel()
        await engine.pool.aclose()
    assert result.text and len(seen) > 50
    return seen


async def test_a_burst_past_its_slice_yields_before_each_chunk(server: SimServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]

    def slow_clock() -> float:
        now[0] += 1.0  # every reading a second on: every chunk is past the slice
        return now[0]

    monkeypatch.setattr(attempt, "clock", slow_clock)
    seen = await loop_turns_at_each_delta(server.base_url)
    assert all(later > earlier for earlier, later in itertools.pairwise(seen))


async def test_within_its_slice_a_burst_is_read_in_one_go(server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: without slicing, the same stream's deltas come in bursts
    with no turn of the loop between them (what the slice breaks up)."""
    monkeypatch.setattr(attempt, "clock", lambda: 0.0)
    seen = await loop_turns_at_each_delta(server.base_url)
    assert sum(later == earlier for earlier, later in itertools.pairwise(seen)) > 10
