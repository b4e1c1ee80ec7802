"""Run the engine inside the caller's task and hand its events out as soon
as it pauses.

`Engine.stream` used to run the engine in a task of its own feeding a
queue: every event then reached the caller one event-loop round later, and
with 50 requests streaming a round is milliseconds of other tasks' work.
Here the caller's task drives the engine's coroutine itself, the way an
asyncio `Task` does (send, and wait for the future it yields), and hands
out what it emitted in between: an event reaches the caller in the very
step that produced it. Events emitted by other tasks (the members of an
ensemble) wake the caller too.

A cancellation of the caller is passed to the engine as a `Task` would
pass it (the awaited future is cancelled), so the engine records the
cancelled attempt and the request's totals; so are the engine's own
timeouts, which cancel "the current task" (the caller's).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any, Generic, TypeVar

E = TypeVar("E")


class _Mailbox(Generic[E]):
    """Events waiting for the caller, and the future it sleeps on."""

    __slots__ = ("events", "waker")

    def __init__(self) -> None:
        self.events: deque[E] = deque()
        self.waker: asyncio.Future[None] | None = None

    def put(self, event: E) -> None:
        self.events.append(event)
        self.wake()

    def wake(self, _: object = None) -> None:
        waker = self.waker
        if waker is not None and not waker.done():
            waker.set_result(None)


async def inline_events(start: Callable[[Callable[[E], None]], Coroutine[Any, Any, Any]]) -> AsyncGenerator[E, None]:
    """The events `start(emit)` emits, in order, while its coroutine runs in
    this task. Leaving early cancels the coroutine and lets it finish."""
    box: _Mailbox[E] = _Mailbox()
    coro = start(box.put)
    loop = asyncio.get_running_loop()
    throw: BaseException | None = None  # delivered at the engine's await point
    awaiting: asyncio.Future[Any] | None = None  # what the engine waits for
    finished = False
    try:
        while True:
            try:
                yielded = coro.throw(throw) if throw is not None else coro.send(None)
            except StopIteration:
                finished = True
                break
            except BaseException:
                finished = True
                raise
            throw = awaiting = None
            while box.events:
                yield box.events.popleft()
            if yielded is None:  # a bare yield: let the loop run one round
                try:
                    await asyncio.sleep(0)
                except asyncio.CancelledError as exc:
                    # Delivered at the engine's bare yield, as a Task would:
                    # anyio's cancel scopes (httpx's connect and read
                    # timeouts) cancel the task while it is at such a yield
                    # and must see their own cancellation there, else it
                    # reaches the caller as if the caller were cancelled.
                    throw = exc
                continue
            if not asyncio.isfuture(yielded) or not yielded._asyncio_future_blocking:
                throw = RuntimeError(f"the engine yielded {yielded!r}, not an awaited future")
                continue
            awaiting = yielded
            awaiting._asyncio_future_blocking = False
            while not awaiting.done():
                box.waker = loop.create_future()
                awaiting.add_done_callback(box.wake)
                try:
                    await box.waker
                except asyncio.CancelledError as exc:
                    # As a Task does: cancel what the engine awaits, with the
                    # same message (anyio's cancel scopes recognise their own
                    # cancellations by it), so it sees the CancelledError
                    # there and may claim it as its own timeout; if that is
                    # already done, throw it in.
                    if not awaiting.cancel(msg=exc.args[0] if exc.args else None):
                        throw = exc
                    break
                finally:
                    box.waker = None
                    awaiting.remove_done_callback(box.wake)
                while box.events:
                    yield box.events.popleft()
    finally:
        if not finished:
            # The caller left early (or this generator was closed): cancel the
            # engine and let it record what it spent; its events are dropped.
            await _cancel_and_finish(coro, awaiting)
    while box.events:  # what its last step emitted (the request's totals)
        yield box.events.popleft()


async def _cancel_and_finish(coro: Coroutine[Any, Any, Any], awaiting: asyncio.Future[Any] | None) -> None:
    """Cancel the engine and drive it to its end, so it records the cancelled
    attempt and gives its permits back. A cancellation of this task meanwhile
    (the caller is being cancelled) waits until that cleanup is done."""
    throw: BaseException | None = None
    if awaiting is None or not awaiting.cancel():
        throw = asyncio.CancelledError()
    interrupted: asyncio.CancelledError | None = None
    while True:
        try:
            yielded = coro.throw(throw) if throw is not None else coro.send(None)
        except (StopIteration, asyncio.CancelledError):
            break
        throw = None
        while True:
            try:
                if yielded is None:
                    await asyncio.sleep(0)
                else:
                    yielded._asyncio_future_blocking = False
                    await _settled(yielded)
                break
            except asyncio.CancelledError as exc:
                interrupted = exc
                if yielded is None or yielded.done():
                    break
    if interrupted is not None:
        raise interrupted


async def _settled(future: asyncio.Future[Any]) -> None:
    """Wait until `future` is done, without taking its result or exception
    (those are for the coroutine that awaits it)."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake(_: object) -> None:
        if not done.done():
            done.set_result(None)

    future.add_done_callback(wake)
    await done
