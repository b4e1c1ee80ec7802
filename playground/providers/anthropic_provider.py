"""Anthropic's Messages API through the official SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import httpx2

from playground.core.messages import ChatRequest
from playground.providers.base import Chunk, Delta, Endpoint, Usage
from playground.providers.errors import incomplete_stream, map_sdk_error
from playground.providers.http import sdk_client_options


class AnthropicProvider:
    def __init__(self, endpoint: Endpoint, http_client: httpx2.AsyncClient) -> None:
        self.endpoint = endpoint
        self._client = anthropic.AsyncAnthropic(**sdk_client_options(endpoint.api_key, endpoint.base_url, http_client))

    def _params(self, api_model: str, request: ChatRequest) -> dict[str, object]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        params: dict[str, object] = {
            "model": api_model,
            "max_tokens": request.max_output_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
            "stream": True,
        }
        if system:
            params["system"] = system
        if request.temperature is not None:
            # Sampling parameters travel in the body since the 1.x SDKs.
            params["extra_body"] = {"temperature": request.temperature}
        return params

    async def stream(self, api_model: str, request: ChatRequest) -> AsyncIterator[Chunk]:
        input_tokens = 0
        output_tokens: int | None = None
        stopped = False
        try:
            events = await self._client.messages.create(**self._params(api_model, request))
            async with events:
                async for event in events:
                    if event.type == "message_start":
                        input_tokens = event.message.usage.input_tokens or 0
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield Delta(event.delta.text)
                    elif event.type == "message_delta" and event.usage is not None:
                        output_tokens = event.usage.output_tokens
                    elif event.type == "message_stop":
                        stopped = True
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise map_sdk_error(exc, self.endpoint.name, self.endpoint.base_url) from exc
        if not stopped:
            raise incomplete_stream(self.endpoint.name, "no message_stop")
        if output_tokens is not None:
            yield Usage(input_tokens, output_tokens)

    async def list_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
            return sorted(model.id for model in page.data)
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise map_sdk_error(exc, self.endpoint.name, self.endpoint.base_url) from exc
