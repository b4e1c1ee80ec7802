"""The adapters read stream bodies themselves (`providers/sse.py`) instead of
through the SDKs' stream classes. Each body here is served over loopback
HTTP to both: the adapter, and the bare SDK read as the adapter read it
before (`sdk_openai` / `sdk_anthropic` below); the chunks and the mapped
errors must be the same. Bodies are streams recorded from the simulator
(text with logprobs, tool calls) and written ones for what the simulator
never sends (CRLF and CR line ends, comments, lines split across reads,
multi-line data, pings, an error in the stream, a cut, a missing end).
Then the simulator's own mid-stream faults (error, cut, stall) against the
adapters, and leaving or cancelling a stream early (no connection leaks)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from playground.core.errors import ErrorKind, ProviderError
from playground.core.messages import ChatRequest, ToolChoice, ToolDef
from playground.providers import anthropic_provider, openai_provider
from playground.providers.base import ChatProvider, Chunk, Delta, Endpoint, TokenLogprobs, ToolCallChunk, Usage
from playground.providers.errors import incomplete_stream, map_sdk_error
from playground.providers.http import HttpTimeouts
from playground.providers.pool import ProviderPool
from playground.sim.errors import overloaded, server_error
from playground.sim.faults.plan import PROCEED, Action, FaultPlan, RequestInfo
from playground.sim.runner import SimServer
from tests.helpers.replay_http import ReplayServer, Script

KEY = "sim-key"
PROMPT = "Explain how a B-tree index speeds up database queries."
WEATHER = ToolDef("get_weather", {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
TEXT = ChatRequest(messages=ChatRequest.from_prompt(PROMPT).messages, max_output_tokens=60, logprobs=True)
TOOL = ChatRequest.from_prompt("What is the weather in Oslo?", tools=(WEATHER,),
                               tool_choice=ToolChoice("named", "get_weather"))
OPENAI_MODEL, ANTHROPIC_MODEL = "sim-gpt-4o", "sim-claude-opus-4-5"
Outcome = tuple[list[Chunk], ProviderError | None]


# --- the adapter, and the SDK as the adapter read it before -------------------------------
@asynccontextmanager
async def adapter(kind: str, base_url: str, timeouts: HttpTimeouts | None = None) -> AsyncIterator[ChatProvider]:
    endpoint = Endpoint(kind, "openai" if kind == "openai" else "anthropic",
                        base_url + "/v1" if kind == "openai" else base_url, KEY, "", True)
    pool = ProviderPool({kind: endpoint}, timeouts)
    try:
        yield pool.provider_for_endpoint(endpoint)
    finally:
        await pool.aclose()


async def outcome(chunks: AsyncIterator[Chunk]) -> Outcome:
    got: list[Chunk] = []
    try:
        async for chunk in chunks:
            got.append(chunk)
    except ProviderError as error:
        return got, error
    return got, None


async def read_adapter(kind: str, base_url: str, model: str, request: ChatRequest) -> Outcome:
    async with adapter(kind, base_url) as provider:
        return await outcome(provider.stream(model, request))


async def sdk_openai(base_url: str, request: ChatRequest) -> Outcome:
    """The bare SDK's stream, read as `OpenAIProvider.stream` read it before."""
    client = openai.AsyncOpenAI(base_url=base_url + "/v1", api_key=KEY, max_retries=0)
    got: list[Chunk] = []
    finished = False
    try:
        stream = await client.chat.completions.create(
            model=OPENAI_MODEL, messages=[openai_provider.message_param(m) for m in request.messages], stream=True,
            stream_options={"include_usage": True}, max_tokens=request.max_output_tokens,
            logprobs=True if request.logprobs else openai.omit,
            tools=[openai_provider.tool_param(t) for t in request.tools] if request.tools else openai.omit,
            tool_choice=(openai_provider.tool_choice_param(request.tool_choice) if request.tool_choice
                         else openai.omit))
        async with stream as chunks:
            async for chunk in chunks:
                if chunk.usage is not None:
                    got.append(Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0))
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        got.append(Delta(choice.delta.content))
                    for call in (choice.delta.tool_calls if choice.delta else None) or ():
                        function = call.function
                        got.append(ToolCallChunk(call.index, call.id or "", (function.name if function else None) or "",
                                                 (function.arguments if function else None) or ""))
                    if choice.logprobs is not None and choice.logprobs.content:
                        got.append(TokenLogprobs(tuple(item.logprob for item in choice.logprobs.content)))
                    finished = finished or bool(choice.finish_reason)
    except (openai.OpenAIError, httpx2.HTTPError) as exc:
        return got, map_sdk_error(exc, openai_provider.SDK_ERRORS, "openai", base_url + "/v1")
    finally:
        await client.close()
    return got, None if finished else incomplete_stream("openai", "no finish_reason")


