"""What routing costs on top of the bare SDK: time to first token, total
time and CPU per request, at concurrency 1 and 50, and the same for LiteLLM.

A minimal OpenAI-compatible endpoint runs in its own process (Starlette +
Uvicorn on loopback): every answer is 20 chunks plus usage, sent at once
("burst") or 2 ms apart ("paced"). Clients take turns, round after round,
against the same endpoint, so a busy machine slows all of them alike:
- `sdk`: the bare `openai` SDK (AsyncOpenAI, streaming, SDK retries off),
  the baseline;
- `stream`: `Router.stream` with the `complexity` strategy;
- `complete`: `Router.complete` with the same strategy (no first token to
  see: total time and CPU only);
- LiteLLM, which cannot be installed beside this project's SDKs: a client
  process runs in the virtualenv the gateway suite installs it into
  (`python -m playground.gateways install litellm`), with that venv's own
  bare `openai` SDK (`litellm_sdk`, its baseline) and `litellm.Router`
  (`litellm`), taking turns inside it. That process is one more turn in
  each round: it runs its batch while this process waits, and this process
  runs its clients while it waits, so no two clients ever compete for the
  CPU and a busy spell on the machine falls on all of them alike. LiteLLM's
  figures are against its own SDK, ours against ours.

Targets (issue #14), for the burst endpoint at concurrency 1 and 50: added
TTFT over the SDK ≤ 1 ms p50 and ≤ 3 ms p99; CPU per request ≤ 1.1× the
SDK's; and (when LiteLLM is installed) our added TTFT and total time p50
≤ 0.2× LiteLLM's. CPU is each client process's CPU time (the endpoint's own
is elsewhere), LiteLLM's background threads included. The SDK against itself
(its even rounds minus its odd ones) is printed as the noise floor. The last
line is one JSON object with every figure, the baselines, the ratios and
`"ok"`.

    python bench/bench_overhead.py            # full run (about 11 minutes on 2 shared cores)
    python bench/bench_overhead.py --smoke    # seconds, no LiteLLM; what the test runs
    python bench/bench_overhead.py --smoke --litellm   # the smoke with LiteLLM, when installed
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

CHUNKS = 20
PACE_S = 0.002
PROMPT = "Summarise the plot of Hamlet in two sentences."
MAX_TOKENS = 64
TARGET_ADDED_TTFT_P50_MS = 1.0
TARGET_ADDED_TTFT_P99_MS = 3.0
TARGET_CPU_RATIO = 1.1
TARGET_VS_LITELLM = 0.2


# --- the endpoint (its own process) -------------------------------------------

def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _answer_chunks(model: str) -> list[bytes]:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": model}
    start = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
    chunks = [_sse({**base, "choices": [start]})]
    chunks += [_sse({**base, "choices": [{"index": 0, "delta": {"content": f"tok{i} "}, "finish_reason": None}]})
               for i in range(CHUNKS)]
    chunks.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    chunks.append(_sse({**base, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": CHUNKS,
                                                         "total_tokens": 12 + CHUNKS}}))
    chunks.append(b"data: [DONE]\n\n")
    return chunks


def serve(pace_s: float) -> None:
    """Serve until stdin closes; prints the port first."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    cache: dict[str, list[bytes]] = {}

    async def completions(request: Request) -> StreamingResponse:
        body = await request.json()
        model = str(body.get("model", "bench"))
        chunks = cache.get(model) or cache.setdefault(model, _answer_chunks(model))

        async def stream() -> AsyncIterator[bytes]:
            for i, chunk in enumerate(chunks):
                if pace_s and 0 < i <= CHUNKS:
                    await asyncio.sleep(pace_s)
                yield chunk

        return StreamingResponse(stream(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that
    # say they are TCP (else Nagle holds the body ~40 ms behind the headers).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)  # connections wait in the backlog until the server accepts them
    print(sock.getsockname()[1], flush=True)
    # Keep-alive longer than the clients' (5 s): a connection closed under a client is a failed request.
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=120,
                            backlog=1024)
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        await asyncio.to_thread(sys.stdin.read)  # the bench closes our stdin when done
        server.should_exit = True
        await task

    asyncio.run(main())


class Endpoint:
    def __init__(self, pace_s: float) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", "--pace", str(pace_s)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        end_child(self.process, timeout=10)


def end_child(process: subprocess.Popen[str], timeout: float) -> None:
    """Close its stdin (the child ends when it reads EOF); kill it if it does not."""
    if process.stdin:
        process.stdin.close()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


# --- clients ------------------------------------------------------------------

@dataclass
class Sample:
    ttft_ms: float | None
    total_ms: float


Client = Callable[[], Awaitable[Sample]]


def sdk_client(base_url: str) -> tuple[Client, Callable[[], Awaitable[None]]]:
    import openai

    from playground.providers.http import make_http_client

    http = make_http_client()
    client = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, http_client=http, max_retries=0)
    return _sdk_one(client), http.aclose


