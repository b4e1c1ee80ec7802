"""Pacing at a high rate: a model at bench_tui's 1,250 tokens/s sped up 4×
still streams at about its nominal rate, with per-chunk sends batched only
when behind, never ahead of schedule.

Load slows what the client can read, so each paced stream is paired with the
same prompt from an unpaced server (speed ×10,000: every chunk is due at
once) read just before it: that is what this machine could read at that
moment, and the paced stream is held to the smaller of it and the nominal
rate. A server that paced chunk by chunk with a timer each would fall far
below both."""

from __future__ import annotations

from playground.core.catalog import Catalog, default_catalog
from playground.sim.runner import SimServer
from tests.helpers.streams import read_timed, sim_openai

TOKENS_PER_S = 1250.0
SPEED = 4.0
UNPACED_SPEED = 10_000.0
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
    catalog = fast_catalog()
    with SimServer(catalog=catalog, speed=SPEED) as paced_sim, \
            SimServer(catalog=catalog, speed=UNPACED_SPEED) as unpaced_sim:
        paced, unpaced = sim_openai(paced_sim), sim_openai(unpaced_sim)
        for client in (paced, unpaced):
            client.chat.completions.create(model="sim-gpt-4o", messages=[{"role": "user", "content": "warm up"}])
        rates: list[float] = []
        shares: list[float] = []  # paced rate / what could be read (the nominal rate, or less under load)
        for prompt in PROMPTS:
            readable = read_timed(unpaced, "sim-gpt-4o", prompt).tokens_per_s
            timed = read_timed(paced, "sim-gpt-4o", prompt)
            assert timed.completion_tokens > 300
            rate = timed.tokens_per_s
            rates.append(rate)
            shares.append(rate / min(nominal, readable))
    # Load bunches what the client reads, which looks fast: the best stream is held to half of what
    # could be read at the time, and the slowest to the fast bound, each with a wide margin.
    assert max(shares) >= 0.5, (rates, shares)
    assert min(rates) <= 1.6 * nominal, rates