async def sdk_anthropic(base_url: str, request: ChatRequest) -> Outcome:
    """The bare SDK's stream, read as `AnthropicProvider.stream` read it before."""
    client = anthropic.AsyncAnthropic(base_url=base_url, api_key=KEY, max_retries=0)
    got: list[Chunk] = []
    input_tokens, output_tokens, stopped = 0, None, False
    _, messages = anthropic_provider.message_params(request)
    try:
        events = await client.messages.create(
            model=ANTHROPIC_MODEL, max_tokens=request.max_output_tokens, messages=messages, stream=True,
            tools=[anthropic_provider.tool_param(t) for t in request.tools] if request.tools else anthropic.omit,
            tool_choice=anthropic_provider.tool_choice_param(request) if request.tools else anthropic.omit)
        async with events:
            async for event in events:
                if event.type == "message_start":
                    input_tokens = event.message.usage.input_tokens or 0
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    got.append(Delta(event.delta.text))
                elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                    got.append(ToolCallChunk(event.index, event.content_block.id, event.content_block.name))
                elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                    got.append(ToolCallChunk(event.index, arguments=event.delta.partial_json))
                elif event.type == "message_delta":
                    output_tokens = event.usage.output_tokens
                elif event.type == "message_stop":
                    stopped = True
    except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
        return got, map_sdk_error(exc, anthropic_provider.SDK_ERRORS, "anthropic", base_url)
    finally:
        await client.close()
    if not stopped:
        return got, incomplete_stream("anthropic", "no message_stop")
    return got + ([Usage(input_tokens, output_tokens)] if output_tokens is not None else []), None


def same(ours: Outcome, sdk: Outcome, *, same_message: bool = True) -> None:
    assert ours[0] == sdk[0]
    if sdk[1] is None:
        assert ours[1] is None
        return
    assert ours[1] is not None and ours[1].kind is sdk[1].kind
    assert (ours[1].status, ours[1].retry_after_s) == (sdk[1].status, sdk[1].retry_after_s)
    if same_message:
        assert ours[1].message == sdk[1].message


async def both(script: Script, kind: str, request: ChatRequest) -> tuple[Outcome, Outcome]:
    async with ReplayServer(script) as replay:
        model = OPENAI_MODEL if kind == "openai" else ANTHROPIC_MODEL
        ours = await read_adapter(kind, replay.base_url, model, request)
        sdk = await (sdk_openai if kind == "openai" else sdk_anthropic)(replay.base_url, request)
    return ours, sdk


# --- streams recorded from the simulator ---------------------------------------------------
async def record(sim: SimServer, kind: str, request: ChatRequest) -> list[bytes]:
    """The body of one real simulator stream, as the network reads came."""
    if kind == "openai":
        url, headers = sim.base_url + "/v1/chat/completions", {"authorization": f"Bearer {KEY}"}
        body: dict[str, Any] = {"model": OPENAI_MODEL, "stream": True, "stream_options": {"include_usage": True},
                                "messages": [{"role": "user", "content": request.messages[-1].content}],
                                "max_tokens": request.max_output_tokens, "logprobs": request.logprobs}
        if request.tools:
            body["tools"] = [openai_provider.tool_param(t) for t in request.tools]
            body["tool_choice"] = {"type": "function", "function": {"name": request.tools[0].name}}
    else:
        url, headers = sim.base_url + "/v1/messages", {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
        body = {"model": ANTHROPIC_MODEL, "stream": True, "max_tokens": request.max_output_tokens,
                "messages": [{"role": "user", "content": request.messages[-1].content}]}
        if request.tools:
            body["tools"] = [anthropic_provider.tool_param(t) for t in request.tools]
            body["tool_choice"] = {"type": "tool", "name": request.tools[0].name}
    async with httpx2.AsyncClient() as client, client.stream("POST", url, json=body, headers=headers) as response:
        assert response.status_code == 200
        return [piece async for piece in response.aiter_raw() if piece]


@pytest.fixture(scope="module")
def sim() -> Any:
    with SimServer(port=0, speed=20) as server:
        yield server


@pytest.mark.parametrize(("kind", "request_"), [("openai", TEXT), ("openai", TOOL), ("anthropic", TEXT),
                                                ("anthropic", TOOL)], ids=["openai-text", "openai-tool",
                                                                           "anthropic-text", "anthropic-tool"])
async def test_simulator_streams_give_the_chunks_the_sdk_gave(sim: SimServer, kind: str,
                                                              request_: ChatRequest) -> None:
    pieces = await record(sim, kind, request_)
    ours, sdk = await both(Script(pieces), kind, request_)
    same(ours, sdk)
    assert ours[1] is None and any(isinstance(c, Usage) and c.output_tokens > 0 for c in ours[0])
    if request_.tools:
        arguments = "".join(c.arguments for c in ours[0] if isinstance(c, ToolCallChunk))
        assert json.loads(arguments) == {"city": "Oslo"}
    else:
        assert sum(isinstance(c, Delta) for c in ours[0]) > 3
    if kind == "openai" and request_.logprobs:
        assert any(isinstance(c, TokenLogprobs) for c in ours[0])
    # The same bytes split at other places (a line across reads, a CRLF in two): the same chunks.
    body = b"".join(pieces)
    ours_split, _ = await both(Script([body[i:i + 7] for i in range(0, len(body), 7)]), kind, request_)
    assert ours_split == ours


# --- written bodies: what the simulator never sends ------------------------------------------
def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    return json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                       "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
                       **extra}).encode()


