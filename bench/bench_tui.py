"""Does the TUI keep up? The app headless with eight columns, fed by the
simulator running in its own process, against the engine alone on the same
streams (issue 14, targets 2-4).

Phases, each in a fresh process so one cannot skew another's CPU or memory:

- engine: the baseline. The same eight strategies run concurrently through
  the engine with no UI: tokens/s received and CPU per 1,000 tokens.
- stream: the app (200×50, headless) at 8 × 1,650 tokens/s, after one
  unmeasured send (connections, SDK imports: the engine phase warms up the
  same way). Why 1,650 and not the issue's 8 × 1,000: the target is a floor
  on the total the screen keeps up with, and the total is read over each
  send's window, from the first delta of any column to the last token of
  the longest answer. The eight answers differ in length (each strategy
  picks another model), so a send's columns finish at different times and
  the window's total is about 0.77 of the columns' sum: at 8 × 1,250 the
  engine alone received 7,660 tokens/s, and exactly that twice over at
  speed 2 (16,000: the offer was the limit, not the engine). At 8 × 1,650
  the engine alone receives about 10,000, a quarter above the target, and
  on the same streams in the same run it says what the machine delivers
  (the ratio of what is shown to it is the honest reading on a busy
  machine). Sends are 0.8 s apart (the app idles between them as while a
  person reads; its CPU is counted).
  Tokens/s shown (tokens over first delta at the engine → last token in a
  frame; also as a ratio to what the engine alone received), the
  lag from the last token reaching the engine to the first frame that shows
  it (and, apart, to the widget holding it),
  CPU per 1,000 tokens (ratio to the engine's), every column's text compared
  with what the engine delivered, key presses typed into the prompt while
  the columns stream (time from the key reaching the app to the editor's
  change; a Pilot run), and the compositor's CPU per frame (thread time, so
  hardly moved by the machine's load).
- real: the app at real model speeds (the built-in catalog, speed 1): share
  of a core while eight columns stream, and the lag to the screen.
- memory: peak RSS after every column received ≥ 20,000 tokens (repeated
  sends), then the drift over 50 further sends.
- first_frame: `playground tui --sim` in a pseudo-terminal, from process
  start to the first frame of the main screen (and to the session being
  ready), next to `python -c pass` and a bare Textual app's first frame.

Ends with one JSON line: figures, baselines, ratios and "ok" against the
targets. `--smoke` proves the harness end to end in seconds (for a test):
short answers, the simulators and the app phases in this one process, one
start of the real app for the first frame; "ok" then only means the run was
sound (no text lost, every phase reported), never that a target was met.

    python bench/bench_tui.py            # full run, a few minutes
    python bench/bench_tui.py --smoke    # seconds
    python bench/bench_tui.py --only engine,stream --loop-trace trace.json
        # what held the event loop while keys waited: every callback's wall
        # and CPU time, the long ones by kind, and where they were (sampled)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pty
import re
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim_child import SimChild, uniform_catalog  # bench/, beside this file

# Single-call strategies: one answer stream per column.
STRATEGIES = ("fixed", "complexity", "task", "cost", "fallback", "loadbalance", "capability", "threshold")
PROMPTS = (
    "Write a long, detailed essay on distributed consensus: Paxos, Raft, their failure modes and trade-offs.",
    "Explain in depth how a modern garbage collector works, generation by generation, with examples.",
    "Write a thorough guide to designing a REST API: naming, versioning, pagination, errors and caching.",
    "Compare B-trees, LSM trees and hash indexes in detail for a storage engine, with their costs.",
)
FAST_TOKENS_PER_S = 1650.0  # per column: 8 columns give ~10,000 tokens/s over a send's window (see above)
FAST_TTFT_MS = 40.0
# Between sends the app idles this long, as it would while a person reads the
# answers (not inside any timed window; its CPU is counted): the app settles
# its heap when the columns are idle (`columns_row.settle_heap`).
IDLE_BETWEEN_SENDS_S = 0.8
SIZE = (200, 50)
TARGETS = {
    "shown_tokens_per_s": 8000.0,
    "lag_p50_ms": 50.0,
    "lag_p99_ms": 150.0,
    "cpu_ratio": 3.0,
    "real_core_share": 0.25,
    "key_p99_ms": 50.0,
    "peak_rss_mb": 250.0,
    "rss_drift_mb": 10.0,
    "first_frame_s": 1.5,
}
ROOT = Path(__file__).resolve().parents[1]
# Smoke runs: prompts the simulator answers in a sentence (a dozen tokens per
# column), and the memory phase's threshold per column before its further sends.
SMOKE_PROMPTS = ("Say hi.", "Name a colour.")
SMOKE_TOKENS_PER_COLUMN = 10
SMOKE_FAST_SPEED = 0.1


# -- the simulator, in its own process -------------------------------------------------
def serve_sim(kind: str, speed: float) -> None:
    """Child process: serve the simulator and print its URL. `fast`: every
    model streams at FAST_TOKENS_PER_S (so every column runs at the same
    rate whatever its strategy picks); `real`: the built-in catalog."""
    from playground.sim.runner import SimServer

    server = SimServer(catalog=_catalog(kind), port=0, speed=speed).start()
    print(server.base_url, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        server.stop()


def _catalog(kind: str) -> Any:
    from playground.core.catalog import default_catalog

    return uniform_catalog(FAST_TOKENS_PER_S, FAST_TTFT_MS) if kind == "fast" else default_catalog()


class Sim(SimChild):
    def __init__(self, kind: str, speed: float = 1.0) -> None:
        super().__init__(__file__, ["--serve-sim", kind, "--speed", str(speed)])


class InProcessSim:
    """Smoke runs: the simulator on a thread of this process (no second
    interpreter to start); the same URL and `close` as `Sim`."""

    def __init__(self, kind: str, speed: float = 1.0) -> None:
        from playground.sim.runner import SimServer

        self.server = SimServer(catalog=_catalog(kind), port=0, speed=speed).start()
        self.url = self.server.base_url

    def close(self) -> None:
        self.server.stop()


# -- measuring inside a phase ------------------------------------------------------------
def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Send:
    """One prompt through every column: when the engine saw text, when the screen showed it."""

    first_delta: float | None = None
    last_delta: dict[str, float] = field(default_factory=dict)
    on_screen: dict[str, float] = field(default_factory=dict)
    in_widget: dict[str, float] = field(default_factory=dict)
    last_append: dict[str, float] = field(default_factory=dict)
    tokens: int = 0
    lost: list[str] = field(default_factory=list)


def _session(url: str) -> Any:
    from playground.core.catalog import default_catalog
    from playground.engine.session import Session
    from playground.providers.endpoints import simulated_endpoints

    catalog = default_catalog()
    return Session(catalog, simulated_endpoints(catalog, url), simulated=True)


_prompts = PROMPTS


def _prompt(i: int) -> str:
    return _prompts[i % len(_prompts)]


def _request(i: int) -> Any:
    from playground.core.messages import ChatRequest

    return ChatRequest.from_prompt(_prompt(i))


async def engine_phase(url: str, sends: int) -> dict[str, Any]:
    """The engine alone: the same strategies, concurrently, no UI."""
    from playground.core.events import TextDelta
    from playground.strategies.registry import make_strategy

    session = _session(url)
    engine = session.make_engine()
    engine.counter.count_text("warm up")
    strategies = [make_strategy(name, session.catalog) for name in STRATEGIES]
    await asyncio.gather(*(engine.run(s, _request(0)) for s in strategies))  # connections, encodings
    tokens, windows = 0, 0.0
    cpu0 = time.process_time()
    for i in range(sends):
        first: list[float] = []
        last: dict[str, float] = {}

        def emit(event: Any, name: str, first: list[float] = first, last: dict[str, float] = last) -> None:
            if isinstance(event, TextDelta):
                now = time.perf_counter()
                if not first:
                    first.append(now)
                last[name] = now

        request = _request(i)
        results = await asyncio.gather(*(engine.run(s, request, lambda e, n=s.name: emit(e, n)) for s in strategies))
        tokens += sum(r.output_tokens for r in results)
        windows += max(last.values()) - first[0]
    cpu = time.process_time() - cpu0
    await engine.pool.aclose()
    return {"tokens": tokens, "tokens_per_s": tokens / windows, "cpu_s": cpu,
            "cpu_per_1k_tokens_ms": cpu / tokens * 1e6,
            "peak_rss_mb": peak_rss_mb()}


def _main_view(app: Any) -> Any:
    """What owns the columns and the prompt: the main screen."""
    return app.main_screen


def _shown_text(column: Any) -> str:
    """The text a column's answer area holds now."""
    return column.shown_text