def router_clients(base_url: str) -> tuple[Client, Client, Callable[[], Awaitable[None]]]:
    from playground import Router
    from playground.core.events import RequestFinished, TextDelta

    env = {"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": base_url}
    router = Router.from_text('[router]\nstrategy = "complexity"\n', env=env)

    async def stream() -> Sample:
        started = time.perf_counter()
        ttft = None
        async for event in router.stream(PROMPT, max_tokens=MAX_TOKENS):
            if ttft is None and isinstance(event, TextDelta):
                ttft = (time.perf_counter() - started) * 1000
            elif isinstance(event, RequestFinished) and event.result.error is not None:
                raise RuntimeError(f"router stream failed: {event.result.error.message}")
        return Sample(ttft, (time.perf_counter() - started) * 1000)

    async def complete() -> Sample:
        started = time.perf_counter()
        await router.complete(PROMPT, max_tokens=MAX_TOKENS)
        return Sample(None, (time.perf_counter() - started) * 1000)

    return stream, complete, router.aclose


# --- LiteLLM, in its own virtualenv -------------------------------------------

LITELLM_INSTALL_HINT = "python -m playground.gateways install litellm"


def _sdk_one(client: Any) -> Client:
    """The bare SDK streaming one request (this venv's or LiteLLM's)."""

    async def one() -> Sample:
        started = time.perf_counter()
        ttft = None
        stream = await client.chat.completions.create(
            model="gpt-5-mini", messages=[{"role": "user", "content": PROMPT}], stream=True,
            stream_options={"include_usage": True}, max_tokens=MAX_TOKENS)
        async with stream as chunks:
            async for chunk in chunks:
                if ttft is None and chunk.choices and chunk.choices[0].delta.content:
                    ttft = (time.perf_counter() - started) * 1000
        return Sample(ttft, (time.perf_counter() - started) * 1000)

    return one


def litellm_child(base_url: str) -> None:
    """The client process inside LiteLLM's venv (stdlib, that venv's `openai`
    and `litellm` only): one JSON line per command read from stdin."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no download of the price list
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # whatever LiteLLM prints must not break the protocol
    from importlib.metadata import version

    import litellm  # type: ignore[import-not-found]  # only in LiteLLM's venv
    import openai

    litellm.suppress_debug_info = True
    router = litellm.Router(model_list=[{"model_name": "bench", "litellm_params": {
        "model": "openai/gpt-5-mini", "api_base": base_url, "api_key": "sk-bench"}}], num_retries=0)

    async def via_litellm() -> Sample:
        started = time.perf_counter()
        ttft = None
        response = await router.acompletion(model="bench", messages=[{"role": "user", "content": PROMPT}],
                                            stream=True, stream_options={"include_usage": True},
                                            max_tokens=MAX_TOKENS)
        async for chunk in response:
            if ttft is None and chunk.choices and chunk.choices[0].delta.content:
                ttft = (time.perf_counter() - started) * 1000
        return Sample(ttft, (time.perf_counter() - started) * 1000)

    def say(data: dict[str, Any]) -> None:
        out.write(json.dumps(data) + "\n")
        out.flush()

    async def main() -> None:
        sdk = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0)
        clients: dict[str, Client] = {"litellm_sdk": _sdk_one(sdk), "litellm": via_litellm}
        for client in clients.values():
            await batch(client, 5, 5)  # warm connections and LiteLLM's caches
        say({"ready": True, "litellm": version("litellm"), "openai": version("openai")})
        turn = 0
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            names = list(clients)[turn % 2:] + list(clients)[: turn % 2]  # take turns going first
            turn += 1
            reply: dict[str, Any] = {}
            for name in names:
                cpu = time.process_time()
                samples = await batch(clients[name], command["count"], command["concurrency"])
                # LiteLLM logs a request after its stream ends, in a thread
                # or a task: that work is its own, not the next client's.
                await asyncio.sleep(SETTLE_S)
                reply[name] = {"cpu_s": time.process_time() - cpu,
                               "samples": [[s.ttft_ms, s.total_ms] for s in samples]}
            say(reply)
        await sdk.close()

    asyncio.run(main())


SETTLE_S = 0.05


def litellm_python() -> tuple[str | None, str]:
    """The LiteLLM venv's python (installed by the gateway suite), or why there is none."""
    try:
        from playground.gateways.install import find
    except ImportError as exc:
        return None, f"playground.gateways not importable ({exc})"
    installed = find("litellm")
    if installed is None:
        return None, f"LiteLLM is not installed; install it with `{LITELLM_INSTALL_HINT}`"
    return installed.command[0], f"LiteLLM {installed.version} ({installed.path})"


