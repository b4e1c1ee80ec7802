"""How much CPU the simulator spends per token it streams (issue 14: the
TUI benchmark's simulator process shares two cores with the app it feeds).

Two figures, each against a baseline measured in the same run:

- served: the simulator in its own process, streaming concurrent answers at
  bench_tui's rate (every model at 1,250 tokens/s, 40 ms to first token;
  half OpenAI, half Anthropic) to a raw HTTP client that only counts bytes.
  Its CPU (process time) per 1,000 tokens served and its share of a core
  while streaming, next to the same simulator on the reference path: the
  per-chunk fast paths swapped for what they replace (a `json.dumps` of the
  whole object per frame, a fresh fault decision per chunk, one send per
  frame). Rounds alternate between the two servers; medians over rounds.
- encode: the per-chunk work alone (the fault plan's check and the frame's
  bytes) over the same generated answers, thread CPU, reference / fast.

Ends with one JSON line; "ok" means the run was sound (every stream
complete, the fast path cheaper on both figures). `--smoke` runs it small
in seconds (the suite runs it so this file does not rot).

    python bench/bench_sim_wire.py [--rounds 4] [--streams 8] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from sim_child import SimChild, uniform_catalog  # bench/, beside this file

TOKENS_PER_S = 1250.0  # per stream, as bench_tui's "fast" simulator
TTFT_MS = 40.0
PROMPTS = (
    "Write a long, detailed essay on distributed consensus: Paxos, Raft, their failure modes and trade-offs.",
    "Explain in depth how a modern garbage collector works, generation by generation, with examples.",
    "Write a thorough guide to designing a REST API: naming, versioning, pagination, errors and caching.",
    "Compare B-trees, LSM trees and hash indexes in detail for a storage engine, with their costs.",
)
SMOKE_PROMPTS = ("Say hi.", "Name a colour.")
MODELS = {"openai": ("sim-gpt-4o", "sim-gpt-5-mini"), "anthropic": ("sim-claude-sonnet-4-5", "sim-claude-haiku-4-5")}
_OPENAI_TOKENS = re.compile(rb'"completion_tokens":(\d+)')
_ANTHROPIC_TOKENS = re.compile(rb'"output_tokens":(\d+)')


# -- the simulator, in its own process -------------------------------------------------
def use_reference_path() -> None:
    """What the fast paths replace: every frame from its reference encoder
    (the source the templates are cut from), a fresh fault decision per
    chunk, one send per frame."""
    from playground.sim.faults.spec_plan import SpecFaultPlan
    from playground.sim.wire import anthropic_messages, openai_chat, service

    class ReferenceFrame:
        def __init__(self, reference: Any) -> None:
            self.render = reference

    setattr(SpecFaultPlan, "decide", SpecFaultPlan._decide)  # noqa: B010
    setattr(openai_chat, "string_frame", ReferenceFrame)  # noqa: B010
    setattr(anthropic_messages, "string_frame", ReferenceFrame)  # noqa: B010
    setattr(service, "_MOST_BATCHED", 1)  # noqa: B010


def serve(path: str, speed: float) -> None:
    """Child process: serve, print the URL, then answer each stdin line with
    this process's CPU seconds, until stdin closes."""
    from playground.sim.runner import SimServer

    if path == "reference":
        use_reference_path()
    server = SimServer(catalog=fast_catalog(), port=0, speed=speed).start()
    print(server.base_url, flush=True)
    try:
        for _ in sys.stdin:
            print(time.process_time(), flush=True)
    finally:
        server.stop()


def fast_catalog() -> Any:
    return uniform_catalog(TOKENS_PER_S, TTFT_MS)


