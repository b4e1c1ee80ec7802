"""Dropping a client's TCP connection on purpose, for the `down` and `cut`
faults.

ASGI gives an app no handle on the socket, and one server serves every
simulated model on one port, so a per-model "connection refused" is not
possible. Instead the runner gives Uvicorn an h11 protocol class (a
documented `uvicorn.Config(http=...)` option) that records each
connection's transport under its peer address; the app finds the transport
by `scope["client"]` (the same `get_remote_addr(transport)` value Uvicorn
puts in the scope; proxy headers are off so nothing rewrites it) and aborts
it. This relies on overriding `connection_made/lost` of Uvicorn's
`H11Protocol` and on its `client` attribute, not on the internals of its
request cycle (such as the transport held by the bound `send`), and works
under any middleware. The client sees the server close the socket: before
a response "Server disconnected without sending a response", during one
"peer closed connection without sending complete message body".

After an abort the app waits for Uvicorn to notice the loss (`receive()`
returns `http.disconnect`) before returning, so Uvicorn neither logs
"ASGI callable returned without starting response" nor writes a 500.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Address = tuple[str, int]
# How long to wait for Uvicorn to see a connection we aborted; it takes one
# loop iteration, so this only matters if something is badly wrong.
DISCONNECT_WAIT_S = 5.0
SERVER_LOG = logging.getLogger("playground.sim.uvicorn")
SERVER_LOG.addHandler(logging.NullHandler())


class ConnectionRegistry:
    """Open connections' transports by peer address. Used on the server's loop only."""

    def __init__(self) -> None:
        self._transports: dict[Address, asyncio.Transport] = {}

    def add(self, address: Address, transport: asyncio.Transport) -> None:
        self._transports[address] = transport

    def discard(self, address: Address, transport: asyncio.Transport) -> None:
        if self._transports.get(address) is transport:
            del self._transports[address]

    def __len__(self) -> int:
        return len(self._transports)

    def can_abort(self, client: Any) -> bool:
        return self._find(client) is not None

    def _find(self, client: Any) -> asyncio.Transport | None:
        transport = self._transports.get(tuple(client)) if client else None  # type: ignore[arg-type]
        return None if transport is None or transport.is_closing() else transport

    def abort(self, client: Any) -> bool:
        """Close the connection of `client` (a scope's `client`) at once,
        without a response or the rest of one. False if it is unknown (an app
        served by another server) or already closing.

        Bytes already written but not yet flushed are sent first (a cut
        stream delivers its last tokens), then the socket closes; the client
        reads end-of-file in the middle of the exchange."""
        transport = self._find(client)
        if transport is None:
            return False
        if transport.get_write_buffer_size():
            transport.close()
        else:
            transport.abort()
        return True


def tracking_protocol(registry: ConnectionRegistry) -> type[asyncio.Protocol]:
    """Uvicorn's h11 protocol, recording transports in `registry` and
    logging to `playground.sim.uvicorn` (which prints nothing unless the host
    configures logging) instead of `uvicorn.error`, whose records would reach
    the host's stderr through logging's last-resort handler: a client that
    sends garbage must not scribble on the library user's terminal.
    (Uvicorn is imported here so that the app itself does not need it.)"""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TrackingH11Protocol(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.logger = SERVER_LOG

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if self.client:
                registry.add(self.client, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client:
                registry.discard(self.client, self.transport)
            super().connection_lost(exc)

    return TrackingH11Protocol


async def wait_for_disconnect(receive: Receive, timeout: float = DISCONNECT_WAIT_S) -> bool:
    """Read ASGI messages until `http.disconnect`; False on timeout. Only for
    when the request body has been read already."""
    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(until_disconnect(), timeout)
    except TimeoutError:
        return False
    return True


class NoResponse(Response):
    """Sends nothing: for a request whose connection is already gone."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


class HeadersThenDrop(Response):
    """Sends the status line and headers of `answer` (with its
    Content-Length), then drops the connection before the body: the client
    sees a response that started and never completed."""

    def __init__(self, answer: Response, abort: Callable[[], bool]) -> None:
        super().__init__()
        self.answer = answer
        self.abort = abort

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.answer.status_code,
                    "headers": self.answer.raw_headers})
        if self.abort():
            await wait_for_disconnect(receive)
        else:  # not served through tracking_protocol: complete the response rather than hang
            await send({"type": "http.response.body", "body": self.answer.body, "more_body": False})
