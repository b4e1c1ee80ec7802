"""OpenAI and every OpenAI-compatible server, through the official SDK.

Parameters are built with the SDK's own typed params, so a wrong field or
type is a static error, not a 400 at run time. The SDK sends the request and
raises its status errors; a stream's body is read here (`sse.py`,
`openai_chunks.py`) instead of by the SDK's per-chunk pydantic models.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import httpx2
import jiter
import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionContentPartImageParam,
    ChatCompletionContentPartParam,
    ChatCompletionContentPartTextParam,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
    ChatCompletionNamedToolChoiceParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionUserMessageParam,
)
from openai.types.chat.completion_create_params import ResponseFormat as ResponseFormatParam
from openai.types.shared_params import FunctionDefinition, ResponseFormatJSONObject, ResponseFormatJSONSchema
from openai.types.shared_params.response_format_json_schema import JSONSchema

from playground.core.messages import ChatRequest, Message, ResponseFormat, ToolChoice, ToolDef
from playground.providers.base import Chunk, Endpoint
from playground.providers.errors import SdkErrors, incomplete_stream, map_sdk_error
from playground.providers.http import sdk_client_options
from playground.providers.openai_chunks import in_stream_error, read_chunk
from playground.providers.sse import SseDecoder, drain

SDK_ERRORS = SdkErrors(openai.OpenAIError, openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError)
_CAUGHT = (openai.OpenAIError, httpx2.HTTPError)


def message_param(message: Message) -> ChatCompletionMessageParam:
    if message.role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=message.content)
    if message.role == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=message.content)
    if not message.images:
        return ChatCompletionUserMessageParam(role="user", content=message.content)
    parts: list[ChatCompletionContentPartParam] = [
        ChatCompletionContentPartImageParam(type="image_url", image_url={"url": image.data_url, "detail": image.detail})
        for image in message.images
    ]
    if message.content:
        parts.append(ChatCompletionContentPartTextParam(type="text", text=message.content))
    return ChatCompletionUserMessageParam(role="user", content=parts)


def tool_param(tool: ToolDef) -> ChatCompletionFunctionToolParam:
    function = FunctionDefinition(name=tool.name, parameters=tool.parameters)
    if tool.description:
        function["description"] = tool.description
    return ChatCompletionFunctionToolParam(type="function", function=function)


def tool_choice_param(choice: ToolChoice) -> ChatCompletionToolChoiceOptionParam:
    if choice.mode == "named":
        return ChatCompletionNamedToolChoiceParam(type="function", function={"name": choice.name})
    return choice.mode


def response_format_param(output: ResponseFormat) -> ResponseFormatParam:
    if output.kind == "json_object":
        return ResponseFormatJSONObject(type="json_object")
    return ResponseFormatJSONSchema(type="json_schema",
                                    json_schema=JSONSchema(name=output.name, schema=output.schema or {}))


class OpenAIProvider:
    def __init__(self, endpoint: Endpoint, http_client: httpx2.AsyncClient) -> None:
        self.endpoint = endpoint
        self._client = openai.AsyncOpenAI(**sdk_client_options(endpoint.api_key, endpoint.base_url, http_client))

    @property
    def _official(self) -> bool:
        """OpenAI's own API (its current models take `max_completion_tokens`;
        compatible servers such as Ollama, vLLM or Groq still expect `max_tokens`)."""
        return self.endpoint.name == "openai" and not self.endpoint.simulated

    def _error(self, exc: BaseException) -> Exception:
        return map_sdk_error(exc, SDK_ERRORS, self.endpoint.name, self.endpoint.base_url)

    async def stream(self, api_model: str, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        """The SDK sends the request (typed params, headers, status errors);
        the body is read here (`sse.py`, `openai_chunks.py`), not by the
        SDK's stream class and its pydantic model per chunk."""
        finished = False
        limit = request.max_output_tokens
        try:
            async with self._client.chat.completions.with_streaming_response.create(
                model=api_model,
                messages=[message_param(m) for m in request.messages],
                stream=True,
                stream_options={"include_usage": True},
                max_completion_tokens=limit if self._official else openai.omit,
                max_tokens=openai.omit if self._official else limit,
                temperature=openai.omit if request.temperature is None else request.temperature,
                logprobs=True if request.logprobs else openai.omit,
                tools=[tool_param(t) for t in request.tools] if request.tools else openai.omit,
                tool_choice=(tool_choice_param(request.tool_choice) if request.tools and request.tool_choice
                             else openai.omit),
                parallel_tool_calls=(request.parallel_tool_calls
                                     if request.tools and request.parallel_tool_calls is not None else openai.omit),
                response_format=(response_format_param(request.response_format) if request.response_format
                                 else openai.omit),
            ) as raw:
                response = raw.http_response
                body = response.aiter_bytes()
                decoder = SseDecoder()
                chunks: list[Chunk] = []
                done = False
                async for read in body:
                    for _, data in decoder.feed(read):
                        if data.startswith(b"[DONE]"):
                            done = True
                            break
                        if not data:
                            continue
                        payload = jiter.from_json(data, cache_mode="keys")
                        if not isinstance(payload, dict):
                            continue
                        error = in_stream_error(payload, response.request)
                        if error is not None:
                            raise error
                        if read_chunk(payload, chunks):
                            finished = True
                        for chunk in chunks:
                            yield chunk
                        chunks.clear()
                    if done:
                        await drain(body, response)
                        break
        except _CAUGHT as exc:
            raise self._error(exc) from exc
        if not finished:
            # A body that ends without a finish_reason was cut short, even if
            # the transport closed cleanly: never pass it off as an answer.
            raise incomplete_stream(self.endpoint.name, "no finish_reason")

    async def embed(self, api_model: str, texts: list[str],
                    dimensions: int | None = None) -> tuple[list[list[float]], int]:
        """Vectors for `texts` and the input tokens billed."""
        try:
            response = await self._client.embeddings.create(
                model=api_model, input=texts, encoding_format="float",
                dimensions=openai.omit if dimensions is None else dimensions)
        except _CAUGHT as exc:
            raise self._error(exc) from exc
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        return vectors, response.usage.prompt_tokens if response.usage else 0

    async def list_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
            return sorted(model.id for model in page.data)
        except _CAUGHT as exc:
            raise self._error(exc) from exc