class LiteLLMProcess:
    """LiteLLM's client process: one turn of a round per `turn` call."""

    def __init__(self, python: str, base_url: str) -> None:
        import tempfile

        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (lives as long as the process; closed in close())
        # -I: that venv's python must not see this project's path or PYTHON* settings.
        self.process = subprocess.Popen([python, "-I", __file__, "--litellm-client", base_url],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.versions = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            tail = self.log.read()[-600:].strip()
            raise RuntimeError(f"the LiteLLM client process ended: {tail or 'no output'}")
        return json.loads(line)

    async def turn(self, count: int, concurrency: int) -> dict[str, tuple[list[Sample], float]]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"count": count, "concurrency": concurrency}) + "\n")
        self.process.stdin.flush()
        reply = await asyncio.to_thread(self._read)
        return {name: ([Sample(t, total) for t, total in part["samples"]], part["cpu_s"])
                for name, part in reply.items()}

    def close(self) -> None:
        end_child(self.process, timeout=30)
        self.log.close()


# --- measuring ------------------------------------------------------------------

@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)
    cpu_s: float = 0.0
    # The samples of each round, in order: the SDK's even rounds against its
    # odd ones tell how far two measurements of the same client drift apart.
    rounds: list[list[Sample]] = field(default_factory=list)

    def figures(self) -> dict[str, float | None]:
        ttfts = sorted(s.ttft_ms for s in self.samples if s.ttft_ms is not None)
        totals = sorted(s.total_ms for s in self.samples)
        return {"ttft_p50_ms": _pct(ttfts, 50), "ttft_p99_ms": _pct(ttfts, 99), "total_p50_ms": _pct(totals, 50),
                "total_p99_ms": _pct(totals, 99), "cpu_ms_per_request": round(1000 * self.cpu_s / len(self.samples), 3),
                "requests": len(self.samples)}


def noise_floor(tally: Tally) -> dict[str, float | None]:
    """The baseline against itself: TTFT of its even rounds minus its odd
    rounds (same client, same run). An added TTFT smaller than this cannot
    be told from the machine's noise."""
    halves = [[s.ttft_ms for r in tally.rounds[start::2] for s in r if s.ttft_ms is not None] for start in (0, 1)]
    even, odd = (sorted(h) for h in halves)
    return {"sdk_vs_sdk_ttft_p50_ms": _diff(_pct(even, 50), _pct(odd, 50)),
            "sdk_vs_sdk_ttft_p99_ms": _diff(_pct(even, 99), _pct(odd, 99))}


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3)


async def batch(client: Client, count: int, concurrency: int) -> list[Sample]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> Sample:
        async with gate:
            return await client()

    return list(await asyncio.gather(*(one() for _ in range(count))))


LITELLM_TURN = "litellm process"


