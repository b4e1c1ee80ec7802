"""bench/loop_trace.py: what held the event loop, and what a slow key or last token waited for."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

LOOP_TRACE = Path(__file__).resolve().parents[2] / "bench" / "loop_trace.py"


def load_loop_trace() -> Any:
    spec = importlib.util.spec_from_file_location("loop_trace_under_test", LOOP_TRACE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def busy_callback(ms: float) -> None:
    """Holds the loop at least `ms` (only longer on a loaded machine)."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def traced(trace: Any, scenario: Callable[[], Coroutine[Any, Any, None]]) -> dict[str, Any]:
    """Run `scenario` on a new loop under `trace`; its report."""
    trace.start()
    try:
        asyncio.run(scenario())
    finally:
        trace.stop()
    return trace.report()


def test_a_slow_key_is_reported_with_the_callback_it_waited_for() -> None:
    trace = load_loop_trace().LoopTrace(threshold_ms=15.0, timeline_ms=2.0)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        handled = asyncio.Event()
        # A key's first hop is queued behind a callback that holds the loop.
        sent = time.perf_counter()
        loop.call_soon(busy_callback, 30.0)
        loop.call_soon(handled.set)
        await handled.wait()
        trace.key(sent, (time.perf_counter() - sent) * 1000)
        fast_sent = time.perf_counter()
        await asyncio.sleep(0)
        trace.key(fast_sent, (time.perf_counter() - fast_sent) * 1000)

    report = traced(trace, scenario)
    slowest = report["slowest_keys"]
    assert slowest[0]["ms"] >= 30
    assert any("busy_callback" in line for line in slowest[0]["waited_for"]), slowest
    assert any(kind.startswith("busy_callback") for kind, *_ in report["long_kinds"]), report["long_kinds"]
    # The key sent after the callback ended did not wait for it, however slow the machine.
    fast = next(key for key in slowest if not any("busy_callback" in line for line in key["waited_for"]))
    assert len(slowest) == 2 and fast is not slowest[0]


def test_the_slowest_and_the_median_last_tokens_name_what_they_waited_for() -> None:
    trace = load_loop_trace().LoopTrace(threshold_ms=15.0, timeline_ms=2.0)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        for hold_ms in (0.0, 0.0, 0.0, 30.0, 0.0):  # one token's frame queued behind a busy callback
            shown = asyncio.Event()
            arrived = time.perf_counter()
            if hold_ms:
                loop.call_soon(busy_callback, hold_ms)
            loop.call_soon(shown.set)
            await shown.wait()
            trace.lag(arrived, (time.perf_counter() - arrived) * 1000)

    report = traced(trace, scenario)
    slowest, median = report["slowest_lags"], report["median_lags"]
    assert len(slowest) == 5 and slowest[0]["ms"] >= 30
    assert any("busy_callback" in line for line in slowest[0]["waited_for"]), slowest
    # The three around the median are the quick ones: none waited for the busy callback.
    assert len(median) == 3 and all(entry["ms"] < 30 for entry in median)
    assert not any("busy_callback" in line for entry in median for line in entry["waited_for"]), median
