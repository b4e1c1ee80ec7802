"""The simulator's HTTP app (Starlette): the routes of `SimService` and the
control API, behind a guard that turns any unexpected exception into a
logged, API-shaped 500 instead of a plain-text one and a traceback on the
host's stderr (the simulator runs inside the library user's process).

Logging goes to the `playground.sim` logger, which has a `NullHandler`:
nothing is printed unless the host application configures logging.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playground.core.catalog import Catalog, default_catalog
from playground.core.errors import UserError
from playground.sim.errors import SimError, SimErrorKind
from playground.sim.faults.control import Faults
from playground.sim.wire.apis import ANTHROPIC, OPENAI
from playground.sim.wire.control_api import control_routes
from playground.sim.wire.dialect import dumps
from playground.sim.wire.service import SimService

SPEED_ENV = "PLAYGROUND_SIM_SPEED"
log = logging.getLogger("playground.sim")
log.addHandler(logging.NullHandler())


def speed_from_env(speed: float | None = None) -> float:
    """The explicit factor, else $PLAYGROUND_SIM_SPEED, else 1 (real time)."""
    if speed is None:
        raw = os.environ.get(SPEED_ENV, "").strip()
        if not raw:
            return 1.0
        try:
            speed = float(raw)
        except ValueError:
            raise UserError(f"{SPEED_ENV} must be a positive number such as 1 or 20, got {raw!r}") from None
    if not speed > 0:
        raise UserError(f"the simulator speed factor must be a positive number, got {speed!r}")
    return speed


class _Guard:
    """Catches what the handlers did not: logs it, and answers a 500 in the
    API's error shape if nothing was sent yet, else ends the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "finished": False}

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                state["finished"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("simulator: unexpected error serving %s %s", scope.get("method"), scope.get("path"))
            try:
                await _finish(scope, send, started=state["started"], finished=state["finished"])
            except Exception:  # the connection is gone; nothing left to tell
                log.debug("simulator: could not finish the failed response", exc_info=True)


async def _finish(scope: Scope, send: Send, *, started: bool, finished: bool) -> None:
    if finished:
        return
    if started:
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    api = ANTHROPIC if str(scope.get("path", "")).startswith("/v1/messages") else OPENAI
    error = SimError(SimErrorKind.API_ERROR, "The simulator hit an unexpected error (logged to the "
                     "'playground.sim' logger).")
    body = dumps(api.error_body(error)).encode()
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def create_app(
    catalog: Catalog | None = None,
    *,
    speed: float | None = None,
    require_api_key: str | None = None,
    faults: Faults | None = None,
    seed: int = 0,
) -> Starlette:
    """The ASGI app; its `SimService` is at `app.state.sim`. Serve it with
    `tracking_protocol(service.connections)` (SimServer does) for `down` and
    `cut` to drop real connections. A bad fault spec or seed is a `UserError`."""
    service = SimService(
        catalog or default_catalog(),
        speed=speed_from_env(speed),
        require_api_key=require_api_key,
        faults=faults,
        seed=seed,
    )
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", service.chat_completions, methods=["POST"]),
            Route("/v1/messages", service.messages, methods=["POST"]),
            Route("/v1/messages/count_tokens", service.count_tokens, methods=["POST"]),
            Route("/v1/embeddings", service.embeddings, methods=["POST"]),
            Route("/v1/models", service.models_list, methods=["GET"]),
            *control_routes(service.fault_control, service.stats, service.authorize_control),
        ],
        middleware=[Middleware(_Guard)],
    )
    app.state.sim = service
    return app
