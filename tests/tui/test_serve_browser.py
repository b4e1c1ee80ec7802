"""`playground serve` in a real browser: headless Chromium (Debian's) opens the
page, sees the app's first screen, dismisses the welcome, types a prompt,
sends it and sees the streamed answer arrive.

The terminal in the page draws on a canvas, so what the page shows is read
from what it receives: the app's output over the page's websocket, replayed
into a terminal emulator (pyte), which gives the screen as text.
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

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Chromium is not installed (bash .ci/chromium.sh installs Debian's chromium)")


class PageScreen:
    """The page's terminal as text: every byte the page received, replayed
    into a terminal emulator larger than the page's (the app positions every
    line absolutely, so a larger screen shows the same)."""

    def __init__(self) -> None:
        import pyte

        self.frames: list[bytes] = []
        self._screen = pyte.Screen(400, 150)
        self._stream = pyte.ByteStream(self._screen)
        self._fed = 0

    def received(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):  # text frames are the server's pongs
            self.frames.append(payload)

    @property
    def text(self) -> str:
        for frame in self.frames[self._fed:]:
            self._stream.feed(frame)
        self._fed = len(self.frames)
        return "\n".join(line.rstrip() for line in self._screen.display)


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


async def _until(page: PageScreen, text: str, what: str, gone: bool = False) -> None:
    """Wait until `text` is on the page (or, with `gone`, no longer is)."""
    deadline = time.monotonic() + TIMEOUT_S
    while (text in page.text) if gone else (text not in page.text):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the page shows:\n{page.text.rstrip()}")
        await asyncio.sleep(0.1)


async def test_the_app_runs_in_headless_chromium(served: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    shown = PageScreen()
    async with async_playwright() as p:
        # A fresh profile every run (playwright passes it as --user-data-dir).
        browser = await p.chromium.launch_persistent_context(
            tempfile.mkdtemp(dir=tmp_path), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900})
        try:
            page = await browser.new_page()
            page.on("websocket", lambda ws: ws.on("framereceived", shown.received))
            await page.goto(served)
            # The first screen: the simulated badge, the prompt box, the columns, then the welcome.
            await _until(shown, "SIMULATED", "the status line")
            await _until(shown, "Welcome to the routing playground", "the first-run welcome")
            assert "Prompt" in shown.text and "fixed" in shown.text and "cost" in shown.text
            await page.locator(".textual-terminal").click()
            await page.keyboard.press("Enter")  # dismiss the welcome
            await _until(shown, "Welcome to the routing playground", "the welcome to close", gone=True)
            await page.keyboard.type(PROMPT, delay=20)
            await _until(shown, PROMPT, "the typed prompt")
            await page.keyboard.press("Control+s")
            await _until(shown, "streaming", "a column streaming")
            await _until(shown, "✓ done", "a column done")
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
    on_page = " ".join(shown.text.split())
    assert words and all(w in on_page for w in words), (words, shown.text)
