"""Pacing at a high rate: a model at bench_tui's 1,250 tokens/s sped up 4×
still streams at about its nominal rate, with per-chunk sends batched only
when behind, never ahead of schedule."""

from __future__ import annotations

import time

import openai

from playground.core.catalog import Catalog, default_catalog
from playground.sim.runner import SimServer

TOKENS_PER_S = 1250.0
SPEED = 4.0
PROMPTS = (
    "Write a long, detailed essay on distributed consensus: Paxos, Raft, their failure modes and trade-offs.",
    "Explain in depth how a modern garbage collector works, generation by generation, with examples.",
    "Compare B-trees, LSM trees and hash indexes in detail for a storage engine, with their costs.",
)


def fast_catalog() -> Catalog:
    catalog = default_catalog()
    models = {name: spec.model_copy(update={"sim": spec.sim.model_copy(update={"tokens_per_s": TOKENS_PER_S})})
              for name, spec in catalog.models.items()}
    return catalog.model_copy(update={"models": models})


def test_a_fast_model_keeps_its_rate_at_high_speed() -> None:
    nominal = TOKENS_PER_S * SPEED  # 5,000 tokens/s for one stream
    with SimServer(catalog=fast_catalog(), speed=SPEED) as sim:
        client = openai.OpenAI(base_url=sim.base_url + "/v1", api_key="sim", max_retries=0)
        client.chat.completions.create(model="sim-gpt-4o", messages=[{"role": "user", "content": "warm up"}])
        rates = []
        for prompt in PROMPTS:
            first = last = None
            tokens = 0
            for chunk in client.chat.completions.create(
                model="sim-gpt-4o", messages=[{"role": "user", "content": prompt}], stream=True,
                stream_options={"include_usage": True},
            ):
                now = time.perf_counter()
                if chunk.choices and chunk.choices[0].delta.content:
                    first = first or now
                    last = now
                if chunk.usage:
                    tokens = chunk.usage.completion_tokens
            assert first is not None and last is not None and tokens > 300
            rates.append(tokens / (last - first))
    # Load only slows what the client reads (and bunches it, which looks fast): the fastest stream
    # is held to the slow bound and the slowest to the fast one, each with a wide margin.
    assert max(rates) >= 0.5 * nominal, rates
    assert min(rates) <= 1.6 * nominal, rates
