"""The simulator's HTTP app (Starlette): OpenAI Chat Completions and Anthropic
Messages endpoints serving a simulated counterpart of every catalog model.

One request path for both APIs: authenticate, parse, resolve the model,
check the context window, consult the fault plan, plan the generation, then
either stream it paced in real time or answer once it would have finished.
Everything protocol-specific lives in the dialects.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from playground.core.catalog import Catalog, ModelSpec, default_catalog
from playground.core.errors import UserError
from playground.core.messages import ChatRequest, Message
from playground.core.tokens import TokenCounter, default_counter
from playground.sim import anthropic_wire, openai_wire
from playground.sim.anthropic_wire import AnthropicDialect
from playground.sim.errors import SimError, SimErrorKind, bad_request, context_too_long, invalid_api_key, unknown_model
from playground.sim.faults import Api, FaultPlan, RequestInfo
from playground.sim.generation import Generation, plan_generation
from playground.sim.openai_wire import OpenAIDialect
from playground.sim.wire import Dialect, SimRequest, random_id

SPEED_ENV = "PLAYGROUND_SIM_SPEED"
# Sleeps longer than this wait on the shutdown event so that stopping the
# server never waits for a long (or stalled) stream to finish.
_INTERRUPTIBLE_AFTER_S = 0.25


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


@dataclass(frozen=True, slots=True)
class _ApiSpec:
    """How one API differs on the request side."""

    api: Api
    parse: Callable[[Any], SimRequest]
    api_key: Callable[[Any], str | None]
    request_id_header: str

    def error_body(self, error: SimError) -> dict[str, Any]:
        return error.openai_body() if self.api == "openai" else error.anthropic_body()

    def dialect(self, request: SimRequest) -> Dialect:
        if self.api == "openai":
            return OpenAIDialect(request.model, request.include_usage)
        return AnthropicDialect(request.model)


OPENAI = _ApiSpec("openai", openai_wire.parse_request, openai_wire.bearer_token, "x-request-id")
ANTHROPIC = _ApiSpec("anthropic", anthropic_wire.parse_request, anthropic_wire.api_key, "request-id")


class SimService:
    """State and handlers behind the app. It lives on the server's event loop:
    `begin_serving` and `begin_shutdown` must run there (the runner uses
    call_soon_threadsafe for the latter)."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        speed: float,
        require_api_key: str | None = None,
        faults: FaultPlan | None = None,
        seed: int = 0,
        counter: TokenCounter | None = None,
    ) -> None:
        self.catalog = catalog
        self.speed = speed
        self.require_api_key = require_api_key
        self.faults = faults or FaultPlan()
        self.counter = counter or default_counter()
        self.active_streams = 0
        self._rng = random.Random(seed)
        self._requests = 0
        self._stopping: asyncio.Event | None = None
        self._created = int(datetime.fromisoformat(catalog.catalog_date).replace(tzinfo=UTC).timestamp())

    def begin_serving(self) -> None:
        """Reset for a new run of the server (an asyncio.Event belongs to one loop)."""
        self._stopping = asyncio.Event()

    def begin_shutdown(self) -> None:
        """End streams and pending answers now rather than letting the server
        wait for them."""
        self._stopping_event().set()

    def _stopping_event(self) -> asyncio.Event:
        if self._stopping is None:
            self._stopping = asyncio.Event()
        return self._stopping

    # --- routes ---------------------------------------------------------

    async def chat_completions(self, request: Request) -> Response:
        return await self._chat(request, OPENAI)

    async def messages(self, request: Request) -> Response:
        return await self._chat(request, ANTHROPIC)

    async def count_tokens(self, request: Request) -> Response:
        try:
            self._authorize(ANTHROPIC, request)
            name, messages = anthropic_wire.parse_count_tokens(await _json_body(request))
            self._model(name)
        except SimError as error:
            return _error_response(ANTHROPIC, error)
        return JSONResponse({"input_tokens": self._count(messages)}, headers=_ids(ANTHROPIC))

    async def models(self, request: Request) -> Response:
        api = ANTHROPIC if "anthropic-version" in request.headers else OPENAI
        try:
            self._authorize(api, request)
        except SimError as error:
            return _error_response(api, error)
        models = sorted(self.catalog.models.values(), key=lambda m: m.id)
        render = anthropic_wire.model_list if api is ANTHROPIC else openai_wire.model_list
        return JSONResponse(render(models, self._created), headers=_ids(api))

    # --- the request path -----------------------------------------------

    async def _chat(self, request: Request, api: _ApiSpec) -> Response:
        started = asyncio.get_running_loop().time()
        try:
            self._authorize(api, request)
            sim_request = api.parse(await _json_body(request))
            model = self._model(sim_request.model)
            info = self._admit(api, sim_request, model)
            action = self.faults.on_request(info)
            started += action.delay_s
            if not await self._pause_until(started):
                raise _shutting_down()
            if action.error:
                raise action.error
            generation = plan_generation(
                model,
                sim_request.prompt,
                max_tokens=info.max_tokens,
                input_tokens=info.input_tokens,
                counter=self.counter,
                rng=random.Random(self._rng.getrandbits(64)),
                speed=self.speed,
            )
            dialect = api.dialect(sim_request)
            if sim_request.stream:
                return StreamingResponse(
                    self._stream(dialect, generation, info, started),
                    media_type="text/event-stream",
                    headers={"cache-control": "no-cache", **_ids(api)},
                )
            if not await self._pause_until(started + generation.duration_s):
                raise _shutting_down()
            return JSONResponse(dialect.message(generation), headers=_ids(api))
        except SimError as error:
            return _error_response(api, error)

    def _authorize(self, api: _ApiSpec, request: Request) -> None:
        if self.require_api_key is None:
            return
        given = api.api_key(request.headers)
        if given != self.require_api_key:
            raise invalid_api_key(given)

    def _model(self, name: str) -> ModelSpec:
        model = self.catalog.by_sim_name(name)
        if model is None:
            raise unknown_model(name)
        return model

    def _count(self, messages: tuple[Message, ...]) -> int:
        return self.counter.count_request(ChatRequest(messages=messages)).tokens

    def _admit(self, api: _ApiSpec, request: SimRequest, model: ModelSpec) -> RequestInfo:
        """Check limits the way the real APIs do and settle the output budget."""
        if request.max_tokens is not None and request.max_tokens > model.max_output_tokens:
            raise bad_request(
                f"max_tokens: {request.max_tokens} > {model.max_output_tokens}, which is the maximum allowed "
                f"number of output tokens for {request.model}",
                param="max_tokens",
            )
        input_tokens = self._count(request.messages)
        if input_tokens + (request.max_tokens or 0) > model.context_window:
            raise context_too_long(request.model, model.context_window, input_tokens, request.max_tokens)
        budget = request.max_tokens or min(model.max_output_tokens, model.context_window - input_tokens)
        index, self._requests = self._requests, self._requests + 1
        return RequestInfo(api.api, model, request.model, request.stream, input_tokens, budget, index)

    async def _stream(
        self, dialect: Dialect, generation: Generation, info: RequestInfo, started: float
    ) -> AsyncIterator[bytes]:
        """Paced against absolute deadlines so that send overhead does not
        accumulate. A client disconnect cancels this generator (Starlette
        watches for it), which ends it at its current sleep."""
        self.active_streams += 1
        try:
            opening = dialect.stream_open(generation)
            if opening:
                yield opening
            due = started
            tokens_per_char = generation.output_tokens / max(1, len(generation.text))
            tokens_sent = 0.0
            for index, (chunk, gap) in enumerate(zip(generation.chunks, generation.gaps_s)):
                action = self.faults.on_chunk(info, index, round(tokens_sent))
                due += gap + action.delay_s
                if not await self._pause_until(due):
                    return
                if action.error:
                    yield dialect.stream_error(action.error)
                    return
                yield dialect.stream_chunk(index, chunk)
                tokens_sent += len(chunk) * tokens_per_char
            if not generation.chunks and not await self._pause_until(due + generation.gaps_s[0]):
                return
            yield dialect.stream_close(generation)
        finally:
            self.active_streams -= 1

    async def _pause_until(self, deadline: float) -> bool:
        """Sleep until `deadline` (loop time); False if the server is stopping."""
        stopping = self._stopping_event()
        delay = deadline - asyncio.get_running_loop().time()
        if delay > _INTERRUPTIBLE_AFTER_S:
            try:
                await asyncio.wait_for(stopping.wait(), delay)
            except TimeoutError:
                pass
        elif delay > 0:
            await asyncio.sleep(delay)
        return not stopping.is_set()


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request(
            "We could not parse the JSON body of your request. The body must be a JSON object."
        ) from None


def _ids(api: _ApiSpec) -> dict[str, str]:
    return {api.request_id_header: random_id("req_sim_")}


def _error_response(api: _ApiSpec, error: SimError) -> JSONResponse:
    return JSONResponse(api.error_body(error), status_code=error.status, headers={**error.headers, **_ids(api)})


def _shutting_down() -> SimError:
    return SimError(SimErrorKind.API_ERROR, "The simulator is shutting down.", status=503)


def create_app(
    catalog: Catalog | None = None,
    *,
    speed: float | None = None,
    require_api_key: str | None = None,
    faults: FaultPlan | None = None,
    seed: int = 0,
) -> Starlette:
    """The ASGI app; its `SimService` is at `app.state.sim`."""
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
            Route("/v1/models", service.models, methods=["GET"]),
        ]
    )
    app.state.sim = service
    return app
