"""The request path behind the app: OpenAI Chat Completions and Anthropic
Messages serving a simulated counterpart of every catalog model, OpenAI
Embeddings serving the simulated embedding models, and the model lists.

One path for both chat APIs: read the body safely, drop it if its model is
down, authenticate, parse, resolve the model (by any name it is served
under), check what it accepts (images), count the input (messages, tool
definitions, images), plan the answer (text, JSON or tool calls), consult
the fault plan, then either stream it paced in real time or answer once it
would have finished, failing wherever the plan says. Everything
protocol-specific lives in the dialects and parsers.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from playground.core.catalog import Catalog, ModelSpec
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter, default_counter
from playground.sim.content.embedding_models import EMBEDDING_MODELS, EmbeddingModel
from playground.sim.content.generation import JITTER, Generation, plan_generation
from playground.sim.errors import SimError, SimErrorKind, bad_request, context_too_long, invalid_api_key, unknown_model
from playground.sim.faults.control import FaultControl, Faults
from playground.sim.faults.plan import Action, FaultPlan, RequestInfo
from playground.sim.faults.stats import SimStats
from playground.sim.features.capabilities import supports_images
from playground.sim.features.output import plan_output
from playground.sim.features.schema_checks import SchemaError
from playground.sim.wire import anthropic_messages, anthropic_request, openai_chat
from playground.sim.wire import embeddings as embeddings_wire
from playground.sim.wire.apis import ANTHROPIC, OPENAI, ApiSpec, error_response, ids
from playground.sim.wire.body import Disconnected, parse_json, read_body
from playground.sim.wire.connections import ConnectionRegistry, NoResponse
from playground.sim.wire.control_api import ControlError
from playground.sim.wire.delivery import STALL_CAP_S, Admitted, Delivery, shutting_down
from playground.sim.wire.dialect import Dialect, SimRequest
from playground.sim.wire.embeddings import EmbeddingRequest
from playground.sim.wire.models import ServedModels

_Parsed = TypeVar("_Parsed")
# Most frames sent together when a stream is behind, so one very fast stream
# still yields the loop to the others now and then.
_MOST_BATCHED = 64


@dataclass(frozen=True, slots=True)
class _Exchange(Admitted):
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
        self.models = ServedModels(catalog, EMBEDDING_MODELS.values())
        self.embedding_models: dict[str, EmbeddingModel] = {m.sim_name: m for m in EMBEDDING_MODELS.values()}
        self.fault_control = FaultControl(self.models.aliases(), faults, seed)
        self.stats = SimStats()
        self.connections = ConnectionRegistry()
        self.delivery = Delivery(self.stats, self.connections)
        self.counter = counter or default_counter()
        self.active_streams = 0
        self._rng = random.Random(seed)
        self._created = int(datetime.fromisoformat(catalog.catalog_date).replace(tzinfo=UTC).timestamp())

    def begin_serving(self) -> None:
        self.delivery.begin_serving()

    def begin_shutdown(self) -> None:
        """End streams and pending answers now rather than letting the server wait for them."""
        self.delivery.begin_shutdown()

    # --- routes ---------------------------------------------------------

    async def chat_completions(self, request: Request) -> Response:
        return await self._chat(request, OPENAI)

    async def messages(self, request: Request) -> Response:
        return await self._chat(request, ANTHROPIC)

    async def count_tokens(self, request: Request) -> Response:
        try:
            parsed = await self._parsed(request, ANTHROPIC, anthropic_request.parse_count_tokens)
            model = self._model(parsed.model)
            self._check_features(ANTHROPIC, parsed, model)
            tokens = self._count(ANTHROPIC, parsed)
        except _Unreachable as down:
            return await self.delivery.unreachable(request, ANTHROPIC, down.model)
        except SimError as error:
            return error_response(ANTHROPIC, error)
        except Disconnected:
            return NoResponse()
        return JSONResponse({"input_tokens": tokens}, headers=ids(ANTHROPIC))

    async def models_list(self, request: Request) -> Response:
        api = ANTHROPIC if "anthropic-version" in request.headers else OPENAI
        try:
            self._authorize(api, request)
        except SimError as error:
            return error_response(api, error)
        names = self.models.listed_chat_names()
        if api is ANTHROPIC:  # Anthropic has no embeddings API
            entries = [(n, f"{m.id} (simulated)", m.context_window, m.max_output_tokens)
                       for n in names if (m := self.models.chat[n]) is not None]
            return JSONResponse(anthropic_messages.model_list(entries, self._created), headers=ids(api))
        listing = openai_chat.model_list(names, self._created, list(self.embedding_models.values()))
        return JSONResponse(listing, headers=ids(api))

    async def embeddings(self, request: Request) -> Response:
        """`POST /v1/embeddings`: validated, counted and embedded (off the
        loop: a large batch takes a while), then the fault plan has its say
        and the answer comes once the simulated latency has passed."""
        started = asyncio.get_running_loop().time()
        try:
            parsed = await self._parsed(request, OPENAI, embeddings_wire.parse_request)
            model = self._embedding_model(parsed.model)
            tokens, answer = await asyncio.to_thread(self._embed, parsed, model)
            plan, index = self.fault_control.admit()
            info = RequestInfo("openai", None, model.sim_name, False, tokens, 0, index, endpoint="embeddings")
            action, started = await self._count_and_delay(plan, info, started)
            admitted = Admitted(request, OPENAI, plan, info, started)
            if (failed := await self.delivery.fail_before_response(admitted, action)) is not None:
                return failed
            duration = (model.latency_ms / 1000 + tokens / model.tokens_per_s) * self._jitter() / self.speed
            return await self.delivery.reply_at(admitted, started + duration, 0, 0, answer)
        except _Unreachable as down:
            return await self.delivery.unreachable(request, OPENAI, down.model)
        except SimError as error:
            return error_response(OPENAI, error)
        except Disconnected:
            return NoResponse()

    def _embedding_model(self, name: str) -> EmbeddingModel:
        model = self.models.embedding_model(name)
        if model is not None:
            return model
        if self.models.chat_model(name) is not None:
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
        return sum(counts), JSONResponse(body, headers=ids(OPENAI))

    def _jitter(self) -> float:
        return self._rng.uniform(1 - JITTER, 1 + JITTER)

    def authorize_control(self, request: Request) -> None:
        """The control API follows the same key rule as the model endpoints."""
        if self.require_api_key is not None and anthropic_request.api_key(request.headers) != self.require_api_key:
            raise ControlError(401, "missing or wrong API key: the simulator was started with --api-key; send it "
                               "as 'Authorization: Bearer KEY' or 'x-api-key: KEY'", "authentication_error")

    # --- the request path -----------------------------------------------

    async def _chat(self, request: Request, api: ApiSpec) -> Response:
        started = asyncio.get_running_loop().time()
        try:
            sim_request = await self._parsed(request, api, api.parse)
            model = self._model(sim_request.model)
            self._check_features(api, sim_request, model)
            input_tokens, budget = self._admit(api, sim_request, model)
            try:
                output = plan_output(model, sim_request.prompt, sim_request.features, call_id_prefix=api.call_id_prefix)
            except SchemaError as exc:
                raise bad_request(f"The simulator cannot build a value for this schema: {exc}.",
                                  param="response_format" if api is OPENAI else None) from None
            plan, index = self.fault_control.admit()
            generation = plan_generation(
                model,
                sim_request.prompt,
                max_tokens=budget,
                input_tokens=input_tokens,
                counter=self.counter,
                rng=random.Random(self._rng.getrandbits(64)),
                speed=self.speed,
                answer=output.answer,
                tool_calls=output.tool_calls,
            )
            info = RequestInfo(api.api, model, model.sim_name, sim_request.stream, input_tokens, budget, index,
                               generation.output_tokens)
            action, started = await self._count_and_delay(plan, info, started)
            exchange = _Exchange(request, api, plan, info, started, generation, api.dialect(sim_request, model))
            if (failed := await self.delivery.fail_before_response(exchange, action)) is not None:
                return failed
            if sim_request.stream:
                return StreamingResponse(
                    self._stream(exchange),
                    media_type="text/event-stream",
                    headers={"cache-control": "no-cache", **ids(api)},
                )
            return await self._answer(exchange)
        except _Unreachable as down:
            return await self.delivery.unreachable(request, api, down.model)
        except SimError as error:
            return error_response(api, error)
        except Disconnected:
            return NoResponse()

    async def _count_and_delay(self, plan: FaultPlan, info: RequestInfo, started: float) -> tuple[Action, float]:
        """Every answered request (chat or embeddings): counted, its fault
        decided, an injected latency waited out; (the action, the new start)."""
        self.stats.request(info.model_name)
        action = plan.on_request(info)
        if action.delay_s > 0:
            self.stats.fault(info.model_name, "latency_ms")
        started += action.delay_s
        if not await self.delivery.pause_until(started):
            raise shutting_down()
        return action, started

    async def _parsed(self, request: Request, api: ApiSpec, parse: Callable[[Any], _Parsed]) -> _Parsed:
        """Read the body, then check in the order a real host would: a model
        that is down drops the request unread (`_Unreachable`), then the key,
        then the body's JSON and fields (a 400)."""
        raw = await read_body(request)
        try:
            body: Any = parse_json(raw)
        except SimError as error:
            body = _Unparsable(error)
        if (down := self._down_model(body)) is not None:
            raise _Unreachable(down)
        self._authorize(api, request)
        if isinstance(body, _Unparsable):
            raise body.error
        return parse(body)

    def _down_model(self, raw: Any) -> str | None:
        """The canonical name of the model a request names, if that model is down."""
        name = raw.get("model") if isinstance(raw, dict) else None
        if isinstance(name, str):
            canonical = self.models.canonical(name)
            if self.fault_control.plan.is_down(canonical):
                return canonical
        return None

    def _authorize(self, api: ApiSpec, request: Request) -> None:
        if self.require_api_key is None:
            return
        given = api.api_key(request.headers)
        if given != self.require_api_key:
            raise invalid_api_key(given)

    def _model(self, name: str) -> ModelSpec:
        model = self.models.chat_model(name)
        if model is None and self.models.embedding_model(name) is not None:
            raise SimError(SimErrorKind.NOT_FOUND, "This is not a chat model and thus not supported in the "
                           "v1/chat/completions endpoint.", param="model", anthropic_message=f"model: {name}")
        if model is None:
            raise unknown_model(name)
        return model

    def _check_features(self, api: ApiSpec, request: SimRequest, model: ModelSpec) -> None:
        if request.features.images and not supports_images(model):
            raise api.no_images(request)

    def _count(self, api: ApiSpec, request: SimRequest) -> int:
        """Input tokens: messages, tool definitions, and images by the API's own rule."""
        tokens = self.counter.count_request(ChatRequest(messages=request.messages)).tokens
        if request.tool_text:
            tokens += self.counter.count_text(request.tool_text).tokens
        return tokens + sum(api.image_tokens(image) for image in request.features.images)

    def _admit(self, api: ApiSpec, request: SimRequest, model: ModelSpec) -> tuple[int, int]:
        """Check limits the way the real APIs do; the input tokens and the output budget."""
        if request.max_tokens is not None and request.max_tokens > model.max_output_tokens:
            raise bad_request(
                f"max_tokens: {request.max_tokens} > {model.max_output_tokens}, which is the maximum allowed "
                f"number of output tokens for {request.model}",
                param="max_tokens",
            )
        input_tokens = self._count(api, request)
        if input_tokens + (request.max_tokens or 0) > model.context_window:
            raise context_too_long(request.model, model.context_window, input_tokens, request.max_tokens)
        return input_tokens, request.max_tokens or min(model.max_output_tokens, model.context_window - input_tokens)

    async def _answer(self, ex: _Exchange) -> Response:
        """A non-streaming answer, once it would have finished."""
        generation = ex.generation

        def render() -> JSONResponse:
            return JSONResponse(ex.dialect.message(generation), headers=ids(ex.api))

        answer = await asyncio.to_thread(render) if ex.dialect.heavy else render()
        due = ex.started + generation.duration_s
        return await self.delivery.reply_at(ex, due, len(generation.pieces), generation.output_tokens, answer)

    async def _stream(self, ex: _Exchange) -> AsyncIterator[bytes]:
        """Paced against absolute deadlines so that send overhead does not
        accumulate. No chunk goes out before its time; those already due
        when one is ready (the loop is behind: a busy machine, a high speed
        factor) go out together in one send, up to `_MOST_BATCHED`, since
        every send costs a trip through Starlette, Uvicorn and h11. The
        fault plan still sees every chunk. A client disconnect cancels this
        generator (Starlette watches for it), which ends it at its current
        sleep."""
        self.active_streams += 1
        try:
            generation, dialect = ex.generation, ex.dialect
            if dialect.heavy:
                opening = await asyncio.to_thread(dialect.stream_open, generation)
            else:
                opening = dialect.stream_open(generation)
            if opening:
                yield opening
            clock = asyncio.get_running_loop().time
            stopping = self.delivery.stopping_event()
            due = ex.started
            pieces = generation.pieces
            tokens_per_char = generation.output_tokens / max(1, generation.streamed_chars)
            tokens_sent = 0.0
            batch: list[bytes] = []  # frames due and not yet sent
            for index in range(len(pieces) + 1):  # the last step sends the closing events
                closing = index == len(pieces)
                action = ex.plan.on_chunk(ex.info, index, round(tokens_sent))
                gap = generation.gaps_s[index] if not closing else 0.0 if pieces else generation.gaps_s[0]
                due += gap + action.delay_s
                if batch and (due > clock() or len(batch) >= _MOST_BATCHED):
                    yield b"".join(batch)
                    batch.clear()
                if batch:  # due already, and frames wait: no pause, no timer
                    if stopping.is_set():
                        return
                elif not await self.delivery.pause_until(due):
                    return
                if action.error or action.drop or action.stall:
                    if batch:
                        yield b"".join(batch)
                    self.stats.fault(ex.info.model_name, action.fault_name or "fault", mid_stream=True)
                    if action.error:
                        yield dialect.stream_error(action.error)
                    elif action.drop or await self.delivery.pause(STALL_CAP_S):  # a stall past the cap is dropped
                        await self.delivery.drop_stream(ex.request)
                    return
                if closing:
                    batch.append(dialect.stream_close(generation))
                else:
                    batch.append(dialect.stream_piece(index, pieces[index], generation))
                    tokens_sent += len(pieces[index].text) * tokens_per_char
            if batch:
                yield b"".join(batch)
        finally:
            self.active_streams -= 1


@dataclass(frozen=True, slots=True)
class _Unparsable:
    """A body that is not usable JSON (reported after authentication)."""

    error: SimError


class _Unreachable(Exception):
    """The request names a model that is down: no response at all."""

    def __init__(self, model: str) -> None:
        super().__init__(model)
        self.model = model
