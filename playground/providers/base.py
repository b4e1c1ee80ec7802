"""The one protocol every provider adapter implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from playground.core.messages import ChatRequest


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


Chunk = Delta | Usage | TokenLogprobs


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

    def __repr__(self) -> str:  # never leak the key through a repr
        return f"Endpoint(name={self.name!r}, kind={self.kind!r}, base_url={self.base_url!r}, simulated={self.simulated})"


class ChatProvider(Protocol):
    endpoint: Endpoint

    def stream(self, api_model: str, request: ChatRequest) -> AsyncIterator[Chunk]:
        """Yield text deltas, then usage if the provider reports it. Raises
        `ProviderError` for every failure."""
        ...

    async def list_models(self) -> list[str]: ...
