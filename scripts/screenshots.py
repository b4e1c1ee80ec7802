"""Regenerate the README's screenshots from the simulator.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only NAME ...]

Each shot drives the real app headless (Textual's Pilot) against the built-in
simulator, exports the screen as SVG (Textual's own export) and renders it to
PNG with headless Chromium (Debian's `chromium`, driven by playwright; install
it with `.ci/chromium.sh`). User dirs point at a temporary folder, so nothing
of yours (history, theme, remembered session) shows up in them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STATUS = "built-in simulator on loopback (no API keys set; answers, costs and timings are simulated)"
HARD = ("Design a rate limiter for a multi-region API. Compare the token bucket and sliding window approaches, "
        "analyze the trade-offs, and write the core algorithm in Python.")


@dataclass(frozen=True)
class Shot:
    name: str
    size: tuple[int, int]
    what: str
    take: Callable[[tuple[int, int]], Awaitable[str | None]]  # the SVG, or None when it cannot be taken


async def _until(pilot: object, predicate: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def _app(speed: float, **kwargs: object) -> object:
    from playground.engine.session import SessionOptions
    from playground.tui.app import PlaygroundApp

    return PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=speed), status_text=STATUS,
                         **kwargs)  # type: ignore[arg-type]


async def _ready(pilot: object, app: object) -> None:
    await _until(pilot, lambda: app.engine is not None, "the session")  # type: ignore[attr-defined]
    app.query_one("#prompt").cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def _send(pilot: object, app: object, prompt: str) -> None:
    app.prompt_area.load_text(prompt)  # type: ignore[attr-defined]
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]


async def _settled(pilot: object) -> None:
    """Let the last renders land (a finished column re-renders its answer)."""
    for _ in range(3):
        await pilot.wait_for_scheduled_animations()  # type: ignore[attr-defined]
        await pilot.pause(0.5)  # type: ignore[attr-defined]


def _streamed(app: object, chars: int) -> bool:
    runs = [c.current for c in app.columns]  # type: ignore[attr-defined]
    return all(r is not None and len(r.displayed) >= chars for r in runs)


def _ended(app: object) -> bool:
    return all(c.current is not None and not c.running for c in app.columns)  # type: ignore[attr-defined]


async def side_by_side(size: tuple[int, int]) -> str:
    """Four strategies streaming one hard prompt."""
    app = _app(1.0)
    async with app.run_test(size=size) as pilot:  # type: ignore[attr-defined]
        await _ready(pilot, app)
        await _send(pilot, app, HARD)
        await _until(pilot, lambda: _streamed(app, 350), "every column to stream")
        return app.export_screenshot()  # type: ignore[attr-defined]


async def outage(size: tuple[int, int]) -> str:
    """gpt-4o down: fallbacks answer, its breaker is OPEN with a countdown."""
    from playground.engine.breaker import BreakerConfig
    from playground.engine.retry import RetryPolicy
    from playground.engine.runner import ResilienceConfig
    from playground.engine.session import SessionOptions
    from playground.tui.app import PlaygroundApp
    from playground.tui.widgets.chaos_panel import ChaosPanel

    quick = ResilienceConfig(retry=RetryPolicy(max_attempts=3, retries_per_model=0),
                             breaker=BreakerConfig(window_size=4, minimum_calls=2, failure_rate_threshold=50,
                                                   wait_in_open_s=30.0, half_open_calls=1))
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=20, resilience=quick),
                        status_text=STATUS, strategies=["fallback", "fixed", "cost"],
                        strategy_values={"fallback": {"primary": "gpt-4o", "chain": "claude-sonnet-4-5"},
                                         "fixed": {"model": "gpt-4o"}})
    async with app.run_test(size=size) as pilot:
        await _ready(pilot, app)
        await pilot.press("f8")
        chaos = app.query_one(ChaosPanel)
        chaos.set_fault("sim-gpt-4o", "down", True)
        for _ in range(6):
            await _send(pilot, app, "Explain TCP slow start in two sentences.")
            await _until(pilot, lambda: _ended(app), "the runs to end")
            engine = app.engine
            if engine is not None and engine.health.circuit_state("gpt-4o") == "OPEN":
                break
        await _settled(pilot)
        return app.export_screenshot()


async def tuning(size: tuple[int, int]) -> str:
    from playground.tui.screens.tuning import TuningScreen

    app = _app(40.0, initial_prompt="Prove that the square root of 2 is irrational, step by step.")
    async with app.run_test(size=size) as pilot:  # type: ignore[attr-defined]
        await _ready(pilot, app)
        await pilot.press("ctrl+t")
        await _until(pilot, lambda: isinstance(app.screen, TuningScreen) and app.screen.ready,  # type: ignore[attr-defined]
                     "the tuning preview")
        await pilot.press("shift+left")
        await _settled(pilot)
        return app.export_screenshot()  # type: ignore[attr-defined]


async def help_screen(size: tuple[int, int]) -> str:
    from playground.tui.screens.help import HelpScreen

    app = _app(40.0)
    async with app.run_test(size=size) as pilot:  # type: ignore[attr-defined]
        await _ready(pilot, app)
        await pilot.press("f1")
        await _until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")  # type: ignore[attr-defined]
        await _settled(pilot)
        return app.export_screenshot()  # type: ignore[attr-defined]


async def small_terminal(size: tuple[int, int]) -> str:
    """80×24 after an answer."""
    app = _app(40.0, strategies=["fixed", "cost"])
    async with app.run_test(size=size) as pilot:  # type: ignore[attr-defined]
        await _ready(pilot, app)
        await _send(pilot, app, "What is the capital of France? Answer in one sentence.")
        await _until(pilot, lambda: _ended(app), "the answers")
        await _settled(pilot)
        return app.export_screenshot()  # type: ignore[attr-defined]


async def evaluation(size: tuple[int, int]) -> str:
    """F11: the example outcomes replayed, with a sweep of the complexity router's upper threshold."""
    from textual.widgets import Input

    from playground.tui.screens.evaluation import EvaluationScreen

    app = _app(40.0)
    async with app.run_test(size=size) as pilot:  # type: ignore[attr-defined]
        await _ready(pilot, app)
        await pilot.press("f11")
        await _until(pilot, lambda: isinstance(app.screen, EvaluationScreen)  # type: ignore[attr-defined]
                     and app.screen.state == "done", "the example replay")  # type: ignore[attr-defined]
        screen = app.screen  # type: ignore[attr-defined]
        screen.query_one("#eval-sweep", Input).value = "complexity.high_threshold=0.8:1:0.05"
        await pilot.click("#eval-run")  # type: ignore[attr-defined]
        await _until(pilot, lambda: screen.state == "done" and any(r.note for r in screen.table.shown),
                     "the sweep")
        await _settled(pilot)
        return app.export_screenshot()  # type: ignore[attr-defined]


