"""The control API: fault injection and counters over HTTP, for the CLI,
the soak command and anything that drives a simulator it did not start.

    GET    /_sim/faults  -> {"spec": "...", "seed": S, "models": {served_name: {settings}}}
    PUT    /_sim/faults  <- the --faults text itself (`?seed=S` optional), or
                            JSON {"spec": "...", "seed": S (optional, default: keep)}  -> as GET
    DELETE /_sim/faults  -> as GET, with no faults
    GET    /_sim/stats   -> {"requests": n, "faults": {kind: n}, "models": {served_name: {...}}}
    DELETE /_sim/stats   -> the counters, reset

e.g. `curl -X PUT --data 'server_error=0.2,gpt-4o:down=1' localhost:8765/_sim/faults`.
A body is read as JSON when its content type says JSON or it starts with
`{`, `[` or `"`; anything else is the fault syntax. Access follows the rule of the
model endpoints: if the simulator was started with an API key, send it
(`Authorization: Bearer KEY` or `x-api-key: KEY`); otherwise anyone who can
reach the port may use it, which is why the simulator binds loopback by
default. Errors are `{"error": {"message", "type"}}` with 400 (bad body,
spec or seed; the message names the item and what is allowed) or 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playground.core.errors import UserError
from playground.sim.errors import SimError
from playground.sim.faults.control import FaultControl, check_seed
from playground.sim.faults.stats import SimStats
from playground.sim.wire.body import Disconnected, parse_json, read_body
from playground.sim.wire.connections import NoResponse

PREFIX = "/_sim"
_JSON_EXAMPLE = '{"spec": "server_error=0.2", "seed": 1}'


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
            except Disconnected:
                return NoResponse()

        return endpoint

    async def get_faults(request: Request) -> dict[str, Any]:
        return control.describe()

    async def put_faults(request: Request) -> dict[str, Any]:
        spec, seed = parse_put(await read_control_body(request), request.headers.get("content-type", ""),
                               request.query_params.get("seed"))
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


async def read_control_body(request: Request) -> bytes:
    try:
        return await read_body(request)
    except SimError as error:
        raise ControlError(error.status, error.message) from None


def parse_put(raw: bytes, content_type: str, query_seed: str | None) -> tuple[str, int | None]:
    """(spec text, seed or None to keep it) from a PUT body, JSON or text."""
    seed = _query_seed(query_seed)
    if "json" in content_type.lower() or raw.lstrip()[:1] in (b"{", b"[", b'"'):
        return _parse_json_put(raw, seed)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlError(400, "the body must be UTF-8 text in the --faults syntax (e.g. server_error=0.2) "
                           f"or JSON such as {_JSON_EXAMPLE}") from None
    return text.strip(), seed


def _query_seed(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return check_seed(int(raw)) if len(raw) <= 24 else check_seed(raw)
    except (ValueError, UserError):
        raise ControlError(400, f"seed must be an integer in 0..{2**64 - 1}, got {raw[:40]!r}") from None


def _parse_json_put(raw: bytes, seed: int | None) -> tuple[str, int | None]:
    try:
        body = parse_json(raw)
    except SimError as error:
        reason = (error.anthropic_message or error.message).removeprefix("The request body is not valid JSON: ")
        raise ControlError(400, f"the body is not valid JSON ({reason}); send JSON such as {_JSON_EXAMPLE} "
                           "or the --faults text itself") from None
    if isinstance(body, str):
        return body, seed
    if not isinstance(body, dict) or not isinstance(body.get("spec"), str):
        raise ControlError(400, 'the body must be a JSON object with a string "spec" '
                           '(and optionally an integer "seed")')
    unknown = sorted(set(body) - {"spec", "seed"})
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(unknown)}; expected spec and seed")
    if "seed" in body and body["seed"] is not None:
        try:
            seed = check_seed(body["seed"])
        except UserError as error:
            raise ControlError(400, str(error)) from None
    return body["spec"], seed
