"""The protocols every provider adapter implements."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from playground.core.messages import ChatRequest
from playground.core.redact import redact


@dataclass(frozen=True, slots=True)
class Delta:
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class TokenLogprobs:
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ToolCallChunk:
    """A piece of a streamed tool call: the call at `index` starts with its
    `id` and `name`, then its JSON arguments arrive in `arguments` pieces."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


Chunk = Delta | Usage | TokenLogprobs | ToolCallChunk


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to reach one provider. Holds the key in memory only:
    `api_key_env` is what exports and logs may name."""

    name: str
    kind: Literal["openai", "anthropic"]
    base_url: str
    api_key: str
    api_key_env: str
    simulated: bool

    @property
    def shown_url(self) -> str:
        """The base URL as it may be shown: user-info (`user:key@`) hidden."""
        return redact(self.base_url)

    def __repr__(self) -> str:  # never leak the key (or URL user-info) through a repr
        return (f"Endpoint(name={self.name!r}, kind={self.kind!r}, base_url={self.shown_url!r}, "
                f"simulated={self.simulated})")


class ChatProvider(Protocol):
    endpoint: Endpoint

    def stream(self, api_model: str, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        """Yield text deltas, then usage if the provider reports it. Raises
        `ProviderError` for every failure."""
        ...

    async def list_models(self) -> list[str]: ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    endpoint: Endpoint

    async def embed(self, api_model: str, texts: list[str],
                    dimensions: int | None = None) -> tuple[list[list[float]], int]:
        """Vectors for `texts` and the input tokens billed. Raises `ProviderError`."""
        ...
