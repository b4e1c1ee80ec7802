"""Run one policy through the playground and through the real gateways under
the same faults, and compare what each did: the model chosen, the attempt
sequence (the simulator's per-case request log) and the outcome.

Everything runs on one event loop against one simulator: cases are told apart
by their `max_tokens` tag (faults.py), so they can run side by side. The
Portkey gateway serves every strategy from one process (the config travels in
a header); the LiteLLM proxy needs a process per exported config (its router
settings are global to a process), forked from one server that imported
LiteLLM once and started while earlier strategies run.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx2

from playground.config.build import Settings
from playground.config.exporters import ExportResult, export_policy
from playground.config.exporters.plan import RoutePlan, build_plan
from playground.core.messages import ChatRequest
from playground.engine.session import Session
from playground.gateways.client import Reply, gateway_client, stream_chat
from playground.gateways.faults import FAULTS, FAULTS_BY_KEY, NO_FAULT, Entry, Fault, MatrixFaultPlan
from playground.gateways.install import GatewayUnavailable, Installed
from playground.gateways.litellm import ForkServer, litellm_body, litellm_headers, litellm_process
from playground.gateways.policy import point_at_sim
from playground.gateways.portkey import portkey_body, portkey_headers, portkey_process
from playground.gateways.process import GatewayProcess
from playground.providers.endpoints import simulated_endpoints
from playground.sim.runner import SimServer
from playground.strategies.registry import make_strategy

Outcome = Literal["answered", "truncated", "error", "hung", "not run"]
# "forwarded": the gateway answered but the simulator never saw the request
# as sent (its max_tokens, the case's tag, was rewritten on the way).
Field = Literal["chosen", "attempts", "outcome", "forwarded"]
PLAYGROUND = "playground"
GATEWAYS: tuple[str, ...] = ("litellm", "portkey")
PROMPT = "Explain step by step how a bloom filter answers a membership query, and when it is wrong."
FIRST_TAG = 301
# A random spread (load balancing, A/B) is asked this many times per fault;
# its outcomes are compared as counts.
SPREAD_REPEATS = 4
CASE_CONCURRENCY = 6
# LiteLLM proxies starting at once (forked, about a second each), and alive at once (~250 MB each, shared
# copy-on-write with the fork server): the next strategies' proxies start while earlier ones serve.
LITELLM_STARTING = 2
LITELLM_LIVE = 5
# The simulator keeps idle connections open far longer than a request takes (client_total_s). With
# uvicorn's default (5 s), a gateway's pooled connection could be closed by the server just as the
# gateway reused it: that attempt failed with a connection error the simulator never saw, and the
# gateway was recorded with one attempt fewer than it made (LiteLLM "skipping" a retry of a
# whole-chain outage in 2 of 5 gateway-suite runs beside three busy loops: LiteLLM's aiohttp pool keeps
# an idle connection 15 s). The gateways' pools now close idle connections first.
SIM_KEEP_ALIVE_S = 900


@dataclass(frozen=True)
class Observation:
    side: str
    attempts: tuple[Entry, ...]
    outcome: Outcome
    served: str | None = None  # the model whose answer reached the client
    detail: str = ""

    @property
    def chosen(self) -> str | None:
        return self.attempts[0].model if self.attempts else None

    def describe(self) -> str:
        sequence = " → ".join(e.label() for e in self.attempts) or "no request"
        return f"{self.outcome} via {self.served or '-'}: {sequence}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class CaseResult:
    strategy: str
    fault: Fault
    target: str | None  # the model the fault hits (None: none, or every model)
    spread: bool  # a random spread: observations are several requests
    playground: tuple[Observation, ...]
    gateways: dict[str, tuple[Observation, ...]]

    def differences(self, gateway: str) -> set[Field]:
        return differences(self.playground, self.gateways[gateway], spread=self.spread)


@dataclass
class StrategyRun:
    strategy: str
    exports: dict[str, ExportResult]
    cases: list[CaseResult] = field(default_factory=list)
    # A gateway that could not run this strategy (its reason), per gateway.
    failed: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def differences(ours: Sequence[Observation], theirs: Sequence[Observation], *, spread: bool) -> set[Field]:
    """Which of chosen / attempts / outcome differ. A random spread compares
    the tally of outcomes (and, for attempts, how many each request made)."""
    if not theirs or any(o.outcome == "not run" for o in theirs):
        return {"outcome"}
    found: set[Field] = set()
    if any(o.outcome in ("answered", "truncated") and not o.attempts for o in theirs):
        found.add("forwarded")
    if spread:
        if sorted(o.outcome for o in ours) != sorted(o.outcome for o in theirs):
            found.add("outcome")
        if sorted(len(o.attempts) for o in ours) != sorted(len(o.attempts) for o in theirs):
            found.add("attempts")
        return found
    a, b = ours[0], theirs[0]
    if a.chosen != b.chosen:
        found.add("chosen")
    if a.attempts != b.attempts:
        found.add("attempts")
    if a.outcome != b.outcome:
        found.add("outcome")
    return found


@dataclass(frozen=True)
class _Case:
    fault: Fault
    target: str | None
    tags: dict[str, tuple[int, ...]]  # per side: each side's requests are logged apart
    label: tuple[str, str] | None  # (key, value) a caller sends for conditional routing


class Comparison:
    """One simulator, the gateways given, and `run(strategies)`.

    ```python
    with Comparison(settings, {"portkey": installed}) as comparison:
        runs = comparison.run(["fallback"])
    ```
    """

    def __init__(self, settings: Settings, gateways: dict[str, Installed], *, sim_speed: float = 40.0,
                 faults: Sequence[Fault] | Mapping[str, Sequence[Fault]] = FAULTS, client_idle_s: float | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self._user_settings = settings
        self.installed = gateways
        # One fault list for every strategy, or a list per strategy (a covering design).
        self.faults = faults
        self.progress = progress or (lambda _: None)
        self.plan = MatrixFaultPlan(settings.catalog)
        self.sim = SimServer(catalog=settings.catalog, speed=sim_speed, faults=self.plan,
                             keep_alive_s=SIM_KEEP_ALIVE_S)
        timeouts = settings.policy.timeouts
        # A client waits a little longer than the policy would for the next byte.
        self.client_idle_s = client_idle_s or max(timeouts.first_token_s, timeouts.idle_s) + 3.0
        # The longest a client waits for one gateway request, retries and fallbacks included.
        self.client_total_s = timeouts.total_s * 2 + 30
        self._next_tag = FIRST_TAG
        self._portkey: GatewayProcess | None = None
        self._forkserver: ForkServer | None = None
        self._forkserver_lock = threading.Lock()
        self._starting = asyncio.Semaphore(LITELLM_STARTING)
        self._workdir = tempfile.TemporaryDirectory(prefix="playground-gateways-")
        self.sim_settings: Settings | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> Comparison:
        self.sim.start()
        sim_policy = point_at_sim(self._user_settings, self.sim.base_url)
        self.sim_settings, self.env = sim_policy.settings, sim_policy.env
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._forkserver is not None:
            self._forkserver.close()
            self._forkserver = None
        if self._portkey is not None:
            self._portkey.close()
            self._portkey = None
        self.sim.stop()
        self._workdir.cleanup()

    def forkserver(self) -> ForkServer:
        """LiteLLM imported once for all this comparison's proxies (started on first use)."""
        with self._forkserver_lock:
            if self._forkserver is None:
                self._forkserver = ForkServer(self.installed["litellm"], self.env).start()
            return self._forkserver

    def start_portkey(self) -> GatewayProcess | None:
        if "portkey" in self.installed and self._portkey is None:
            self._portkey = portkey_process(self.installed["portkey"]).start()
        return self._portkey

    def faults_for(self, strategy: str) -> tuple[Fault, ...]:
        faults = self.faults.get(strategy, ()) if isinstance(self.faults, Mapping) else self.faults
        return tuple(faults)

    def run(self, strategies: Sequence[str]) -> list[StrategyRun]:
        return asyncio.run(self._run_all(list(strategies)))

    # --- orchestration ----------------------------------------------------

    async def _run_all(self, strategies: list[str]) -> list[StrategyRun]:
        if "portkey" in self.installed:
            await asyncio.to_thread(self.start_portkey)
        live = asyncio.Semaphore(LITELLM_LIVE)
        self._starting = asyncio.Semaphore(LITELLM_STARTING)
        cases = asyncio.Semaphore(CASE_CONCURRENCY)
        async with gateway_client() as client:
            runs = await asyncio.gather(*(self._strategy(name, client, live, cases) for name in strategies))
        return list(runs)

    def _tags(self, count: int) -> tuple[int, ...]:
        tags = tuple(range(self._next_tag, self._next_tag + count))
        self._next_tag += count
        return tags

    async def _strategy(self, name: str, client: httpx2.AsyncClient, live: asyncio.Semaphore,
                        cases: asyncio.Semaphore) -> StrategyRun:
        assert self.sim_settings is not None
        settings = self.sim_settings.with_router_strategy(name)
        exports = {fmt: export_policy(settings, fmt, self.env) for fmt in self.installed}  # type: ignore[arg-type]
        run = StrategyRun(name, exports)
        plan = build_plan(settings, self.env)
        spread = plan.mode == "loadbalance"
        session = Session(settings.catalog, simulated_endpoints(settings.catalog, self.sim.base_url), simulated=True,
                          timeouts=settings.timeouts, resilience=settings.resilience, cache=settings.cache)
        began = time.monotonic()
        async with live, self._litellm(settings, exports, run) as litellm:
            run.timings["ready_s"] = time.monotonic() - began
            faults = self.faults_for(name)
            self.progress(f"{name}: comparing under {len(faults)} faults")
            baseline_tag = self._tags(1)
            self.plan.arm(baseline_tag[0], NO_FAULT, None)
            baseline = await self._playground(session, settings, name, baseline_tag)
            routed = _routed_model(baseline, plan)
            planned = []
            for fault in faults:
                target = None if fault is NO_FAULT or fault.whole_chain else (plan.members[0] if spread else routed)
                tags = {side: self._tags(SPREAD_REPEATS if spread else 1) for side in (PLAYGROUND, *self.installed)}
                for tag in (t for side_tags in tags.values() for t in side_tags):
                    self.plan.arm(tag, fault, target)
                planned.append(_Case(fault, target, tags, _label(plan, routed)))

            async def one(case: _Case) -> CaseResult:
                async with cases:
                    ours = self._playground(session, settings, name, case.tags[PLAYGROUND])
                    theirs = {gw: self._gateway(gw, client, exports[gw], plan, case, litellm, run)
                              for gw in self.installed}
                    results = await asyncio.gather(ours, *theirs.values())
                return CaseResult(name, case.fault, case.target, spread, results[0],
                                  dict(zip(theirs, results[1:], strict=True)))

            run.cases = list(await asyncio.gather(*(one(c) for c in planned)))
        run.timings["total_s"] = time.monotonic() - began
        return run

    @contextlib.asynccontextmanager
    async def _litellm(self, settings: Settings, exports: dict[str, ExportResult], run: StrategyRun
                       ) -> AsyncIterator[tuple[GatewayProcess, str] | None]:
        if "litellm" not in self.installed:
            yield None
            return
        workdir = Path(self._workdir.name) / settings.router_strategy
        workdir.mkdir(mode=0o700, exist_ok=True)
        try:
            spawner = await asyncio.to_thread(self.forkserver)
        except GatewayUnavailable as exc:
            run.failed["litellm"] = str(exc)
            yield None
            return
        process, key = litellm_process(self.installed["litellm"], exports["litellm"].text, workdir, self.env, spawner)
        try:
            async with self._starting:
                await asyncio.to_thread(process.start)
        except Exception as exc:  # a config the proxy rejects is a finding, not a crash
            run.failed["litellm"] = f"the proxy did not start with this config: {exc}"
            process.close()
            yield None
            return
        run.timings["litellm_start_s"] = process.started_s
        try:
            yield process, key
        finally:
            await asyncio.to_thread(process.close)

    # --- one side of one case ---------------------------------------------

    async def _playground(self, session: Session, settings: Settings, name: str, tags: Sequence[int]
                          ) -> tuple[Observation, ...]:
        engine = session.make_engine()
        observations = []
        try:
            strategy = make_strategy(name, settings.catalog, settings.values_for(name))
            for tag in tags:  # one engine across repeats: its breakers learn, as a gateway's cooldowns do
                request = ChatRequest.from_prompt(PROMPT, max_output_tokens=tag)
                result = await engine.run(strategy, request, use_cache=False)
                log = self.plan.entries(tag)
                if result.error is not None:
                    observations.append(Observation(PLAYGROUND, tuple(log), "error", None,
                                                    f"{result.error.kind}: {result.error.message}"[:200]))
                else:
                    observations.append(_served(PLAYGROUND, log, result.model, result.decision.model
                                                if result.decision else None))
        finally:
            await engine.pool.aclose()
        return tuple(observations)

    async def _gateway(self, gateway: str, client: httpx2.AsyncClient, export: ExportResult, plan: RoutePlan,
                       case: _Case, litellm: tuple[GatewayProcess, str] | None, run: StrategyRun
                       ) -> tuple[Observation, ...]:
        messages = [{"role": "user", "content": PROMPT}]
        observations = []
        for tag in case.tags[gateway]:
            if gateway == "portkey":
                assert self._portkey is not None
                url = self._portkey.base_url + "/v1/chat/completions"
                metadata = {case.label[0]: case.label[1]} if case.label else None
                headers = portkey_headers(export.text, self.env, metadata)
                body = portkey_body(plan.entry, messages, tag)
            else:
                if litellm is None:
                    observations.append(Observation(gateway, (), "not run", None, run.failed.get(gateway, "")))
                    continue
                process, key = litellm
                url = process.base_url + "/v1/chat/completions"
                headers = litellm_headers(key)
                tags = [f"{case.label[0]}:{case.label[1]}"] if case.label and not plan.tiers else None
                body = litellm_body(plan.entry, messages, tag, tags)
            reply = await stream_chat(client, url, headers, body, self.client_idle_s, self.client_total_s)
            observations.append(_from_reply(gateway, self.plan.entries(tag), reply))
        return tuple(observations)


