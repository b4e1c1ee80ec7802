"""Delivering an admitted request's answer: waiting in real time (and
stopping at once on shutdown), and carrying out a fault plan's failures
before or instead of the answer: error responses, dropped connections,
stalls. Shared by the chat and embeddings paths."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from playground.sim.errors import SimError, SimErrorKind
from playground.sim.faults.plan import Action, FaultPlan, RequestInfo
from playground.sim.faults.stats import SimStats
from playground.sim.wire.apis import ApiSpec, error_response
from playground.sim.wire.connections import (
    DISCONNECT_WAIT_S,
    ConnectionRegistry,
    HeadersThenDrop,
    NoResponse,
    wait_for_disconnect,
)

# Sleeps longer than this wait on the shutdown event so that stopping the
# server never waits for a long (or stalled) stream to finish.
_INTERRUPTIBLE_AFTER_S = 0.25
# A stalled response holds its connection at most this long (then drops it):
# long enough that the client's own timeout is what ends it.
STALL_CAP_S = 600.0


@dataclass(frozen=True, slots=True)
class Admitted:
    """One admitted request on its way out. `plan` is taken once per
    request, so a plan swapped in meanwhile does not affect it."""

    request: Request
    api: ApiSpec
    plan: FaultPlan
    info: RequestInfo
    started: float  # loop time the response is paced from (after any injected latency)


def shutting_down() -> SimError:
    return SimError(SimErrorKind.API_ERROR, "The simulator is shutting down.", status=503)


def _cannot_drop() -> SimError:
    return SimError(SimErrorKind.API_ERROR, "A simulated connection failure (down or cut) could not be produced: "
                    "this server cannot drop connections; run the simulator with SimServer.", status=503)


class Delivery:
    """Lives on the server's event loop (its stop event belongs to it)."""

    def __init__(self, stats: SimStats, connections: ConnectionRegistry) -> None:
        self.stats = stats
        self.connections = connections
        self._stopping: asyncio.Event | None = None

    def begin_serving(self) -> None:
        """Reset for a new run of the server (an asyncio.Event belongs to one loop)."""
        self._stopping = asyncio.Event()

    def begin_shutdown(self) -> None:
        self.stopping_event().set()

    def stopping_event(self) -> asyncio.Event:
        if self._stopping is None:
            self._stopping = asyncio.Event()
        return self._stopping

    # --- time -------------------------------------------------------------

    async def pause(self, seconds: float) -> bool:
        return await self.pause_until(asyncio.get_running_loop().time() + seconds)

    async def pause_until(self, deadline: float) -> bool:
        """Sleep until `deadline` (loop time); False if the server is stopping.
        Always yields to the loop, even when behind schedule: at high speed
        factors a stream could otherwise write many chunks in one go to a
        connection whose loss the loop has not yet had a chance to report."""
        stopping = self.stopping_event()
        delay = deadline - asyncio.get_running_loop().time()
        if delay > _INTERRUPTIBLE_AFTER_S:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
        else:
            await asyncio.sleep(max(0.0, delay))
        return not stopping.is_set()

    # --- answers and failures -------------------------------------------

    async def reply_at(self, ex: Admitted, due: float, index: int, tokens: int, answer: Response) -> Response:
        """Send `answer` at `due` (loop time); the plan's last word (`on_chunk`
        as after the last chunk: `index` chunks, `tokens` tokens) comes first."""
        if not await self.pause_until(due):
            raise shutting_down()
        action = ex.plan.on_chunk(ex.info, index, tokens)
        if action.delay_s and not await self.pause(action.delay_s):
            raise shutting_down()
        return await self.fail_before_response(ex, action, answer=answer) or answer

    async def fail_before_response(
        self, ex: Admitted, action: Action, *, answer: Response | None = None
    ) -> Response | None:
        """Carry out a failing action before anything was sent; None if the
        action does not fail. A drop with an `answer` sends its headers first."""
        if not (action.error or action.drop or action.stall):
            return None
        self.stats.fault(ex.info.model_name, action.fault_name or "fault")
        if action.error:
            return error_response(ex.api, action.error)
        if action.stall:
            return await self.stall(ex.request, ex.api)
        if answer is not None and self.connections.can_abort(ex.request.client):
            return HeadersThenDrop(answer, lambda: self.connections.abort(ex.request.client))
        return await self.drop(ex.request, ex.api)

    async def unreachable(self, request: Request, api: ApiSpec, model: str) -> Response:
        self.stats.request(model)
        self.stats.fault(model, "down")
        return await self.drop(request, api)

    async def drop(self, request: Request, api: ApiSpec) -> Response:
        """Close the connection without a response. Served by something other
        than SimServer the connection cannot be reached: answer 503 instead."""
        if not self.connections.abort(request.client):
            return error_response(api, _cannot_drop())
        await wait_for_disconnect(request.receive)
        return NoResponse()

    async def drop_stream(self, request: Request) -> None:
        """Mid-stream: Starlette's disconnect watcher cancels us once Uvicorn
        sees the connection gone; without a tracked connection the stream just
        ends without its closing events."""
        if self.connections.abort(request.client):
            await self.pause(DISCONNECT_WAIT_S)

    async def stall(self, request: Request, api: ApiSpec) -> Response:
        """Send nothing until the client gives up, the server stops, or the
        safety cap passes (then drop, so a stall never ends cleanly)."""
        disconnected = asyncio.ensure_future(wait_for_disconnect(request.receive, STALL_CAP_S))
        stopping = asyncio.ensure_future(self.stopping_event().wait())
        try:
            await asyncio.wait({disconnected, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            disconnected.cancel()
            stopping.cancel()
        if stopping.done() and not stopping.cancelled():
            return error_response(api, shutting_down())
        if disconnected.done() and not disconnected.cancelled() and disconnected.result():
            return NoResponse()
        return await self.drop(request, api)