async def app_phase(url: str, sends: int, *, keys: bool, memory: bool = False,
                    tokens_per_column: int = 0, profile: str = "", loop_trace: str = "") -> dict[str, Any]:
    """The app headless: per send, when each column's last token reached the
    engine and the first frame after its widget held the whole answer."""
    from textual.widgets import TextArea

    from playground.core.events import RequestFinished, TextDelta
    from playground.runview.run_state import attempts_markdown
    from playground.tui.app import PlaygroundApp

    frames: list[float] = []
    state: dict[str, Any] = {"send": None, "pending": {}}

    app = PlaygroundApp(session=_session(url), strategies=list(STRATEGIES))
    display = app._display

    def measured_display(screen: Any, renderable: Any) -> None:
        """Every frame: which columns' final text it is the first to show."""
        display(screen, renderable)
        if renderable is None:
            return
        now = time.perf_counter()
        frames.append(now)
        send: Send | None = state["send"]
        pending: dict[str, tuple[Any, str]] = state["pending"]
        if send is None or not pending:
            return
        for name, (column, finals) in list(pending.items()):
            if _shown_text(column) in finals:  # the whole answer, in order
                send.on_screen[name] = now
                del pending[name]

    app._display = measured_display  # type: ignore[method-assign]
    key_ms: list[float] = []
    key_sent: list[float] = []

    def hook(message: Any) -> None:
        if isinstance(message, TextArea.Changed) and key_sent:
            sent = key_sent.pop()
            key_ms.append((time.perf_counter() - sent) * 1000)
            if state.get("tracer") is not None:
                state["tracer"].key(sent, key_ms[-1])

    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        deadline = time.monotonic() + 60
        while app.engine is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the session did not open")
            await pilot.pause(0.05)
        engine = app.engine
        engine.counter.count_text("warm up")
        view = _main_view(app)
        original_run = engine.run

        async def measured_run(strategy: Any, request: Any, emit: Any, use_cache: bool | None = None) -> Any:
            send: Send = state["send"]
            name = strategy.name

            def spy(event: Any) -> None:
                if isinstance(event, TextDelta):
                    now = time.perf_counter()
                    if send.first_delta is None:
                        send.first_delta = now
                    send.last_delta[name] = now
                emit(event)
                if isinstance(event, RequestFinished):
                    # From now on, the first frame whose column shows all of it:
                    # the answer as streamed (a fallback's separator included),
                    # with or without the table of calls after it.
                    column = view.column(name)
                    shown = column.current.displayed
                    table = attempts_markdown(event.result)
                    text = shown[: len(shown) - len(table)] if table and shown.endswith(table) else shown
                    state["pending"][name] = (column, (shown, text))
                    if _shown_text(column) in (shown, text) and name in send.last_append:
                        send.in_widget[name] = send.last_append[name]  # drawn as the end was reported

            return await original_run(strategy, request, spy, use_cache)

        engine.run = measured_run  # type: ignore[method-assign]

        def watch_widget(column: Any) -> None:
            """When the column's answer area first holds the whole answer
            (the lag to the widget, before a frame draws it)."""
            pane = column.answer
            append = pane.append

            def measured_append(text: str) -> None:
                append(text)
                send: Send | None = state["send"]
                name = column.strategy.name
                if send is not None:
                    send.last_append[name] = time.perf_counter()
                entry = state["pending"].get(name)
                if send is not None and entry is not None and name not in send.in_widget and pane.source in entry[1]:
                    send.in_widget[name] = time.perf_counter()

            pane.append = measured_append

        for column in view.columns:
            watch_widget(column)
        frame_cpu: list[float] = []
        compositor = view._compositor
        render_update = compositor.render_update

        def measured_render_update(*args: Any, **kwargs: Any) -> Any:
            """The compositor's share of a frame, in this thread's CPU time
            (what the machine's load hardly moves)."""
            cpu = time.thread_time()
            update = render_update(*args, **kwargs)
            if state["send"] is not None:
                frame_cpu.append((time.thread_time() - cpu) * 1000)
            return update

        compositor.render_update = measured_render_update
        # One send before measuring, as the engine phase warms up: the first
        # one opens the connections and imports the provider SDKs.
        state["send"] = Send()
        await _send_and_wait(view, _prompt(0))
        await asyncio.sleep(IDLE_BETWEEN_SENDS_S)
        state["send"] = None
        frame_cpu.clear()
        done: list[Send] = []
        received = dict.fromkeys(STRATEGIES, 0)
        rss_after: list[float] = []
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        tracer = None
        if loop_trace:
            from loop_trace import LoopTrace  # bench/, beside this file

            tracer = state["tracer"] = LoopTrace()
            tracer.start()
        cpu0 = time.process_time()
        wall0 = time.perf_counter()
        base_rss = peak = 0.0
        i = 0
        while True:
            if memory and tokens_per_column and min(received.values()) >= tokens_per_column and not base_rss:
                gc.collect()
                base_rss, peak = rss_mb(), peak_rss_mb()
                result["tokens_per_column_before"] = min(received.values())
                sends = i + sends  # the further sends
            if i >= sends and (not memory or base_rss):
                break
            send = Send()
            state["send"], state["pending"] = send, {}
            typing = asyncio.ensure_future(_type_while_streaming(app, view, key_sent)) if keys else None
            await _send_and_wait(view, _prompt(i))
            if typing is not None:
                typing.cancel()
                key_sent.clear()  # a key still in flight is not timed against the next prompt's load
            for column in view.columns:
                run = column.current
                name = column.strategy.name
                received[name] += run.output_tokens
                send.tokens += run.output_tokens
                # Nothing lost or reordered: the column shows what the run
                # wrote, and that holds the delivered answer.
                if run.status != "done" or run.result is None or run.result.text not in run.displayed:
                    send.lost.append(f"{name}: {run.status} {run.error}")
                elif _shown_text(column) != run.displayed:
                    send.lost.append(f"{name}: shows {len(_shown_text(column))} of {len(run.displayed)} chars")
            # The last frames: every column's final text must reach one.
            deadline = time.monotonic() + 10
            while state["pending"] and time.monotonic() < deadline:
                app.screen.refresh()
                await asyncio.sleep(0.01)
            for name, (column, finals) in state["pending"].items():
                shown = len(_shown_text(column))
                send.lost.append(f"{name}: never on screen in full ({shown} of {len(finals[0])} chars)")
            state["send"] = None
            if tracer is not None:
                for name, shown_at in send.on_screen.items():
                    if name in send.last_delta:
                        tracer.lag(send.last_delta[name], (shown_at - send.last_delta[name]) * 1000)
            done.append(send)
            await asyncio.sleep(IDLE_BETWEEN_SENDS_S)
            i += 1
            if memory and base_rss:
                gc.collect()
                rss_after.append(rss_mb())
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        if tracer is not None:
            tracer.stop()
            Path(loop_trace).write_text(json.dumps(tracer.report(), indent=1))
        tokens = sum(s.tokens for s in done)
        lags = [(s.on_screen[n] - s.last_delta[n]) * 1000 for s in done for n in s.on_screen if n in s.last_delta]
        widget_lags = [(s.in_widget[n] - s.last_delta[n]) * 1000 for s in done for n in s.in_widget
                       if n in s.last_delta]
        windows = sum(max(s.on_screen.values()) - s.first_delta for s in done if s.on_screen and s.first_delta)
        result |= {
            "sends": len(done),
            "tokens": tokens,
            "shown_tokens_per_s": tokens / windows if windows else 0.0,
            "lag_p50_ms": percentile(lags, 50),
            "lag_p99_ms": percentile(lags, 99),
            "widget_lag_p50_ms": percentile(widget_lags, 50),
            "widget_lag_p99_ms": percentile(widget_lags, 99),
            "cpu_s": cpu,
            "wall_s": wall,
            "core_share": cpu / wall,
            "cpu_per_1k_tokens_ms": cpu / tokens * 1e6 if tokens else 0.0,
            "frames": len(frame_cpu),
            "frame_cpu_p50_ms": percentile(frame_cpu, 50),
            "frame_cpu_p99_ms": percentile(frame_cpu, 99),
            "frame_cpu_per_1k_tokens_ms": sum(frame_cpu) / tokens * 1e3 if tokens else 0.0,
            "lost": [x for s in done for x in s.lost][:10],
        }
        if keys:
            result |= {"keys": len(key_ms), "key_p50_ms": percentile(key_ms, 50), "key_p99_ms": percentile(key_ms, 99)}
        if memory:
            result |= {"peak_rss_mb": peak, "tokens_per_column_target": tokens_per_column,
                       "rss_start_mb": base_rss, "rss_end_mb": rss_after[-1] if rss_after else base_rss,
                       "rss_drift_mb": (rss_after[-1] - base_rss) if rss_after else 0.0,
                       "further_sends": len(rss_after)}
        await app.action_quit()
    return result