async def measure(clients: dict[str, Client], concurrency: int, rounds: int, per_batch: int,
                  litellm: LiteLLMProcess | None = None) -> dict[str, Tally]:
    """`rounds` rounds; in each, every client (and LiteLLM's process, as one
    turn running its two clients) runs `per_batch` requests while the others wait."""
    tallies = {name: Tally() for name in clients}
    names = list(clients) + ([LITELLM_TURN] if litellm is not None else [])
    for round_ in range(rounds):
        order = names[round_ % len(names):] + names[: round_ % len(names)]  # take turns going first
        for name in order:
            if name == LITELLM_TURN:
                assert litellm is not None
                parts = await litellm.turn(per_batch, concurrency)
            else:
                cpu = time.process_time()
                samples = await batch(clients[name], per_batch, concurrency)
                await asyncio.sleep(SETTLE_S)  # as LiteLLM's process does (see `litellm_child`)
                parts = {name: (samples, time.process_time() - cpu)}
            for part, (samples, cpu_s) in parts.items():
                tally = tallies.setdefault(part, Tally())
                tally.cpu_s += cpu_s
                tally.samples += samples
                tally.rounds.append(samples)
    return tallies


def ratios_for(figures: dict[str, dict[str, float | None]], tallies: dict[str, Tally]) -> dict[str, float | None]:
    base = figures["sdk"]
    ratios = {
        "added_ttft_p50_ms": _diff(figures["stream"]["ttft_p50_ms"], base["ttft_p50_ms"]),
        "added_ttft_p99_ms": _diff(figures["stream"]["ttft_p99_ms"], base["ttft_p99_ms"]),
        "added_total_p50_ms": _diff(figures["stream"]["total_p50_ms"], base["total_p50_ms"]),
        "cpu_ratio_stream": _ratio(figures["stream"]["cpu_ms_per_request"], base["cpu_ms_per_request"]),
        "cpu_ratio_complete": _ratio(figures["complete"]["cpu_ms_per_request"], base["cpu_ms_per_request"]),
        "total_ratio_stream_p50": _ratio(figures["stream"]["total_p50_ms"], base["total_p50_ms"]),
        **noise_floor(tallies["sdk"]),
    }
    if "litellm" in figures:
        theirs, their_base = figures["litellm"], figures["litellm_sdk"]
        ratios["litellm_added_ttft_p50_ms"] = _diff(theirs["ttft_p50_ms"], their_base["ttft_p50_ms"])
        ratios["litellm_added_ttft_p99_ms"] = _diff(theirs["ttft_p99_ms"], their_base["ttft_p99_ms"])
        ratios["litellm_added_total_p50_ms"] = _diff(theirs["total_p50_ms"], their_base["total_p50_ms"])
        ratios["litellm_cpu_ratio"] = _ratio(theirs["cpu_ms_per_request"], their_base["cpu_ms_per_request"])
        # Ours over theirs: ≤ 0.2 is the target (≤ 0 when ours is within the noise below the SDK).
        ratios["added_ttft_vs_litellm"] = _ratio(ratios["added_ttft_p50_ms"], ratios["litellm_added_ttft_p50_ms"])
        ratios["added_total_vs_litellm"] = _ratio(ratios["added_total_p50_ms"],
                                                  ratios["litellm_added_total_p50_ms"])
        ratios["litellm_sdk_vs_sdk_ttft_p50_ms"] = noise_floor(tallies["litellm_sdk"])["sdk_vs_sdk_ttft_p50_ms"]
    return ratios


def targets_met(ratios: dict[str, float | None]) -> bool:
    met = (_within(ratios["added_ttft_p50_ms"], TARGET_ADDED_TTFT_P50_MS)
           and _within(ratios["added_ttft_p99_ms"], TARGET_ADDED_TTFT_P99_MS)
           and _within(ratios["cpu_ratio_stream"], TARGET_CPU_RATIO)
           and _within(ratios["cpu_ratio_complete"], TARGET_CPU_RATIO))
    if "litellm_added_ttft_p50_ms" in ratios:
        # LiteLLM's own added time must be above zero for a ratio to mean anything.
        met = met and all(_positive(ratios[theirs]) and _within(ratios[ours], TARGET_VS_LITELLM)
                          for ours, theirs in (("added_ttft_vs_litellm", "litellm_added_ttft_p50_ms"),
                                               ("added_total_vs_litellm", "litellm_added_total_p50_ms")))
    return met