SHOTS = (
    Shot("side-by-side", (160, 48), "four strategies streaming side by side", side_by_side),
    Shot("outage-circuits", (160, 48), "gpt-4o down: fallbacks and an OPEN breaker", outage),
    Shot("tuning", (160, 48), "the tuning screen with a live preview", tuning),
    Shot("help", (160, 48), "F1 help", help_screen),
    Shot("compact-80x24", (80, 24), "the 80×24 layout", small_terminal),
    Shot("evaluation", (160, 48), "the evaluation plot", evaluation),
)


async def render_png(svgs: dict[str, str], out: Path) -> list[Path]:
    """SVG → PNG with headless Chromium, at the SVG's own size (1.25× pixels)."""
    from playwright.async_api import async_playwright

    written = []
    async with async_playwright() as p:
        profile = tempfile.mkdtemp(prefix="playground-shots-chromium-")
        browser = await p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, device_scale_factor=1.25,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = await browser.new_page()
            for name, svg in svgs.items():
                await page.set_content(f"<html><body style='margin:0;background:#000'>{svg}</body></html>")
                box = await page.locator("svg").first.bounding_box()
                assert box is not None
                await page.set_viewport_size({"width": int(box["width"]), "height": int(box["height"])})
                path = out / f"{name}.png"
                await page.locator("svg").first.screenshot(path=str(path))
                written.append(path)
        finally:
            await browser.close()
            shutil.rmtree(profile, ignore_errors=True)
    return written


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the README's screenshots from the simulator.")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNGs")
    parser.add_argument("--only", nargs="*", metavar="NAME", help=f"shots to take: {', '.join(s.name for s in SHOTS)}")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("screenshots: Chromium is not installed; run .ci/chromium.sh", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        os.environ.pop(name, None)
    home = tempfile.mkdtemp(prefix="playground-shots-")
    svgs: dict[str, str] = {}
    for shot in SHOTS:
        if args.only and shot.name not in args.only:
            continue
        # Fresh user dirs per shot: no history, theme or session spend carried over.
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                         ("XDG_CACHE_HOME", "cache")):
            os.environ[var] = os.path.join(home, shot.name, sub)
        svg = await shot.take(shot.size)
        if svg is None:
            print(f"screenshots: {shot.name}: skipped ({shot.what} is not built yet)")
            continue
        svgs[shot.name] = svg
        print(f"screenshots: {shot.name}: {shot.what} ({shot.size[0]}×{shot.size[1]})")
    for path in await render_png(svgs, out):
        print(f"screenshots: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
              f"({path.stat().st_size // 1024} KiB)")
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
