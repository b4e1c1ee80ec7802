"""What holds the event loop: every callback's duration, and where the loop
was while a callback ran long (for `bench_tui.py --loop-trace`).

Why: a key press that arrives while a callback runs waits for it, so the key
p99 follows the longest callbacks, not the average. Each callback is timed
(`Handle._run` wrapped); a watchdog thread samples the loop thread's stack
every few milliseconds while the current callback has run longer than
`threshold_ms`, so the report names what the long ones were doing. Keys
timed by the caller (`key(sent, ms)`) are reported with every callback of
`timeline_ms` or more that ran while the slowest of them waited; so are the
columns' last tokens (`lag(last_token, ms)`: the slowest and the median ones).
"""

from __future__ import annotations

import asyncio.events
import sys
import threading
import time
from collections import Counter
from typing import Any

_ORIGINAL_RUN = asyncio.events.Handle._run


class LoopTrace:
    """Install with `start()`, read `report()` after `stop()`."""

    def __init__(self, threshold_ms: float = 15.0, sample_every_s: float = 0.002, depth: int = 14,
                 timeline_ms: float = 2.0) -> None:
        self.threshold_s = threshold_ms / 1000
        self.timeline_s = timeline_ms / 1000
        # (start, wall ms, CPU ms, what) of each callback of timeline_ms or more, in order.
        self.timeline: list[tuple[float, float, float, str]] = []
        self.keys: list[tuple[float, float]] = []  # (sent, ms until handled)
        self.lags: list[tuple[float, float]] = []  # (last token at the engine, ms until on screen)
        self.sample_every_s = sample_every_s
        self.depth = depth
        self.durations_ms: list[float] = []
        self.cpu_ms: list[float] = []  # the loop thread's CPU time per callback (load hardly moves it)
        self.long: list[tuple[float, float, str]] = []  # (ms, CPU ms, what the callback was)
        self.stacks: Counter[tuple[str, ...]] = Counter()
        self.leaves: Counter[str] = Counter()
        self._started_at = 0.0
        self._running = False
        self._thread: threading.Thread | None = None
        self._loop_ident = 0
        self.enabled = False

    def start(self) -> None:
        trace = self
        self._loop_ident = threading.get_ident()

        def _run(handle: Any) -> None:
            if not trace.enabled:
                return _ORIGINAL_RUN(handle)
            cpu = time.thread_time()
            trace._started_at = start = time.perf_counter()
            trace._running = True
            try:
                return _ORIGINAL_RUN(handle)
            finally:
                trace._running = False
                took = time.perf_counter() - start
                cpu = (time.thread_time() - cpu) * 1000
                trace.durations_ms.append(took * 1000)
                trace.cpu_ms.append(cpu)
                if took >= trace.timeline_s or took >= trace.threshold_s:  # CPU time never exceeds wall
                    what = _describe(handle)
                    if took >= trace.timeline_s:
                        trace.timeline.append((start, took * 1000, cpu, what))
                    if took >= trace.threshold_s:
                        trace.long.append((took * 1000, cpu, what))

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]
        self.enabled = True
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.enabled = False
        asyncio.events.Handle._run = _ORIGINAL_RUN  # type: ignore[method-assign]
        if self._thread is not None:
            self._thread.join(timeout=1)

    def _watch(self) -> None:
        while self.enabled:
            time.sleep(self.sample_every_s)
            if self._running and time.perf_counter() - self._started_at >= self.threshold_s:
                frame = sys._current_frames().get(self._loop_ident)
                stack: list[str] = []
                while frame is not None and len(stack) < self.depth:
                    code = frame.f_code
                    stack.append(f"{code.co_filename.rsplit('/', 2)[-1]}:{code.co_qualname}")
                    frame = frame.f_back
                if stack:
                    self.stacks[tuple(stack)] += 1
                    self.leaves[stack[0]] += 1

    def key(self, sent: float, ms: float) -> None:
        """A key sent at `sent` (perf_counter) was handled `ms` later."""
        self.keys.append((sent, ms))

    def lag(self, last_token: float, ms: float) -> None:
        """A column's last token reached the engine at `last_token` (perf_counter) and the screen `ms` later."""
        self.lags.append((last_token, ms))

    def slowest_keys(self, top: int = 5) -> list[dict[str, Any]]:
        """The slowest keys, each with the callbacks that ran while it waited."""
        return self._waited_for(self.keys, top)

    def _waited_for(self, timed: list[tuple[float, float]], top: int) -> list[dict[str, Any]]:
        """The `top` slowest of `timed` (start, ms), each with the callbacks that ran while it waited."""
        slowest = sorted(timed, key=lambda k: -k[1])[:top]
        return [{"ms": round(ms, 1),
                 "waited_for": [f"{(start - sent) * 1000:+.1f} ms: {what}, {took:.1f} ms ({cpu:.1f} CPU)"
                                for start, took, cpu, what in self.timeline
                                if sent - took / 1000 <= start <= sent + ms / 1000]}
                for sent, ms in slowest]

    @staticmethod
    def _middle(timed: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """The three around the median (what a typical one waited for)."""
        ordered = sorted(timed, key=lambda k: k[1])
        half = len(ordered) // 2
        return ordered[max(0, half - 1):half + 2]

    def report(self, top: int = 12) -> dict[str, Any]:
        def pct(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")

        kinds: dict[str, list[float]] = {}
        for _, cpu, what in self.long:
            kinds.setdefault(what, []).append(cpu)
        by_kind = sorted(kinds.items(), key=lambda kv: -sum(kv[1]))[:top]
        return {
            "callbacks": len(self.durations_ms),
            "wall_p50_ms": pct(self.durations_ms, 50), "wall_p99_ms": pct(self.durations_ms, 99),
            "wall_p999_ms": pct(self.durations_ms, 99.9), "wall_max_ms": max(self.durations_ms, default=float("nan")),
            "cpu_p50_ms": pct(self.cpu_ms, 50), "cpu_p99_ms": pct(self.cpu_ms, 99),
            "cpu_p999_ms": pct(self.cpu_ms, 99.9), "cpu_max_ms": max(self.cpu_ms, default=float("nan")),
            "over_threshold": len(self.long),
            "cpu_over_30ms": sum(1 for d in self.cpu_ms if d >= 30),
            # Per kind of long callback: how many, their CPU p50 / max and total (ms).
            "long_kinds": [[what, len(cpus), round(pct(cpus, 50), 1), round(max(cpus), 1), round(sum(cpus))]
                           for what, cpus in by_kind],
            "sampled_leaves": self.leaves.most_common(top * 2),
            "sampled_stacks": [[" < ".join(stack), n] for stack, n in self.stacks.most_common(top)],
            "slowest_keys": self.slowest_keys(),
            "slowest_lags": self._waited_for(self.lags, 5),
            "median_lags": self._waited_for(self._middle(self.lags), 3),
        }


def _describe(handle: Any) -> str:
    """The callback's name: for a task step, the task's coroutine."""
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        name = getattr(coro, "__qualname__", type(coro).__name__)
        label = owner.get_name()
        return f"task {name}" + ("" if label.startswith("Task-") else f" ({label[:40]})")
    return getattr(callback, "__qualname__", repr(callback))[:80]
