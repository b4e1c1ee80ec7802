"""`playground serve` in a real browser: headless Chromium (Debian's) opens the
page, sees the app's first screen, dismisses the welcome, types a prompt,
sends it and sees the streamed answer arrive.

The terminal in the page draws on a canvas, so what the page shows is read
from what it receives: the app's output over the page's websocket, with the
escape codes taken out.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.history import HistoryStore
from tests.helpers.env import cli_env

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PROMPT = "Explain how a circuit breaker protects a web service, step by step."
TIMEOUT_S = 90.0
# CSI and OSC sequences, and the two-byte escapes.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_=>()][0-9A-Za-z]?")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Chromium is not installed (bash .ci/chromium.sh installs Debian's chromium)")


def screen_text(frames: list[bytes]) -> str:
    """Everything the page was sent, as text (cursor moves become spaces)."""
    return _ESCAPES.sub(b" ", b"".join(frames)).decode("utf-8", "replace")


@pytest.fixture
def served() -> Iterator[str]:
    """`playground serve --sim` as the real entry point, on a free loopback port."""
    env = cli_env(PLAYGROUND_SIM_SPEED="3")  # slow enough to see a column streaming
    proc = subprocess.Popen([sys.executable, "-m", "playground", "serve", "--port", "0", "--sim", "-s", "fixed",
                             "-s", "cost"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, line + proc.stderr.read()
        yield found.group(0)
    finally:
        # The server and the app processes it started for the page.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)


async def _until(frames: list[bytes], text: str, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while text not in screen_text(frames):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the page got: {screen_text(frames)[-2000:]!r}")
        await asyncio.sleep(0.1)


async def test_the_app_runs_in_headless_chromium(served: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    frames: list[bytes] = []
    async with async_playwright() as p:
        # A fresh profile every run (playwright passes it as --user-data-dir).
        browser = await p.chromium.launch_persistent_context(
            tempfile.mkdtemp(dir=tmp_path), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900})
        try:
            page = await browser.new_page()
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes) else b"")))
            await page.goto(served)
            # The first screen: the simulated badge, the prompt box, the columns, then the welcome.
            await _until(frames, "SIMULATED", "the status line")
            await _until(frames, "Welcome to the routing playground", "the first-run welcome")
            text = screen_text(frames)
            assert "Prompt" in text and "fixed" in text and "cost" in text
            await page.locator(".textual-terminal").click()
            await page.keyboard.press("Enter")  # dismiss the welcome
            await asyncio.sleep(0.5)
            sent_before = len(frames)
            await page.keyboard.type(PROMPT, delay=20)
            await _until(frames[sent_before:], "step by step", "the typed prompt")
            await page.keyboard.press("Control+s")
            await _until(frames, "streaming", "a column streaming")
            await _until(frames, "✓ done", "a column done")
            await page.screenshot(path=str(tmp_path / "served.png"))
        finally:
            await browser.close()
    # The answer that streamed into the page is the one the app recorded.
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        with HistoryStore() as store:
            runs = store.runs()
            run = store.load(runs[0].id) if runs else None
        if (run is not None and all(a.text for a in run.answers)) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert run is not None and run.prompt == PROMPT
    words = [w for w in re.findall(r"[A-Za-z]{5,}", run.answers[0].text)][:5]
    shown = " ".join(screen_text(frames).split())
    assert words and all(w in shown for w in words), (words, shown[-3000:])
