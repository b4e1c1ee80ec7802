"""Reading a simulator stream through the real `openai` SDK with the client's clock."""

from __future__ import annotations

import time
from dataclasses import dataclass

import openai

from playground.sim.runner import SimServer


def sim_openai(sim: SimServer, key: str = "sim") -> openai.OpenAI:
    """The real SDK pointed at a simulator, without retries (a test sees the first answer)."""
    return openai.OpenAI(base_url=sim.base_url + "/v1", api_key=key, max_retries=0)


@dataclass(frozen=True)
class TimedStream:
    """When the request left, when the first and the last content chunk were read (perf_counter)."""

    started: float
    first: float
    last: float
    completion_tokens: int

    @property
    def ttft(self) -> float:
        return self.first - self.started

    @property
    def tokens_per_s(self) -> float:
        """Between the first and the last content chunk read."""
        return self.completion_tokens / (self.last - self.first)


def read_timed(client: openai.OpenAI, model: str, prompt: str) -> TimedStream:
    started = time.perf_counter()
    first = last = None
    tokens = None
    for chunk in client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], stream=True,
        stream_options={"include_usage": True},
    ):
        now = time.perf_counter()
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or now
            last = now
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    assert first is not None and last is not None and tokens is not None, "no text, or no usage chunk"
    return TimedStream(started, first, last, tokens)
