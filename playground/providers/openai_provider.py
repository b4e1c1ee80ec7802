"""OpenAI and every OpenAI-compatible server, through the official SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import openai

from playground.core.messages import ChatRequest
from playground.providers.base import Chunk, Delta, Endpoint, TokenLogprobs, Usage
from playground.providers.errors import incomplete_stream, map_sdk_error
from playground.providers.http import sdk_client_options


class OpenAIProvider:
    def __init__(self, endpoint: Endpoint, http_client: httpx2.AsyncClient) -> None:
        self.endpoint = endpoint
        self._client = openai.AsyncOpenAI(**sdk_client_options(endpoint.api_key, endpoint.base_url, http_client))

    def _params(self, api_model: str, request: ChatRequest) -> dict[str, object]:
        params: dict[str, object] = {
            "model": api_model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        # OpenAI's current models take `max_completion_tokens`; compatible
        # servers (Ollama, vLLM, Groq...) still expect `max_tokens`.
        if self.endpoint.name == "openai" and not self.endpoint.simulated:
            params["max_completion_tokens"] = request.max_output_tokens
        else:
            params["max_tokens"] = request.max_output_tokens
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.logprobs:
            params["logprobs"] = True
        return params

    async def stream(self, api_model: str, request: ChatRequest) -> AsyncIterator[Chunk]:
        finished = False
        try:
            response = await self._client.chat.completions.create(**self._params(api_model, request))
            async with response as chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        yield Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                    for choice in chunk.choices:
                        text = choice.delta.content if choice.delta else None
                        if text:
                            yield Delta(text)
                        logprobs = getattr(choice, "logprobs", None)
                        if logprobs is not None and logprobs.content:
                            yield TokenLogprobs(tuple(item.logprob for item in logprobs.content))
                        if choice.finish_reason:
                            finished = True
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise map_sdk_error(exc, self.endpoint.name, self.endpoint.base_url) from exc
        if not finished:
            # A body that ends without a finish_reason was cut short, even if
            # the transport closed cleanly: never pass it off as an answer.
            raise incomplete_stream(self.endpoint.name, "no finish_reason")

    async def embed(self, api_model: str, texts: list[str], dimensions: int | None = None) -> tuple[list[list[float]], int]:
        """Vectors for `texts` and the input tokens billed."""
        extra: dict[str, object] = {"dimensions": dimensions} if dimensions else {}
        try:
            response = await self._client.embeddings.create(model=api_model, input=texts, encoding_format="float", **extra)
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise map_sdk_error(exc, self.endpoint.name, self.endpoint.base_url) from exc
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        return vectors, response.usage.prompt_tokens if response.usage else 0

    async def list_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
            return sorted(model.id for model in page.data)
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise map_sdk_error(exc, self.endpoint.name, self.endpoint.base_url) from exc