class Sim(SimChild):
    def __init__(self, path: str, speed: float) -> None:
        self.path = path
        super().__init__(__file__, ["--serve", path, "--speed", str(speed)])

    def cpu_s(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("cpu\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())


# -- the client: counts bytes and tokens, nothing more --------------------------------
@dataclass
class Stream:
    tokens: int = 0
    first: float | None = None
    last: float = 0.0
    complete: bool = False


async def one_stream(client: Any, api: str, model: str, prompt: str) -> Stream:
    messages = [{"role": "user", "content": prompt}]
    if api == "openai":
        path, body = "/v1/chat/completions", {"model": model, "messages": messages, "stream": True,
                                              "stream_options": {"include_usage": True}}
        done, count = b"data: [DONE]", _OPENAI_TOKENS
    else:
        path, body = "/v1/messages", {"model": model, "messages": messages, "stream": True, "max_tokens": 4096}
        done, count = b"event: message_stop", _ANTHROPIC_TOKENS
    stream = Stream()
    tail = b""
    async with client.stream("POST", path, json=body, headers={"anthropic-version": "2023-06-01"}) as response:
        async for data in response.aiter_raw():
            now = time.perf_counter()
            if stream.first is None:
                stream.first = now
            stream.last = now
            tail = (tail + data)[-4096:]
    counts = count.findall(tail)
    stream.tokens = int(counts[-1]) if counts else 0
    stream.complete = done in tail and bool(counts)
    return stream


async def send_round(url: str, streams: int, sends: int, prompts: tuple[str, ...]) -> list[Stream]:
    import httpx2

    results: list[Stream] = []
    limits = httpx2.Limits(max_connections=streams, max_keepalive_connections=streams)
    async with httpx2.AsyncClient(base_url=url, headers={"authorization": "Bearer sim"}, timeout=120,
                                  limits=limits) as client:
        for send in range(sends):
            jobs = []
            for i in range(streams):
                api = "openai" if i % 2 == 0 else "anthropic"
                model = MODELS[api][(i // 2) % len(MODELS[api])]
                jobs.append(one_stream(client, api, model, prompts[(send + i) % len(prompts)]))
            results += await asyncio.gather(*jobs)
    return results


def served(sim: Sim, streams: int, sends: int, prompts: tuple[str, ...]) -> dict[str, Any]:
    asyncio.run(send_round(sim.url, streams, 1, prompts))  # connections, first-request costs
    cpu0, wall0 = sim.cpu_s(), time.perf_counter()
    results = asyncio.run(send_round(sim.url, streams, sends, prompts))
    cpu, wall = sim.cpu_s() - cpu0, time.perf_counter() - wall0
    tokens = sum(s.tokens for s in results)
    rates = [s.tokens / (s.last - s.first) for s in results if s.first is not None and s.last > s.first]
    return {"tokens": tokens, "cpu_s": cpu, "cpu_per_1k_tokens_ms": cpu / max(1, tokens) * 1e6,
            "core_share": cpu / wall, "stream_tokens_per_s_median": statistics.median(rates) if rates else 0.0,
            "complete": all(s.complete for s in results) and len(results) == streams * sends}


# -- the per-chunk work alone ---------------------------------------------------------
def encode_figures(repeat: int, prompts: tuple[str, ...]) -> dict[str, Any]:
    """Thread CPU of the per-chunk work over the same answers: the fault
    check and each text frame's bytes, fast path against reference."""
    from playground.core.catalog import default_catalog
    from playground.core.tokens import default_counter
    from playground.sim.content.generation import plan_generation
    from playground.sim.faults.plan import RequestInfo
    from playground.sim.faults.spec import FaultSpec
    from playground.sim.faults.spec_plan import SpecFaultPlan
    from playground.sim.wire.anthropic_messages import AnthropicDialect, text_delta
    from playground.sim.wire.openai_chat import OpenAIDialect

    catalog, counter = default_catalog(), default_counter()
    model = catalog.get("gpt-4o")
    generations = [plan_generation(model, p, max_tokens=4096, input_tokens=30, counter=counter,
                                   rng=random.Random(i)) for i, p in enumerate(prompts)]
    plan = SpecFaultPlan(FaultSpec())
    streams = []
    for n, generation in enumerate(generations):
        info = RequestInfo("openai", model, model.sim_name, True, 30, 4096, n, generation.output_tokens)
        openai, anthropic = OpenAIDialect(model.sim_name, True), AnthropicDialect(model.sim_name)
        openai.stream_piece(0, generation.pieces[0], generation)  # the opening frame is sent once either way
        streams.append((info, generation, openai, anthropic))

    def fast() -> list[bytes]:
        frames = []
        for info, generation, openai, anthropic in streams:
            for dialect in (openai, anthropic):
                for index, piece in enumerate(generation.pieces[1:], 1):
                    plan.on_chunk(info, index, index)
                    frames.append(dialect.stream_piece(index, piece, generation))
        return frames

    def reference() -> list[bytes]:
        frames = []
        for info, generation, openai, _ in streams:
            for render in (openai._text_delta, text_delta):
                for piece in generation.pieces[1:]:
                    plan._decide(info)  # what on_chunk did per chunk
                    frames.append(render(piece.text))
        return frames

    times: dict[str, list[float]] = {"fast": [], "reference": []}
    same = fast() == reference()
    for _ in range(repeat):
        for name, work in (("reference", reference), ("fast", fast)):
            started = time.thread_time()
            work()
            times[name].append(time.thread_time() - started)
    chunks = 2 * sum(len(g.pieces) - 1 for g in generations)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {"chunks": chunks, "fast_us_per_chunk": medians["fast"] / chunks * 1e6,
            "reference_us_per_chunk": medians["reference"] / chunks * 1e6,
            "ratio": medians["reference"] / medians["fast"], "same_bytes": same}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small and quick (for tests)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per path, alternating (default 4)")
    parser.add_argument("--streams", type=int, default=8, help="concurrent streams (default 8)")
    parser.add_argument("--sends", type=int, default=3, help="sends of every stream per round (default 3)")
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.speed)
        return 0
    rounds, streams, sends = (1, 2, 1) if args.smoke else (args.rounds, args.streams, args.sends)
    prompts = SMOKE_PROMPTS if args.smoke else PROMPTS
    speed = 10.0 if args.smoke else 1.0
    sims = {path: Sim(path, speed) for path in ("reference", "fast")}
    runs: dict[str, list[dict[str, Any]]] = {"reference": [], "fast": []}
    try:
        for _ in range(rounds):
            for path, sim in sims.items():
                runs[path].append(served(sim, streams, sends, prompts))
    finally:
        for sim in sims.values():
            sim.close()
    figures: dict[str, Any] = {"bench": "sim_wire", "smoke": args.smoke, "streams": streams, "sends": sends,
                               "rounds": rounds, "offered_tokens_per_s": streams * TOKENS_PER_S * speed}
    for path, results in runs.items():
        figures[path] = {key: statistics.median(r[key] for r in results)
                         for key in ("cpu_per_1k_tokens_ms", "core_share", "stream_tokens_per_s_median")}
        figures[path]["cpu_per_1k_tokens_ms_all"] = [round(r["cpu_per_1k_tokens_ms"], 2) for r in results]
        figures[path]["tokens"] = sum(r["tokens"] for r in results)
    figures["served_ratio"] = figures["reference"]["cpu_per_1k_tokens_ms"] / figures["fast"]["cpu_per_1k_tokens_ms"]
    figures["encode"] = encode_figures(3 if args.smoke else 20, prompts)
    figures["load_average"] = os.getloadavg()
    figures["cpus"] = os.cpu_count()
    complete = all(r["complete"] for results in runs.values() for r in results)
    figures["complete"] = complete
    figures["ok"] = complete and figures["encode"]["same_bytes"] and (
        args.smoke or (figures["served_ratio"] > 1 and figures["encode"]["ratio"] > 1))
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