def _routed_model(baseline: tuple[Observation, ...], plan: RoutePlan) -> str:
    first = baseline[0] if baseline else None
    return (first.chosen if first and first.chosen else None) or plan.primary


def _label(plan: RoutePlan, routed: str) -> tuple[str, str] | None:
    """What a caller sends so that conditional routing picks the model the
    playground routed to (the caller classifies; the gateway cannot)."""
    if plan.mode != "conditional":
        return None
    for value, model in plan.branches:
        if model == routed:
            return plan.label_key, value
    return None


def _served(side: str, log: list[Entry], served: str | None, decided: str | None) -> Observation:
    """A success: truncated when the answer that reached the client is the
    one whose stream broke (the last request to that model failed mid-stream)."""
    model = served or (log[-1].model if log else decided)
    last = next((e for e in reversed(log) if e.model == model), None)
    broke = last is not None and last.fault is not None and FAULTS_BY_KEY[last.fault].mid_stream
    return Observation(side, tuple(log), "truncated" if broke else "answered", model)


def _from_reply(side: str, log: list[Entry], reply: Reply) -> Observation:
    if reply.ending == "finished" and not log:
        return Observation(side, (), "answered", None, "no request reached the simulator with the max_tokens sent: "
                           "the gateway rewrote it")
    if reply.ending == "finished":
        observation = _served(side, log, log[-1].model if log else None, None)
        return Observation(side, observation.attempts, observation.outcome, observation.served, reply.detail)
    return Observation(side, tuple(log), "hung" if reply.ending == "hung" else "error", None, reply.detail)