HELLO, WORLD = chunk({"role": "assistant", "content": "Hello"}), chunk({"content": ", world"})
END = chunk({}, "stop")
USAGE = json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [],
                    "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}).encode()


async def test_crlf_comments_split_lines_and_multi_line_data() -> None:
    multi_line = b'data: {"id": "c", "object": "chat.completion.chunk",\r\ndata: "created": 1, "model": "m",\r\n' \
                 b'data: "choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": null}]}\r\n\r\n'
    body = (b": connected\r\n\r\ndata: " + HELLO + b"\r\n\r\n:ping\r\r" + b"data:" + WORLD + b"\r\r"
            + multi_line + b"data: " + END + b"\n\ndata: " + USAGE + b"\n\ndata: [DONE]\n\n")
    cut = body.index(b"world")
    crlf = body.index(b"\r\n\r\n:ping") + 1
    ours, sdk = await both(Script([body[:crlf], body[crlf:cut], body[cut:cut + 3], body[cut + 3:]]), "openai", TEXT)
    same(ours, sdk)
    assert ours[0] == [Delta("Hello"), Delta(", world"), Delta("!"), Usage(9, 3)] and ours[1] is None


async def test_an_error_inside_the_stream_maps_as_before() -> None:
    error = json.dumps({"error": {"message": "The server had an error.", "type": "server_error", "code": None}})
    ours, sdk = await both(Script([b"data: " + HELLO + b"\n\n", b"data: " + error.encode() + b"\n\n"]), "openai", TEXT)
    same(ours, sdk)
    assert ours[0] == [Delta("Hello")] and ours[1] is not None and ours[1].kind is ErrorKind.SERVER_ERROR
    assert "The server had an error." in ours[1].message


async def test_a_body_without_finish_reason_is_incomplete() -> None:
    ours, sdk = await both(Script([b"data: " + HELLO + b"\n\ndata: [DONE]\n\n"]), "openai", TEXT)
    same(ours, sdk)
    assert ours[1] is not None and ours[1].kind is ErrorKind.CONNECTION and "no finish_reason" in ours[1].message


async def test_a_cut_connection_is_a_connection_error() -> None:
    ours, sdk = await both(Script([b"data: " + HELLO + b"\n\n", b"data: " + WORLD[:20]], cut=True), "openai", TEXT)
    # The same kind; the message now says the connection broke (the SDK wrapped it as "cannot connect").
    same(ours, sdk, same_message=False)
    assert ours[0] == [Delta("Hello")] and ours[1] is not None and ours[1].kind is ErrorKind.CONNECTION


async def test_an_http_error_before_the_stream_maps_exactly_as_before() -> None:
    body = json.dumps({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}})
    script = Script([body.encode()], status=429, headers={"content-type": "application/json", "retry-after": "2"})
    ours, sdk = await both(script, "openai", TEXT)
    same(ours, sdk)
    assert ours[1] is not None and ours[1].kind is ErrorKind.RATE_LIMITED and ours[1].retry_after_s == 2.0


async def test_after_done_the_connection_is_reused() -> None:
    """`[DONE]` comes a moment before the body's end: the rest is read so
    the connection goes back to the pool, as the SDK did."""
    script = Script([b"data: " + HELLO + b"\n\n", b"data: " + END + b"\n\ndata: [DONE]\n\n"])
    async with ReplayServer(script) as replay, adapter("openai", replay.base_url) as provider:
        for _ in range(3):
            got, error = await outcome(provider.stream(OPENAI_MODEL, TEXT))
            assert error is None and got == [Delta("Hello")]
        assert replay.connections == 1 and len(replay.requests) == 3


