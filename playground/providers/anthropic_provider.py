"""Anthropic's Messages API through the official SDK, with its typed params."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import anthropic
import httpx2
from anthropic.types import AssistantMessageParam, MessageParam, UserMessageParam

from playground.core.messages import ChatRequest
from playground.providers.base import Chunk, Delta, Endpoint, Usage
from playground.providers.errors import SdkErrors, incomplete_stream, map_sdk_error
from playground.providers.http import sdk_client_options

SDK_ERRORS = SdkErrors(anthropic.AnthropicError, anthropic.APITimeoutError, anthropic.APIConnectionError,
                       anthropic.APIStatusError)
_CAUGHT = (anthropic.AnthropicError, httpx2.HTTPError)


def message_params(request: ChatRequest) -> tuple[str, list[MessageParam]]:
    """The system prompt (Anthropic takes it apart) and the conversation."""
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    messages: list[MessageParam] = [
        AssistantMessageParam(role="assistant", content=m.content) if m.role == "assistant"
        else UserMessageParam(role="user", content=m.content)
        for m in request.messages if m.role != "system"
    ]
    return system, messages


class AnthropicProvider:
    def __init__(self, endpoint: Endpoint, http_client: httpx2.AsyncClient) -> None:
        self.endpoint = endpoint
        self._client = anthropic.AsyncAnthropic(**sdk_client_options(endpoint.api_key, endpoint.base_url, http_client))

    def _error(self, exc: BaseException) -> Exception:
        return map_sdk_error(exc, SDK_ERRORS, self.endpoint.name, self.endpoint.base_url)

    async def stream(self, api_model: str, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        input_tokens = 0
        output_tokens: int | None = None
        stopped = False
        system, messages = message_params(request)
        try:
            events = await self._client.messages.create(
                model=api_model,
                max_tokens=request.max_output_tokens,
                messages=messages,
                stream=True,
                system=system or anthropic.omit,
                # Sampling parameters travel in the body since the 1.x SDKs.
                extra_body=None if request.temperature is None else {"temperature": request.temperature},
            )
            async with events:
                async for event in events:
                    if event.type == "message_start":
                        input_tokens = event.message.usage.input_tokens or 0
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield Delta(event.delta.text)
                    elif event.type == "message_delta":
                        output_tokens = event.usage.output_tokens
                    elif event.type == "message_stop":
                        stopped = True
        except _CAUGHT as exc:
            raise self._error(exc) from exc
        if not stopped:
            raise incomplete_stream(self.endpoint.name, "no message_stop")
        if output_tokens is not None:
            yield Usage(input_tokens, output_tokens)

    async def list_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
            return sorted(model.id for model in page.data)
        except _CAUGHT as exc:
            raise self._error(exc) from exc
