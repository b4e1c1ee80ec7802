"""The simulator's HTTP app (Starlette): OpenAI Chat Completions and Anthropic
Messages endpoints serving a simulated counterpart of every catalog model,
and OpenAI Embeddings serving the simulated embedding models.

One request path for both chat APIs: drop it if its model is down,
authenticate, parse, resolve the model, check the context window, plan the
generation, consult the fault plan, then either stream it paced in real time
or answer once it would have finished, failing wherever the plan says.
Embeddings follow the same steps without streaming. Everything
protocol-specific lives in the dialects; the control API is in control.py.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from playground.sim.content.embedding_models import EMBEDDING_MODELS, EmbeddingModel
from playground.sim.content.generation import JITTER, Generation, plan_generation
from playground.sim.errors import SimError, SimErrorKind, bad_request, context_too_long, invalid_api_key, unknown_model
from playground.sim.faults.control import FaultControl, Faults
from playground.sim.faults.http import ControlError, control_routes
from playground.sim.faults.plan import Action, Api, FaultPlan, RequestInfo
from playground.sim.faults.stats import SimStats
from playground.sim.wire import anthropic_messages as anthropic_wire
from playground.sim.wire import embeddings as embeddings_wire
from playground.sim.wire import openai_chat as openai_wire
from playground.sim.wire.anthropic_messages import AnthropicDialect
from playground.sim.wire.connections import (
    DISCONNECT_WAIT_S,
    ConnectionRegistry,
    HeadersThenDrop,
    NoResponse,
    wait_for_disconnect,
)
from playground.sim.wire.dialect import Dialect, SimRequest, random_id
from playground.sim.wire.embeddings import EmbeddingRequest
from playground.sim.wire.openai_chat import OpenAIDialect

SPEED_ENV = "PLAYGROUND_SIM_SPEED"
# Sleeps longer than this wait on the shutdown event so that stopping the
# server never waits for a long (or stalled) stream to finish.
_INTERRUPTIBLE_AFTER_S = 0.25
# A stalled response holds its connection at most this long (then drops it):
# long enough that the client's own timeout is what ends it.
STALL_CAP_S = 600.0


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

    def dialect(self, request: SimRequest, model: ModelSpec) -> Dialect:
        if self.api == "openai":
            return OpenAIDialect(request.model, request.include_usage, request.top_logprobs, model.sim.quality)
        return AnthropicDialect(request.model)


OPENAI = _ApiSpec("openai", openai_wire.parse_request, openai_wire.bearer_token, "x-request-id")
ANTHROPIC = _ApiSpec("anthropic", anthropic_wire.parse_request, anthropic_wire.api_key, "request-id")


@dataclass(frozen=True, slots=True)
class _Admitted:
    """One admitted request on its way out. `plan` is taken once per
    request, so a plan swapped in meanwhile does not affect it."""

    request: Request
    api: _ApiSpec
    plan: FaultPlan
    info: RequestInfo
    started: float  # loop time the response is paced from (after any injected latency)


@dataclass(frozen=True, slots=True)
class _Exchange(_Admitted):
    """An admitted chat request."""

    generation: Generation
    dialect: Dialect


class SimService:
    """State and handlers behind the app. It lives on the server's event loop:
    `begin_serving` and `begin_shutdown` must run there (the runner uses
    call_soon_threadsafe for the latter). `fault_control` and `stats` may be
    used from any thread."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        speed: float,
        require_api_key: str | None = None,
        faults: Faults | None = None,
        seed: int = 0,
        counter: TokenCounter | None = None,
    ) -> None:
        self.catalog = catalog
        self.speed = speed
        self.require_api_key = require_api_key
        self.embedding_models: dict[str, EmbeddingModel] = {m.sim_name: m for m in EMBEDDING_MODELS.values()}
        served = {m.sim_name for m in catalog.models.values()} | set(self.embedding_models)
        self.fault_control = FaultControl(frozenset(served), faults, seed)
        self.stats = SimStats()
        self.connections = ConnectionRegistry()
        self.counter = counter or default_counter()
        self.active_streams = 0
        self._rng = random.Random(seed)
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
            raw = _loads(await request.body())
            if (down := self._down_model(raw)) is not None:
                return await self._unreachable(request, ANTHROPIC, down)
            self._authorize(ANTHROPIC, request)
            name, messages = anthropic_wire.parse_count_tokens(_json(raw))
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
        if api is ANTHROPIC:  # Anthropic has no embeddings API
            return JSONResponse(anthropic_wire.model_list(models, self._created), headers=_ids(api))
        listing = openai_wire.model_list(models, self._created, list(self.embedding_models.values()))
        return JSONResponse(listing, headers=_ids(api))

    async def embeddings(self, request: Request) -> Response:
        """`POST /v1/embeddings`: validated, counted and embedded (off the
        loop: a large batch takes a while), then the fault plan has its say
        and the answer comes once the simulated latency has passed."""
        started = asyncio.get_running_loop().time()
        try:
            raw = _loads(await request.body())
            if (down := self._down_model(raw)) is not None:
                return await self._unreachable(request, OPENAI, down)
            self._authorize(OPENAI, request)
            parsed = embeddings_wire.parse_request(_json(raw))
            model = self._embedding_model(parsed.model)
            tokens, answer = await asyncio.to_thread(self._embed, parsed, model)
            plan, index = self.fault_control.admit()
            info = RequestInfo("openai", None, parsed.model, False, tokens, 0, index, endpoint="embeddings")
            self.stats.request(info.model_name)
            action = plan.on_request(info)
            if action.delay_s > 0:
                self.stats.fault(info.model_name, "latency_ms")
            started += action.delay_s
            if not await self._pause_until(started):
                raise _shutting_down()
            admitted = _Admitted(request, OPENAI, plan, info, started)
            if (failed := await self._fail_before_response(admitted, action)) is not None:
                return failed
            duration = (model.latency_ms / 1000 + tokens / model.tokens_per_s) * self._jitter() / self.speed
            return await self._reply_at(admitted, started + duration, 0, 0, answer)
        except SimError as error:
            return _error_response(OPENAI, error)

    def _embedding_model(self, name: str) -> EmbeddingModel:
        model = self.embedding_models.get(name)
        if model is not None:
            return model
        if self.catalog.by_sim_name(name) is not None:
            raise bad_request(f"The model `{name}` is a chat model and cannot create embeddings; embedding models: "
                              f"{', '.join(sorted(self.embedding_models))}.", param="model")
        raise unknown_model(name)

    def _embed(self, request: EmbeddingRequest, model: EmbeddingModel) -> tuple[int, JSONResponse]:
        """The request's input tokens and its answer (on a worker thread:
        a big batch takes a while to embed and serialize)."""
        counts = [len(i) if isinstance(i, tuple) else self.counter.count_text(i).tokens for i in request.inputs]
        dimensions = embeddings_wire.check_request(request, model, counts)
        vectors = [embeddings_wire.embed_input(i, dimensions, model.id) for i in request.inputs]
        body = embeddings_wire.response(request.model, vectors, request.encoding_format, sum(counts))
        return sum(counts), JSONResponse(body, headers=_ids(OPENAI))

    def _jitter(self) -> float:
        return self._rng.uniform(1 - JITTER, 1 + JITTER)

    def authorize_control(self, request: Request) -> None:
        """The control API follows the same key rule as the model endpoints."""
        if self.require_api_key is not None and anthropic_wire.api_key(request.headers) != self.require_api_key:
            raise ControlError(401, "missing or wrong API key: the simulator was started with --api-key; send it "
                               "as 'Authorization: Bearer KEY' or 'x-api-key: KEY'", "authentication_error")

    # --- the request path -----------------------------------------------

    async def _chat(self, request: Request, api: _ApiSpec) -> Response:
        started = asyncio.get_running_loop().time()
        try:
            raw = _loads(await request.body())
            if (down := self._down_model(raw)) is not None:
                return await self._unreachable(request, api, down)
            self._authorize(api, request)
            sim_request = api.parse(_json(raw))
            model = self._model(sim_request.model)
            input_tokens, budget = self._admit(sim_request, model)
            plan, index = self.fault_control.admit()
            generation = plan_generation(
                model,
                sim_request.prompt,
                max_tokens=budget,
                input_tokens=input_tokens,
                counter=self.counter,
                rng=random.Random(self._rng.getrandbits(64)),
                speed=self.speed,
            )
            info = RequestInfo(api.api, model, sim_request.model, sim_request.stream, input_tokens, budget, index,
                               generation.output_tokens)
            self.stats.request(info.model_name)
            action = plan.on_request(info)
            if action.delay_s > 0:
                self.stats.fault(info.model_name, "latency_ms")
            started += action.delay_s
            if not await self._pause_until(started):
                raise _shutting_down()
            exchange = _Exchange(request, api, plan, info, started, generation, api.dialect(sim_request, model))
            if (failed := await self._fail_before_response(exchange, action)) is not None:
                return failed
            if sim_request.stream:
                return StreamingResponse(
                    self._stream(exchange),
                    media_type="text/event-stream",
                    headers={"cache-control": "no-cache", **_ids(api)},
                )
            return await self._answer(exchange)
        except SimError as error:
            return _error_response(api, error)

    def _down_model(self, raw: Any) -> str | None:
        """The model a request names if that model is down. Checked before
        authentication and validation: an unreachable host does neither."""
        name = raw.get("model") if isinstance(raw, dict) else None
        if isinstance(name, str) and self.fault_control.plan.is_down(name):
            return name
        return None

    def _authorize(self, api: _ApiSpec, request: Request) -> None:
        if self.require_api_key is None:
            return
        given = api.api_key(request.headers)
        if given != self.require_api_key:
            raise invalid_api_key(given)

    def _model(self, name: str) -> ModelSpec:
        model = self.catalog.by_sim_name(name)
        if model is None and name in self.embedding_models:
            raise SimError(SimErrorKind.NOT_FOUND, "This is not a chat model and thus not supported in the "
                           "v1/chat/completions endpoint.", param="model", anthropic_message=f"model: {name}")
        if model is None:
            raise unknown_model(name)
        return model

    def _count(self, messages: tuple[Message, ...]) -> int:
        return self.counter.count_request(ChatRequest(messages=messages)).tokens

    def _admit(self, request: SimRequest, model: ModelSpec) -> tuple[int, int]:
        """Check limits the way the real APIs do; the input tokens and the output budget."""
        if request.max_tokens is not None and request.max_tokens > model.max_output_tokens:
            raise bad_request(
                f"max_tokens: {request.max_tokens} > {model.max_output_tokens}, which is the maximum allowed "
                f"number of output tokens for {request.model}",
                param="max_tokens",
            )
        input_tokens = self._count(request.messages)
        if input_tokens + (request.max_tokens or 0) > model.context_window:
            raise context_too_long(request.model, model.context_window, input_tokens, request.max_tokens)
        return input_tokens, request.max_tokens or min(model.max_output_tokens, model.context_window - input_tokens)

    async def _answer(self, ex: _Exchange) -> Response:
        """A non-streaming answer, once it would have finished."""
        generation = ex.generation

        def render() -> JSONResponse:
            return JSONResponse(ex.dialect.message(generation), headers=_ids(ex.api))

        answer = await asyncio.to_thread(render) if ex.dialect.heavy else render()
        due = ex.started + generation.duration_s
        return await self._reply_at(ex, due, len(generation.chunks), generation.output_tokens, answer)

    async def _reply_at(self, ex: _Admitted, due: float, index: int, tokens: int, answer: Response) -> Response:
        """Send `answer` at `due` (loop time); the plan's last word (`on_chunk`
        as after the last chunk: `index` chunks, `tokens` tokens) comes first."""
        if not await self._pause_until(due):
            raise _shutting_down()
        action = ex.plan.on_chunk(ex.info, index, tokens)
        if action.delay_s and not await self._pause_until(asyncio.get_running_loop().time() + action.delay_s):
            raise _shutting_down()
        return await self._fail_before_response(ex, action, answer=answer) or answer

    async def _stream(self, ex: _Exchange) -> AsyncIterator[bytes]:
        """Paced against absolute deadlines so that send overhead does not
        accumulate. A client disconnect cancels this generator (Starlette
        watches for it), which ends it at its current sleep."""
        self.active_streams += 1
        try:
            generation, dialect = ex.generation, ex.dialect
            if dialect.heavy:
                opening = await asyncio.to_thread(dialect.stream_open, generation)
            else:
                opening = dialect.stream_open(generation)
            if opening:
                yield opening
            due = ex.started
            chunks = generation.chunks
            tokens_per_char = generation.output_tokens / max(1, len(generation.text))
            tokens_sent = 0.0
            for index in range(len(chunks) + 1):  # the last step sends the closing events
                closing = index == len(chunks)
                action = ex.plan.on_chunk(ex.info, index, round(tokens_sent))
                gap = generation.gaps_s[index] if not closing else 0.0 if chunks else generation.gaps_s[0]
                due += gap + action.delay_s
                if not await self._pause_until(due):
                    return
                if action.error or action.drop or action.stall:
                    self.stats.fault(ex.info.model_name, action.fault_name or "fault", mid_stream=True)
                    if action.error:
                        yield dialect.stream_error(action.error)
                    elif action.drop or await self._pause(STALL_CAP_S):  # a stall past the cap is dropped
                        await self._drop_stream(ex.request)
                    return
                if closing:
                    yield dialect.stream_close(generation)
                else:
                    yield dialect.stream_chunk(index, chunks[index])
                    tokens_sent += len(chunks[index]) * tokens_per_char
        finally:
            self.active_streams -= 1

    # --- failures -------------------------------------------------------

    async def _fail_before_response(
        self, ex: _Admitted, action: Action, *, answer: Response | None = None
    ) -> Response | None:
        """Carry out a failing action before anything was sent; None if the
        action does not fail. A drop with an `answer` sends its headers first."""
        if not (action.error or action.drop or action.stall):
            return None
        self.stats.fault(ex.info.model_name, action.fault_name or "fault")
        if action.error:
            return _error_response(ex.api, action.error)
        if action.stall:
            return await self._stall(ex.request, ex.api)
        if answer is not None and self.connections.can_abort(ex.request.client):
            return HeadersThenDrop(answer, lambda: self.connections.abort(ex.request.client))
        return await self._drop(ex.request, ex.api)

    async def _unreachable(self, request: Request, api: _ApiSpec, model: str) -> Response:
        self.stats.request(model)
        self.stats.fault(model, "down")
        return await self._drop(request, api)

    async def _drop(self, request: Request, api: _ApiSpec) -> Response:
        """Close the connection without a response. Served by something other
        than SimServer the connection cannot be reached: answer 503 instead."""
        if not self.connections.abort(request.client):
            return _error_response(api, _cannot_drop())
        await wait_for_disconnect(request.receive)
        return NoResponse()

    async def _drop_stream(self, request: Request) -> None:
        """Mid-stream: Starlette's disconnect watcher cancels us once Uvicorn
        sees the connection gone; without a tracked connection the stream just
        ends without its closing events."""
        if self.connections.abort(request.client):
            await self._pause(DISCONNECT_WAIT_S)

    async def _stall(self, request: Request, api: _ApiSpec) -> Response:
        """Send nothing until the client gives up, the server stops, or the
        safety cap passes (then drop, so a stall never ends cleanly)."""
        disconnected = asyncio.ensure_future(wait_for_disconnect(request.receive, STALL_CAP_S))
        stopping = asyncio.ensure_future(self._stopping_event().wait())
        try:
            await asyncio.wait({disconnected, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            disconnected.cancel()
            stopping.cancel()
        if stopping.done() and not stopping.cancelled():
            return _error_response(api, _shutting_down())
        if disconnected.done() and not disconnected.cancelled() and disconnected.result():
            return NoResponse()
        return await self._drop(request, api)

    # --- time -------------------------------------------------------------

    async def _pause(self, seconds: float) -> bool:
        return await self._pause_until(asyncio.get_running_loop().time() + seconds)

    async def _pause_until(self, deadline: float) -> bool:
        """Sleep until `deadline` (loop time); False if the server is stopping.
        Always yields to the loop, even when behind schedule: at high speed
        factors a stream could otherwise write many chunks in one go to a
        connection whose loss the loop has not yet had a chance to report."""
        stopping = self._stopping_event()
        delay = deadline - asyncio.get_running_loop().time()
        if delay > _INTERRUPTIBLE_AFTER_S:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
        else:
            await asyncio.sleep(max(0.0, delay))
        return not stopping.is_set()


class _Invalid:
    """A body that is not JSON (reported after authentication)."""


_INVALID = _Invalid()


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _INVALID


def _json(raw: Any) -> Any:
    if raw is _INVALID:
        raise bad_request(
            "We could not parse the JSON body of your request. The body must be a JSON object."
        )
    return raw


def _ids(api: _ApiSpec) -> dict[str, str]:
    return {api.request_id_header: random_id("req_sim_")}


def _error_response(api: _ApiSpec, error: SimError) -> JSONResponse:
    return JSONResponse(api.error_body(error), status_code=error.status, headers={**error.headers, **_ids(api)})


def _shutting_down() -> SimError:
    return SimError(SimErrorKind.API_ERROR, "The simulator is shutting down.", status=503)


def _cannot_drop() -> SimError:
    return SimError(SimErrorKind.API_ERROR, "A simulated connection failure (down or cut) could not be produced: "
                    "this server cannot drop connections; run the simulator with SimServer.", status=503)


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
    `cut` to drop real connections. A bad fault spec is a `UserError`."""
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
            Route("/v1/models", service.models, methods=["GET"]),
            *control_routes(service.fault_control, service.stats, service.authorize_control),
        ]
    )
    app.state.sim = service
    return app
