"""Provider instances created on first use, sharing one HTTP client.

Each adapter module (and so its SDK) is imported when the first provider of
its kind is created: `from playground import Router` loads neither SDK, and
a run that only talks to OpenAI-compatible servers never loads Anthropic's.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from playground.core.catalog import ModelSpec
from playground.core.errors import ErrorKind, ProviderError
from playground.providers.base import ChatProvider, EmbeddingProvider, Endpoint
from playground.providers.http import HttpTimeouts, make_http_client

if TYPE_CHECKING:  # httpx2 loads with the first client (not for a UI's first frame)
    import httpx2

_ADAPTER_MODULES = {"anthropic": "playground.providers.anthropic_provider",
                    "openai": "playground.providers.openai_provider"}


def _adapter(endpoint: Endpoint, http: httpx2.AsyncClient) -> ChatProvider:
    # Imported here on purpose: importing an adapter loads its SDK (~1 s of CPU each).
    if endpoint.kind == "anthropic":
        from playground.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(endpoint, http)
    from playground.providers.openai_provider import OpenAIProvider

    return OpenAIProvider(endpoint, http)


class ProviderPool:
    """Must be used from one event loop: the HTTP client is bound to it."""

    def __init__(self, endpoints: dict[str, Endpoint], timeouts: HttpTimeouts | None = None) -> None:
        self.endpoints = endpoints
        self._timeouts = timeouts
        self._http: httpx2.AsyncClient | None = None
        self._providers: dict[str, ChatProvider] = {}

    def preload(self) -> list[str]:
        """Import the adapter (and so the SDK) of every configured kind now.
        Meant for a worker thread right after a UI opens the session: the
        first send would otherwise import an SDK on the event loop and
        freeze the screen for a second or more. Returns the modules loaded."""
        names = sorted({_ADAPTER_MODULES.get(e.kind, _ADAPTER_MODULES["openai"]) for e in self.endpoints.values()})
        for name in names:
            importlib.import_module(name)
        return names

    def endpoint_for(self, model: ModelSpec) -> Endpoint:
        endpoint = self.endpoints.get(model.provider)
        if endpoint is None:
            raise ProviderError(
                ErrorKind.NO_MODEL,
                f"model {model.id} needs provider {model.provider!r}, which is not configured",
                provider=model.provider,
            )
        return endpoint

    def provider_for(self, model: ModelSpec) -> ChatProvider:
        return self.provider_for_endpoint(self.endpoint_for(model))

    def provider_for_endpoint(self, endpoint: Endpoint) -> ChatProvider:
        provider = self._providers.get(endpoint.name)
        if provider is None:
            if self._http is None:
                self._http = make_http_client(self._timeouts)
            provider = self._providers[endpoint.name] = _adapter(endpoint, self._http)
        return provider

    def embedder_for(self, endpoint: Endpoint) -> EmbeddingProvider | None:
        """The endpoint's embeddings API, or None when its kind has none
        (Anthropic serves no embeddings)."""
        if endpoint.kind != "openai":
            return None
        provider = self.provider_for_endpoint(endpoint)
        return provider if isinstance(provider, EmbeddingProvider) else None

    async def aclose(self) -> None:
        self._providers.clear()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
