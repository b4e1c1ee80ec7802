"""The names the simulator answers to. Every catalog model is served under
its `sim-` id (`sim-gpt-4o`), its catalog id (`gpt-4o`) and, where no other
model claims it, its provider's API name (`gpt-5.4`, `claude-sonnet-4-5`),
so any client or gateway pointed at the simulator with just a base URL
works. Embedding models likewise (`sim-text-embedding-3-small` and
`text-embedding-3-small`).

Faults and counters key every model by its `sim-` name (the canonical
name), whichever name a request used.
"""

from __future__ import annotations

from collections.abc import Iterable

from playground.core.catalog import Catalog, ModelSpec
from playground.sim.content.embedding_models import EmbeddingModel


class ServedModels:
    def __init__(self, catalog: Catalog, embedding_models: Iterable[EmbeddingModel]) -> None:
        self.catalog = catalog
        self.chat: dict[str, ModelSpec] = {}
        self.embeddings: dict[str, EmbeddingModel] = {}
        models = sorted(catalog.models.values(), key=lambda m: m.id)
        embedders = sorted(embedding_models, key=lambda m: m.id)
        for model in models:  # the strongest claims first: sim- names, then catalog ids
            self.chat[model.sim_name] = model
        for model in embedders:
            self.embeddings[model.sim_name] = model
        for model in models:
            self.chat.setdefault(model.id, model)
        for model in embedders:
            if model.id not in self.chat:
                self.embeddings.setdefault(model.id, model)
        taken = set(self.chat) | set(self.embeddings)
        api_names: dict[str, list[ModelSpec]] = {}
        for model in models:
            api_names.setdefault(model.api_name, []).append(model)
        for name, owners in api_names.items():
            if len(owners) == 1 and name not in taken:
                self.chat[name] = owners[0]

    def chat_model(self, name: str) -> ModelSpec | None:
        return self.chat.get(name)

    def embedding_model(self, name: str) -> EmbeddingModel | None:
        return self.embeddings.get(name)

    def canonical(self, name: str) -> str:
        """The `sim-` name of the model `name` names (itself if unknown)."""
        chat = self.chat.get(name)
        if chat is not None:
            return chat.sim_name
        embedder = self.embeddings.get(name)
        return embedder.sim_name if embedder is not None else name

    def aliases(self) -> dict[str, str]:
        """Every served name -> its canonical name."""
        return {name: self.canonical(name) for name in (*self.chat, *self.embeddings)}

    def listed_chat_names(self) -> list[str]:
        """What `/v1/models` lists: the sim- and catalog ids (API names are
        accepted but not listed, so each model appears at most twice)."""
        return sorted({m.sim_name for m in self.catalog.models.values()} | set(self.catalog.models))
