"""OpenAI and every OpenAI-compatible server, through the official SDK.

Parameters are built with the SDK's own typed params, so a wrong field or
type is a static error, not a 400 at run time.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import httpx2
import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from playground.core.messages import ChatRequest, Message
from playground.providers.base import Chunk, Delta, Endpoint, TokenLogprobs, Usage
from playground.providers.errors import SdkErrors, incomplete_stream, map_sdk_error
from playground.providers.http import sdk_client_options

SDK_ERRORS = SdkErrors(openai.OpenAIError, openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError)
_CAUGHT = (openai.OpenAIError, httpx2.HTTPError)


def message_param(message: Message) -> ChatCompletionMessageParam:
    if message.role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=message.content)
    if message.role == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=message.content)
    return ChatCompletionUserMessageParam(role="user", content=message.content)


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
        finished = False
        limit = request.max_output_tokens
        try:
            response = await self._client.chat.completions.create(
                model=api_model,
                messages=[message_param(m) for m in request.messages],
                stream=True,
                stream_options={"include_usage": True},
                max_completion_tokens=limit if self._official else openai.omit,
                max_tokens=openai.omit if self._official else limit,
                temperature=openai.omit if request.temperature is None else request.temperature,
                logprobs=True if request.logprobs else openai.omit,
            )
            async with response as chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        yield Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                    for choice in chunk.choices:
                        text = choice.delta.content if choice.delta else None
                        if text:
                            yield Delta(text)
                        logprobs = choice.logprobs
                        if logprobs is not None and logprobs.content:
                            yield TokenLogprobs(tuple(item.logprob for item in logprobs.content))
                        if choice.finish_reason:
                            finished = True
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