def event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\r\ndata: {json.dumps(data)}\r\n\r\n".encode()


START = event("message_start", {"type": "message_start", "message": {
    "id": "m", "type": "message", "role": "assistant", "model": "m", "content": [], "stop_reason": None,
    "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 1}}})
BLOCK = event("content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}})


def text(value: str) -> bytes:
    return event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": value}})


STOP = (event("content_block_stop", {"type": "content_block_stop", "index": 0})
        + event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                  "usage": {"output_tokens": 4}})
        + event("message_stop", {"type": "message_stop"}))
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


async def test_anthropic_pings_comments_and_crlf() -> None:
    body = START + PING + b": keep-alive\r\n\r\n" + BLOCK + text("Hel") + PING + text("lo") + STOP
    cut = body.index(b'"Hel"') + 2
    ours, sdk = await both(Script([body[:cut], body[cut:]]), "anthropic", TEXT)
    same(ours, sdk)
    assert ours == ([Delta("Hel"), Delta("lo"), Usage(11, 4)], None)


async def test_anthropic_error_event_maps_as_before() -> None:
    error = event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    ours, sdk = await both(Script([START + BLOCK + text("Hel"), error]), "anthropic", TEXT)
    same(ours, sdk)
    assert ours[0] == [Delta("Hel")] and ours[1] is not None and ours[1].kind is ErrorKind.OVERLOADED


async def test_anthropic_without_message_stop_is_incomplete() -> None:
    ours, sdk = await both(Script([START + BLOCK + text("Hel")]), "anthropic", TEXT)
    same(ours, sdk)
    assert ours[1] is not None and ours[1].kind is ErrorKind.CONNECTION and "message_stop" in ours[1].message


# --- the simulator's own faults in the middle of a stream ------------------------------------
class AtChunk(FaultPlan):
    """`action` before streamed chunk 2 of every stream."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def on_chunk(self, info: RequestInfo, index: int, tokens_sent: int) -> Action:
        return self.action if index == 2 else PROCEED


@pytest.mark.parametrize(("kind", "action", "expected"), [
    ("openai", Action(error=server_error(500)), ErrorKind.SERVER_ERROR),
    ("anthropic", Action(error=overloaded()), ErrorKind.OVERLOADED),
    ("openai", Action(drop=True), ErrorKind.CONNECTION),
    ("anthropic", Action(drop=True), ErrorKind.CONNECTION),
    ("openai", Action(stall=True), ErrorKind.TIMEOUT),
    ("anthropic", Action(stall=True), ErrorKind.TIMEOUT),
], ids=["openai-error", "anthropic-overloaded", "openai-cut", "anthropic-cut", "openai-stall", "anthropic-stall"])
async def test_simulator_faults_mid_stream(kind: str, action: Action, expected: ErrorKind) -> None:
    with SimServer(port=0, speed=20, faults=AtChunk(action)) as server:
        async with adapter(kind, server.base_url, HttpTimeouts(read_s=2.0)) as provider:
            got, error = await outcome(provider.stream(OPENAI_MODEL if kind == "openai" else ANTHROPIC_MODEL, TEXT))
        assert error is not None and error.kind is expected, error
        assert [c for c in got if isinstance(c, Delta)], "the text before the fault arrived"
        await wait_for(lambda: server.service.active_streams == 0)


# --- leaving early ------------------------------------------------------------------------------
async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
@pytest.mark.parametrize("how", ["aclose", "cancel"])
async def test_leaving_a_stream_closes_its_response(kind: str, how: str) -> None:
    long = ChatRequest.from_prompt(PROMPT, max_output_tokens=2000)
    with SimServer(port=0, speed=1) as server:
        async with adapter(kind, server.base_url) as provider:
            stream = provider.stream(OPENAI_MODEL if kind == "openai" else ANTHROPIC_MODEL, long)
            if how == "aclose":
                first = [await anext(stream), await anext(stream)]
                assert all(isinstance(c, Delta) for c in first)
                await stream.aclose()
            else:
                two = asyncio.Event()

                async def read() -> None:
                    count = 0
                    async for _ in stream:
                        count += 1
                        if count == 2:
                            two.set()

                task = asyncio.create_task(read())
                await two.wait()
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            # The simulator sees the client go: its stream ends long before the answer would.
            await wait_for(lambda: server.service.active_streams == 0)
