"""The simulated embedding models the simulator serves on `/v1/embeddings`,
read from `data/embedding_models.toml` (which cites its sources).

The catalog (`core/data/catalog.toml`) describes chat models as routing
candidates; an embedding model needs other figures (dimensions, whether it
takes `dimensions`, throughput), so the simulator keeps its own table.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.catalog import SIM_PREFIX
from playground.sim.content.tables import toml_table

_TABLE = toml_table("embedding_models.toml")
PRICE_SOURCE: str = _TABLE["source"]
PRICE_DATE: str = _TABLE["price_date"]
MAX_INPUT_TOKENS: int = _TABLE["max_input_tokens"]
MAX_INPUTS: int = _TABLE["max_inputs"]
MAX_REQUEST_TOKENS: int = _TABLE["max_request_tokens"]


@dataclass(frozen=True, slots=True)
class EmbeddingModel:
    id: str  # as the provider names it, e.g. "text-embedding-3-small"
    dimensions: int  # native (and maximum) vector length
    input_per_mtok: float  # USD per million input tokens
    supports_dimensions: bool  # accepts the `dimensions` parameter (text-embedding-3 and later)
    latency_ms: float  # fixed overhead per request (assumed)
    tokens_per_s: float  # input throughput on top of it (assumed)
    max_input_tokens: int = MAX_INPUT_TOKENS
    source: str = PRICE_SOURCE
    price_date: str = PRICE_DATE

    @property
    def sim_name(self) -> str:
        """The name the simulator serves it under, like the chat models."""
        return SIM_PREFIX + self.id

    def cost(self, tokens: int) -> float:
        return tokens * self.input_per_mtok / 1_000_000


EMBEDDING_MODELS: dict[str, EmbeddingModel] = {
    model_id: EmbeddingModel(model_id, **fields) for model_id, fields in _TABLE["models"].items()
}
DEFAULT_EMBEDDING_MODEL: str = _TABLE["default"]


def embedding_model_by_sim_name(name: str) -> EmbeddingModel | None:
    if name.startswith(SIM_PREFIX):
        return EMBEDDING_MODELS.get(name[len(SIM_PREFIX) :])
    return None