async def run(args: argparse.Namespace) -> dict[str, Any]:
    concurrencies = [1, 5] if args.smoke else [1, 50]
    rounds = 2 if args.smoke else args.rounds
    report: dict[str, Any] = {"bench": "overhead", "smoke": args.smoke, "rounds": rounds, "chunks": CHUNKS,
                              "results": {}, "litellm": None}
    python, about = litellm_python()
    if args.smoke and not args.litellm:
        python, about = None, "skipped in --smoke (add --litellm to include it)"
    report["litellm"] = about
    ok = True
    for variant, pace in (("burst", 0.0), ("paced", PACE_S)):
        endpoint = Endpoint(pace)
        litellm: LiteLLMProcess | None = None
        try:
            sdk, close_sdk = sdk_client(endpoint.base_url)
            stream, complete, close_router = router_clients(endpoint.base_url)
            clients: dict[str, Client] = {"sdk": sdk, "stream": stream, "complete": complete}
            if python is not None:
                litellm = LiteLLMProcess(python, endpoint.base_url)
                report["litellm_versions"] = {k: v for k, v in litellm.versions.items() if k != "ready"}
            await batch(sdk, 5, 5)  # warm connections, the router's engine and tokenizer
            await batch(stream, 5, 5)
            await batch(complete, 5, 5)
            for concurrency in concurrencies:
                # Small batches, many rounds: the clients take turns often, so
                # a burst of load on the machine hits all of them alike.
                per_batch = (5 if concurrency == 1 else 2 * concurrency) if args.smoke else (
                    10 if concurrency == 1 else 2 * concurrency)
                load = os.getloadavg()[0]
                tallies = await measure(clients, concurrency, rounds, per_batch, litellm)
                figures = {name: tally.figures() for name, tally in tallies.items()}
                ratios = ratios_for(figures, tallies)
                met = None
                if variant == "burst":
                    met = targets_met(ratios)
                    ok = ok and met
                report["results"][f"{variant}_c{concurrency}"] = {
                    "figures": figures, "ratios": ratios, "met": met,
                    "load_1min": [round(load, 2), round(os.getloadavg()[0], 2)]}
                _print_table(variant, concurrency, figures, ratios, met)
            await close_router()
            await close_sdk()
        finally:
            if litellm is not None:
                litellm.close()
            endpoint.close()
    if python is None:
        print(f"\nLiteLLM not measured: {about}")
    report["targets"] = {"added_ttft_p50_ms": TARGET_ADDED_TTFT_P50_MS, "added_ttft_p99_ms": TARGET_ADDED_TTFT_P99_MS,
                         "cpu_ratio": TARGET_CPU_RATIO, "added_vs_litellm": TARGET_VS_LITELLM}
    report["litellm_ratio_checked"] = python is not None
    report["ok"] = ok
    return report


def _within(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 3)


def _positive(value: float | None) -> bool:
    return value is not None and value > 0


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else round(a / b, 3)


def _print_table(variant: str, concurrency: int, figures: dict[str, dict[str, float | None]],
                 ratios: dict[str, float | None], met: bool | None) -> None:
    print(f"\n{variant} endpoint, concurrency {concurrency}")
    print(f"  {'client':<12} {'TTFT p50':>9} {'TTFT p99':>9} {'total p50':>10} {'total p99':>10} {'CPU/req':>9}")
    for name, f in figures.items():
        cells = [f["ttft_p50_ms"], f["ttft_p99_ms"], f["total_p50_ms"], f["total_p99_ms"], f["cpu_ms_per_request"]]
        text = [f"{c:.2f}" if c is not None else "—" for c in cells]
        print(f"  {name:<12} {text[0]:>9} {text[1]:>9} {text[2]:>10} {text[3]:>10} {text[4]:>9}")
    verdict = "" if met is None else f"  → {'met' if met else 'NOT met'}"
    print("  " + ", ".join(f"{k} {v}" for k, v in ratios.items()) + verdict)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few requests at concurrency 1 and 5 (seconds)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of turns per setting (default 20)")
    parser.add_argument("--litellm", action="store_true", help="with --smoke: include LiteLLM when installed")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--litellm-client", metavar="BASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--pace", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.pace)
        return 0
    if args.litellm_client:
        litellm_child(args.litellm_client)
        return 0
    report = asyncio.run(run(args))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
