"""Anthropic's Messages API through the official SDK, with its typed params.

The SDK sends the request and raises its status errors; a stream's body is
read here (`sse.py`, `anthropic_events.py`) instead of by the SDK's
per-event pydantic models."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Literal, cast

import anthropic
import httpx2
from anthropic.types import (
    AssistantMessageParam,
    Base64ImageSourceParam,
    ImageBlockParam,
    JSONOutputFormatParam,
    MessageParam,
    OutputConfigParam,
    TextBlockParam,
    ToolChoiceAnyParam,
    ToolChoiceAutoParam,
    ToolChoiceNoneParam,
    ToolChoiceParam,
    ToolChoiceToolParam,
    ToolParam,
    UserMessageParam,
)
from anthropic.types.tool_param import InputSchema

from playground.core.messages import ChatRequest, Message, ResponseFormat, ToolDef
from playground.providers.anthropic_events import MessageEvents
from playground.providers.base import Chunk, Endpoint, Usage
from playground.providers.errors import SdkErrors, incomplete_stream, map_sdk_error
from playground.providers.http import sdk_client_options
from playground.providers.sse import SseDecoder

SDK_ERRORS = SdkErrors(anthropic.AnthropicError, anthropic.APITimeoutError, anthropic.APIConnectionError,
                       anthropic.APIStatusError)
_CAUGHT = (anthropic.AnthropicError, httpx2.HTTPError)
MediaType = Literal["image/jpeg", "image/png", "image/gif", "image/webp"]


def message_params(request: ChatRequest) -> tuple[str, list[MessageParam]]:
    """The system prompt (Anthropic takes it apart) and the conversation."""
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    messages: list[MessageParam] = [
        AssistantMessageParam(role="assistant", content=m.content) if m.role == "assistant"
        else UserMessageParam(role="user", content=_user_content(m))
        for m in request.messages if m.role != "system"
    ]
    return system, messages


def _user_content(message: Message) -> str | list[ImageBlockParam | TextBlockParam]:
    """Text, or the images then the text (Anthropic's advice: images first)."""
    if not message.images:
        return message.content
    blocks: list[ImageBlockParam | TextBlockParam] = [
        ImageBlockParam(type="image", source=Base64ImageSourceParam(
            type="base64", media_type=cast(MediaType, image.media_type), data=image.base64))
        for image in message.images
    ]
    if message.content:
        blocks.append(TextBlockParam(type="text", text=message.content))
    return blocks


def tool_param(tool: ToolDef) -> ToolParam:
    param = ToolParam(name=tool.name, input_schema=cast(InputSchema, tool.parameters))
    if tool.description:
        param["description"] = tool.description
    return param


def tool_choice_param(request: ChatRequest) -> ToolChoiceParam:
    """The request's tool choice; `parallel_tool_calls=False` is Anthropic's
    `disable_parallel_tool_use`."""
    choice = request.tool_choice
    mode = choice.mode if choice else "auto"
    if mode == "none":
        return ToolChoiceNoneParam(type="none")
    disable = request.parallel_tool_calls is False
    if mode == "named" and choice is not None:
        return ToolChoiceToolParam(type="tool", name=choice.name, disable_parallel_tool_use=disable)
    if mode == "required":
        return ToolChoiceAnyParam(type="any", disable_parallel_tool_use=disable)
    return ToolChoiceAutoParam(type="auto", disable_parallel_tool_use=disable)


def output_config_param(output: ResponseFormat) -> OutputConfigParam:
    """Structured outputs. Anthropic has no "any JSON object" mode: JSON mode
    is sent as the schema of an object (see the catalog's features note)."""
    schema: dict[str, object] = (dict(output.schema) if output.kind == "json_schema" and output.schema
                                 else {"type": "object"})
    return OutputConfigParam(format=JSONOutputFormatParam(type="json_schema", schema=schema))


class AnthropicProvider:
    def __init__(self, endpoint: Endpoint, http_client: httpx2.AsyncClient) -> None:
        self.endpoint = endpoint
        self._client = anthropic.AsyncAnthropic(**sdk_client_options(endpoint.api_key, endpoint.base_url, http_client))

    def _error(self, exc: BaseException) -> Exception:
        return map_sdk_error(exc, SDK_ERRORS, self.endpoint.name, self.endpoint.base_url)

    async def stream(self, api_model: str, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        """The SDK sends the request (typed params, headers, status errors);
        the body is read here (`sse.py`, `anthropic_events.py`), not by the
        SDK's stream class and its pydantic model per event."""
        events = MessageEvents()
        system, messages = message_params(request)
        try:
            async with self._client.messages.with_streaming_response.create(
                model=api_model,
                max_tokens=request.max_output_tokens,
                messages=messages,
                stream=True,
                system=system or anthropic.omit,
                tools=[tool_param(t) for t in request.tools] if request.tools else anthropic.omit,
                tool_choice=tool_choice_param(request) if request.tools else anthropic.omit,
                output_config=(output_config_param(request.response_format) if request.response_format
                               else anthropic.omit),
                # Sampling parameters travel in the body since the 1.x SDKs.
                extra_body=None if request.temperature is None else {"temperature": request.temperature},
            ) as raw:
                response = raw.http_response
                decoder = SseDecoder()
                chunks: list[Chunk] = []
                async for read in response.aiter_bytes():
                    for event, data in decoder.feed(read):
                        events.read(event, data, response, chunks)
                        for chunk in chunks:
                            yield chunk
                        chunks.clear()
        except _CAUGHT as exc:
            raise self._error(exc) from exc
        if not events.stopped:
            raise incomplete_stream(self.endpoint.name, "no message_stop")
        if events.output_tokens is not None:
            yield Usage(events.input_tokens, events.output_tokens)

    async def list_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
            return sorted(model.id for model in page.data)
        except _CAUGHT as exc:
            raise self._error(exc) from exc