async def _send_and_wait(view: Any, prompt: str) -> None:
    """Send `prompt` to every column and wait until each column's new run finished."""
    view.prompt_area.load_text(prompt)
    before = [c.current for c in view.columns]
    view.action_send()
    while not all(c.current is not b and c.current is not None and c.current.finished.is_set()
                  for c, b in zip(view.columns, before, strict=True)):
        await asyncio.sleep(0.02)


async def _type_while_streaming(app: Any, view: Any, sent: list[float]) -> None:
    """Type into the prompt while the columns stream, one key every 50 ms
    (each timed from reaching the app to the editor's change)."""
    from textual import events

    view.prompt_area.focus()
    while not view.running:  # the send has started
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    for char in "typing while it streams " * 4:
        if not view.running:
            return
        sent.clear()
        sent.append(time.perf_counter())
        key = events.Key("space" if char == " " else char, char)
        app._driver.send_message(key)  # what Pilot.press sends, without its wait for an idle app
        await asyncio.sleep(0.05)


# -- first frame -----------------------------------------------------------------------
# The second baseline: a bare Textual app with one line of text, so the figure
# can be read as "the playground's own share" over what Textual itself costs.
BARE_TEXTUAL = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('BARE TEXTUAL READY')\n"
    "Bare().run()\n"
)
# The main screen's first frame shows the status line's badge: STARTING while
# the session opens in a worker, SIMULATED once the simulator answers.
FIRST_FRAME_MARKERS = (b"STARTING", b"SIMULATED")
SESSION_READY_MARKER = b"SIMULATED"


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a live process has used so
    far: unlike wall time, it hardly moves with the machine's load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Timed:
    """Wall and CPU seconds from a process's start to each marker."""

    wall: list[float]
    cpu: list[float]


