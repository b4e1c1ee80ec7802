"""The stream watchdog: a gap is measured from the last chunk, and a loop
that was too busy to read (its timer ran late) is not taken for a stalled
stream, within bounds."""

from __future__ import annotations

import asyncio
import time

import pytest

from playground.engine.timeouts import StreamWatch, Timeouts


async def watched(timeouts: Timeouts, chunks_every: float | None = None, chunks: int = 0,
                  block_at: float | None = None, block_for: float = 0.0) -> tuple[str | None, float]:
    """Run a watched wait; return the phase that expired and when (seconds)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    if block_at is not None:
        loop.call_later(block_at, time.sleep, block_for)  # the loop is busy (blocked) meanwhile
    watch = StreamWatch(timeouts)
    try:
        for _ in range(chunks):
            await asyncio.sleep(chunks_every or 0)
            watch.touch()
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        assert watch.claim()
        return watch.expired, loop.time() - started
    finally:
        watch.stop()
    return None, loop.time() - started


async def test_no_first_chunk_expires_at_the_first_token_deadline() -> None:
    phase, elapsed = await watched(Timeouts(first_token_s=0.2, idle_s=5))
    assert phase == "first token" and 0.2 <= elapsed < 2


async def test_a_gap_after_chunks_is_measured_from_the_last_chunk() -> None:
    phase, elapsed = await watched(Timeouts(first_token_s=5, idle_s=0.3), chunks_every=0.1, chunks=5)
    assert phase == "idle" and 0.8 <= elapsed < 4  # 5 chunks over ~0.5 s, then 0.3 s of silence


async def test_a_first_chunk_after_the_idle_gap_still_has_its_stall_caught_after_the_idle_gap() -> None:
    # The timer first fires at 0.3 s (the earliest either limit could be
    # reached), finds no chunk and moves to the 3 s first-token deadline; the
    # chunk at 0.5 s must bring it back, so the silence after it expires at
    # ~0.8 s, not at 3 s.
    phase, elapsed = await watched(Timeouts(first_token_s=3, idle_s=0.3), chunks_every=0.5, chunks=1)
    assert phase == "idle" and 0.8 <= elapsed < 2.5


async def test_a_first_chunk_before_the_idle_gap_keeps_the_one_timer() -> None:
    # First chunk at 0.1 s, before the first timer (0.3 s) is due: silence
    # after it is still caught 0.3 s after the last chunk.
    phase, elapsed = await watched(Timeouts(first_token_s=3, idle_s=0.3), chunks_every=0.1, chunks=1)
    assert phase == "idle" and 0.4 <= elapsed < 2.5


async def test_a_late_timer_forgives_the_gap_for_as_long_as_it_was_late_once() -> None:
    # The loop is blocked from 0.1 s to 0.6 s: the 0.2 s deadline's timer runs ~0.4 s late.
    phase, elapsed = await watched(Timeouts(first_token_s=0.2, idle_s=5), block_at=0.1, block_for=0.5)
    assert phase == "first token"
    assert elapsed >= 0.75  # forgiven for min(lateness, 0.2 s) more, not expired at once at 0.6 s
    assert elapsed < 5  # but forgiven within bounds


async def test_the_total_deadline_is_never_extended() -> None:
    phase, elapsed = await watched(Timeouts(first_token_s=5, idle_s=5, total_s=0.3), block_at=0.1, block_for=0.5)
    assert phase == "total" and elapsed < 2


async def test_a_cancellation_from_elsewhere_is_not_claimed() -> None:
    async def victim() -> bool:
        watch = StreamWatch(Timeouts(first_token_s=5))
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            return watch.claim()
        finally:
            watch.stop()
        return False

    task = asyncio.create_task(victim())
    await asyncio.sleep(0.05)
    task.cancel()
    assert await task is False


def test_timeouts_must_be_positive_and_finite() -> None:
    from playground.core.errors import UserError

    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(UserError, match="timeouts.idle_s must be a positive, finite number"):
            Timeouts(idle_s=bad)
