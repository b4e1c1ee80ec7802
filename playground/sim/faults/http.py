"""The control API: fault injection and counters over HTTP, for the CLI,
the soak command and anything that drives a simulator it did not start.

    GET    /_sim/faults  -> {"spec": "...", "seed": S, "models": {served_name: {settings}}}
    PUT    /_sim/faults  <- {"spec": "...", "seed": S (optional, default: keep)}  -> as GET
    DELETE /_sim/faults  -> as GET, with no faults
    GET    /_sim/stats   -> {"requests": n, "faults": {kind: n}, "models": {served_name: {...}}}
    DELETE /_sim/stats   -> the counters, reset

Access follows the rule of the model endpoints: if the simulator was
started with an API key, send it (`Authorization: Bearer KEY` or
`x-api-key: KEY`); otherwise anyone who can reach the port may use it, which
is why the simulator binds loopback by default. Errors are
`{"error": {"message", "type"}}` with 400 (bad body or spec; the message is
the parser's, naming the item) or 401.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playground.core.errors import UserError
from playground.sim.faults.control import FaultControl
from playground.sim.faults.stats import SimStats

PREFIX = "/_sim"


class ControlError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


def control_routes(control: FaultControl, stats: SimStats, authorize: Callable[[Request], None]) -> list[Route]:
    """`authorize` raises `ControlError(401, ...)` for a missing or wrong key."""

    def guarded(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                authorize(request)
                return JSONResponse(await handler(request))
            except ControlError as error:
                body = {"error": {"message": error.message, "type": error.kind}}
                return JSONResponse(body, status_code=error.status)

        return endpoint

    async def get_faults(request: Request) -> dict[str, Any]:
        return control.describe()

    async def put_faults(request: Request) -> dict[str, Any]:
        spec, seed = _parse_put(await request.body())
        try:
            control.set(spec, seed)
        except UserError as error:
            raise ControlError(400, str(error)) from None
        return control.describe()

    async def delete_faults(request: Request) -> dict[str, Any]:
        control.clear()
        return control.describe()

    async def get_stats(request: Request) -> dict[str, Any]:
        return stats.snapshot()

    async def delete_stats(request: Request) -> dict[str, Any]:
        stats.reset()
        return stats.snapshot()

    return [
        Route(f"{PREFIX}/faults", guarded(get_faults), methods=["GET"]),
        Route(f"{PREFIX}/faults", guarded(put_faults), methods=["PUT"]),
        Route(f"{PREFIX}/faults", guarded(delete_faults), methods=["DELETE"]),
        Route(f"{PREFIX}/stats", guarded(get_stats), methods=["GET"]),
        Route(f"{PREFIX}/stats", guarded(delete_stats), methods=["DELETE"]),
    ]


def _parse_put(raw: bytes) -> tuple[str, int | None]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ControlError(400, 'the body must be JSON such as {"spec": "server_error=0.2", "seed": 1}') from None
    if not isinstance(body, dict) or not isinstance(body.get("spec"), str):
        raise ControlError(400, 'the body must be a JSON object with a string "spec" '
                           '(and optionally an integer "seed")')
    unknown = sorted(set(body) - {"spec", "seed"})
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(unknown)}; expected spec and seed")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ControlError(400, f"seed must be an integer, got {seed!r}")
    return body["spec"], seed