def _time_to_output(argv: Sequence[str], markers: Sequence[Sequence[bytes]], env: dict[str, str],
                    timeout: float = 30, quit_key: bool = True) -> Timed:
    """Seconds from spawning `argv` in a pseudo-terminal (160×48) to each
    entry of `markers` (any of its byte strings) in its output, or to its
    exit when `markers` is empty (no CPU figure then). Then the app is quit
    with Ctrl+Q, or (`quit_key` False: a smoke run) terminated."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True)
    os.close(slave)
    seen = b""
    found: list[float] = [float("nan")] * len(markers)
    cpu: list[float] = [float("nan")] * len(markers)
    exited = float("nan")
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                seen += chunk
                plain = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", seen)
                now = time.perf_counter() - started
                for i, options in enumerate(markers):
                    if found[i] != found[i] and any(marker in plain for marker in options):  # nan: not yet
                        found[i] = now
                        cpu[i] = _cpu_s(proc.pid)
                if markers and all(t == t for t in found):
                    break
            if proc.poll() is not None:
                exited = time.perf_counter() - started
                break
    finally:
        if proc.poll() is None and not quit_key:
            proc.terminate()
        if proc.poll() is None:
            os.write(master, b"\x11")  # Ctrl+Q
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.close(master)
    return Timed(found, cpu) if markers else Timed([exited], [float("nan")])


def first_frame_phase(runs: int, smoke: bool = False) -> dict[str, Any]:
    """`playground tui --sim` from process start to its first frame (and to
    the session being ready), beside `python -c pass` and a bare Textual app,
    interleaved run by run so load drifts hit all three alike.

    Bytecode is cached as an installed package has it: the runs write and
    read .pyc files under a private PYTHONPYCACHEPREFIX (a warm-up start
    fills it), whatever PYTHONDONTWRITEBYTECODE the caller has set. A smoke
    run has no warm-up and reads the bytecode already beside the sources
    instead (a private prefix would compile the standard library and every
    package from source: 5 s of CPU in a test that times nothing)."""
    home = tempfile.mkdtemp(prefix="bench-tui-home-")
    env = {k: v for k, v in os.environ.items()
           if not k.endswith(("_API_KEY", "_BASE_URL")) and (smoke or k != "PYTHONDONTWRITEBYTECODE")}
    env |= {"HOME": home, "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data",
            "XDG_CACHE_HOME": f"{home}/cache", "XDG_STATE_HOME": f"{home}/state", "TERM": "xterm-256color"}
    if not smoke:
        env["PYTHONPYCACHEPREFIX"] = f"{home}/pycache"
    python = [sys.executable, "-c", "pass"]
    bare = [sys.executable, "-c", BARE_TEXTUAL]
    app = [sys.executable, "-m", "playground", "tui", "--sim"]
    app_markers = (FIRST_FRAME_MARKERS, (SESSION_READY_MARKER,))
    if not smoke:
        # The first start writes the config, the bytecode, and warms the disk cache.
        _time_to_output(app, app_markers, env)
        _time_to_output(bare, ((b"BARE TEXTUAL READY",),), env)
    baseline, bare_frame, frame, ready, bare_cpu, frame_cpu = [], [], [], [], [], []
    for _ in range(runs):
        baseline += _time_to_output(python, (), env).wall
        timed = _time_to_output(bare, ((b"BARE TEXTUAL READY",),), env, quit_key=not smoke)
        bare_frame += timed.wall
        bare_cpu += timed.cpu
        timed = _time_to_output(app, app_markers, env, quit_key=not smoke)
        frame.append(timed.wall[0])
        ready.append(timed.wall[1])
        frame_cpu.append(timed.cpu[0])
    median = {name: statistics.median(values) for name, values in
              (("first_frame_s", frame), ("session_ready_s", ready), ("python_pass_s", baseline),
               ("bare_textual_s", bare_frame), ("first_frame_cpu_s", frame_cpu), ("bare_textual_cpu_s", bare_cpu))}
    return {**median, "runs": runs, "bytecode": "cached" if not smoke else "as found",
            "ratio": median["first_frame_s"] / median["python_pass_s"],
            "ratio_to_bare_textual": median["first_frame_s"] / median["bare_textual_s"],
            "bare_textual_ratio": median["bare_textual_s"] / median["python_pass_s"],
            "cpu_ratio_to_bare_textual": median["first_frame_cpu_s"] / median["bare_textual_cpu_s"]}


# -- orchestration ------------------------------------------------------------------------
def run_phase(name: str, args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--phase", name, *args], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def phase_main(name: str, url: str, smoke: bool, profile: str = "", loop_trace: str = "") -> dict[str, Any]:
    if name == "engine":
        return asyncio.run(engine_phase(url, 1 if smoke else 12))
    if name in ("stream", "real", "memory"):
        # The phase is its own process, the app in it as under `playground tui`: the command owns
        # the collector (paused to the first frame, the heap settled between runs; tui/startup.py).
        from playground.tui.startup import pause_collector, release_collector

        pause_collector()
        try:
            if name == "stream":
                return asyncio.run(app_phase(url, 1 if smoke else 12, keys=True, profile=profile,
                                                 loop_trace=loop_trace))
            if name == "real":
                return asyncio.run(app_phase(url, 1, keys=False, profile=profile))
            return asyncio.run(app_phase(url, 2 if smoke else 50, keys=False, memory=True,
                                         tokens_per_column=SMOKE_TOKENS_PER_COLUMN if smoke else 20_000))
        finally:
            release_collector()
    if name == "first_frame":
        return first_frame_phase(1 if smoke else 5, smoke)
    raise SystemExit(f"unknown phase {name!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="every phase small, in seconds (for tests)")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--serve-sim", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--only", default="", help="comma-separated phases to run (default: all)")
    parser.add_argument("--profile", default="", metavar="FILE",
                        help="write a cProfile of the stream phase's sends to FILE, of the real-speed "
                             "phase to FILE.real (read them with pstats)")
    parser.add_argument("--loop-trace", default="", metavar="FILE",
                        help="write to FILE (JSON) the stream phase's event-loop callback durations and "
                             "where the loop was during the long ones (bench/loop_trace.py)")
    args = parser.parse_args()
    for flag, target in (("--profile", args.profile), ("--loop-trace", args.loop_trace)):
        folder = Path(target).resolve().parent if target else None
        if folder is not None and not folder.is_dir():  # else the run fails only at its end, minutes later
            parser.error(f"{flag} {target}: the folder {folder} does not exist; create it or write elsewhere")
    if args.serve_sim:
        serve_sim(args.serve_sim, args.speed)
        return 0
    if args.smoke:
        global _prompts
        _prompts = SMOKE_PROMPTS
    if args.phase:
        print(json.dumps(phase_main(args.phase, args.url, args.smoke, args.profile, args.loop_trace)), flush=True)
        return 0

    smoke = ["--smoke"] if args.smoke else []
    only = set(filter(None, args.only.split(","))) or {"engine", "stream", "real", "memory", "first_frame"}
    figures: dict[str, Any] = {"smoke": args.smoke}

    def phase(name: str, url: str = "", extra: Sequence[str] = ()) -> None:
        """A fresh process per phase; a smoke run keeps them all in this one."""
        if args.smoke:
            try:
                figures[name] = phase_main(name, url, True)
            except Exception as exc:  # reported like a failed phase process
                figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
        else:
            figures[name] = run_phase(name, [*(["--url", url] if url else []), *smoke, *extra])
        print(f"{name}: {figures[name]}", file=sys.stderr, flush=True)

    simulator = InProcessSim if args.smoke else Sim
    # Smoke: a tenth of the speed, so the short answers still stream long
    # enough for keys to be typed while they do.
    fast = simulator("fast", SMOKE_FAST_SPEED if args.smoke else 1.0)
    try:
        for name in ("engine", "stream", "memory"):
            if name in only:
                extra = ["--profile", str(Path(args.profile).resolve())] if args.profile and name == "stream" else []
                if args.loop_trace and name == "stream":
                    extra += ["--loop-trace", str(Path(args.loop_trace).resolve())]
                phase(name, fast.url, extra)
    finally:
        fast.close()
    if "real" in only:
        # Real model speeds; the smoke run speeds them up to stay short.
        real = simulator("real", 20.0 if args.smoke else 1.0)
        try:
            phase("real", real.url, ["--profile", str(Path(args.profile).resolve()) + ".real"] if args.profile else [])
        finally:
            real.close()
    if "first_frame" in only:
        phase("first_frame")
    figures["load_average"] = os.getloadavg()
    figures["cpus"] = os.cpu_count()
    figures["targets"] = TARGETS
    figures["checks"] = checks = _checks(figures)
    sound = not any("error" in v for v in figures.values() if isinstance(v, dict)) and not any(
        figures.get(p, {}).get("lost") for p in ("stream", "real", "memory"))
    figures["sound"] = sound
    figures["ok"] = sound and (args.smoke or all(checks.values()))
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


def _checks(f: dict[str, Any]) -> dict[str, bool]:
    t = TARGETS
    got: dict[str, Callable[[], bool]] = {
        "shown_tokens_per_s": lambda: f["stream"]["shown_tokens_per_s"] >= t["shown_tokens_per_s"],
        "lag_p50_ms": lambda: f["stream"]["lag_p50_ms"] <= t["lag_p50_ms"],
        "lag_p99_ms": lambda: f["stream"]["lag_p99_ms"] <= t["lag_p99_ms"],
        "cpu_ratio": lambda: (f["stream"]["cpu_per_1k_tokens_ms"] / f["engine"]["cpu_per_1k_tokens_ms"]
                              <= t["cpu_ratio"]),
        "key_p99_ms": lambda: f["stream"]["key_p99_ms"] <= t["key_p99_ms"],
        "real_core_share": lambda: f["real"]["core_share"] <= t["real_core_share"],
        "peak_rss_mb": lambda: f["memory"]["peak_rss_mb"] <= t["peak_rss_mb"],
        "rss_drift_mb": lambda: f["memory"]["rss_drift_mb"] <= t["rss_drift_mb"],
        "first_frame_s": lambda: f["first_frame"]["first_frame_s"] <= t["first_frame_s"],
    }
    results = {}
    for name, check in got.items():
        try:
            results[name] = bool(check())
        except (KeyError, TypeError, ZeroDivisionError):
            results[name] = False
    if "cpu_per_1k_tokens_ms" in f.get("stream", {}) and "cpu_per_1k_tokens_ms" in f.get("engine", {}):
        f["stream"]["cpu_ratio_to_engine"] = f["stream"]["cpu_per_1k_tokens_ms"] / f["engine"]["cpu_per_1k_tokens_ms"]
    if f.get("stream", {}).get("shown_tokens_per_s") and f.get("engine", {}).get("tokens_per_s"):
        # What the screen kept up with against what the engine alone received
        # (on a loaded machine the engine may not reach the 8,000 offered).
        f["stream"]["shown_ratio_to_engine"] = f["stream"]["shown_tokens_per_s"] / f["engine"]["tokens_per_s"]
    return results


if __name__ == "__main__":
    raise SystemExit(main())
