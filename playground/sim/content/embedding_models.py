"""The simulated embedding models the simulator serves on `/v1/embeddings`.

The catalog (`core/data/catalog.toml`) describes chat models only: its
schema (output price, max output tokens, tier, answer quality) does not fit
an embedding model, and every catalog model is a routing candidate. Until
the catalog has a table of its own for embedding models, they live here.

Prices: https://openai.com/api/pricing (text-embedding-3-small $0.02,
text-embedding-3-large $0.13, text-embedding-ada-002 $0.10 per million input
tokens, standard tier). These are the figures OpenAI announced with the
text-embedding-3 models (2024-01-25, `PRICE_DATE`) and has listed since; they
were not re-read for this table (it was written offline), so check the page
before budgeting. Dimensions and the 8192-token input limit: the OpenAI
embeddings guide and API reference. The latency figures are plausible
assumptions, not measurements: a fixed overhead plus time proportional to
the input tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.catalog import SIM_PREFIX

PRICE_SOURCE = "https://openai.com/api/pricing"
PRICE_DATE = "2024-01-25"  # announced, not read: see above
MAX_INPUT_TOKENS = 8192  # per input, every OpenAI embedding model
MAX_INPUTS = 2048  # items in one request's `input` array
MAX_REQUEST_TOKENS = 300_000  # summed over a request's inputs


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
    m.id: m
    for m in (
        EmbeddingModel("text-embedding-3-small", 1536, 0.02, True, latency_ms=120, tokens_per_s=120_000),
        EmbeddingModel("text-embedding-3-large", 3072, 0.13, True, latency_ms=180, tokens_per_s=80_000),
        EmbeddingModel("text-embedding-ada-002", 1536, 0.10, False, latency_ms=150, tokens_per_s=100_000),
    )
}
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"


def embedding_model_by_sim_name(name: str) -> EmbeddingModel | None:
    if name.startswith(SIM_PREFIX):
        return EMBEDDING_MODELS.get(name[len(SIM_PREFIX) :])
    return None
