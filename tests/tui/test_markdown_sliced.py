"""An ended run's Markdown is built on the event loop in slices
(`render_markdown_sliced`): the same lines as at once, the loop handed back
between slices, one render at a time, and a long source parsed off the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from textual.content import Content

from playground.tui import markdown_render
from playground.tui.markdown_render import PARSE_ON_LOOP_MAX_CHARS, render_markdown, render_markdown_sliced

ANSWER = (
    "# Consensus\n\nPaxos and **Raft** agree on a log; `etcd` uses Raft.\n\n"
    "- leader election\n- log replication that is long enough to wrap across rows\n  - nested item\n\n"
    "1. propose\n2. accept\n\n> quoted advice\n\n```python\nprint('hi')\n```\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\nThe end.\n"
)


def _plain(lines: list[Content]) -> list[str]:
    return [line.plain for line in lines]


@pytest.mark.parametrize("repeat", [1, PARSE_ON_LOOP_MAX_CHARS // len(ANSWER) + 1])
async def test_sliced_rendering_gives_the_same_lines_and_hands_the_loop_back(repeat: int) -> None:
    source = ANSWER * repeat
    turns = 0
    done = False

    async def count_turns() -> None:
        nonlocal turns
        while not done:
            turns += 1
            await asyncio.sleep(0)

    counter = asyncio.ensure_future(count_turns())
    try:
        lines = await render_markdown_sliced(source, 36, slice_s=0.0)  # hand back after every token
    finally:
        done = True
        await counter
    assert _plain(lines) == _plain(render_markdown(source, 36))
    assert turns >= 20 * repeat  # the loop ran other tasks while the answer was built


async def test_a_long_source_is_parsed_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = markdown_render._parser()
    threads: list[bool] = []
    parse = parser.parse

    def recording_parse(src: str, env: Any = None) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return parse(src, env)

    monkeypatch.setattr(parser, "parse", recording_parse)
    await render_markdown_sliced("short *answer*", 36)
    await render_markdown_sliced("long answer. " * (PARSE_ON_LOOP_MAX_CHARS // 10), 36)
    assert threads == [True, False]


async def test_renders_started_together_run_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight columns ending together: a key waits for one slice per turn of the loop, not eight."""
    order: list[int] = []
    steps = markdown_render._Renderer.steps

    def recording_steps(self: markdown_render._Renderer, tokens: list[object]) -> Iterator[None]:
        for _ in steps(self, tokens):  # type: ignore[arg-type]
            order.append(self.width)
            yield

    monkeypatch.setattr(markdown_render._Renderer, "steps", recording_steps)
    await asyncio.gather(*(render_markdown_sliced(ANSWER, width, slice_s=0.0) for width in (30, 31, 32)))
    assert set(order) == {30, 31, 32}
    # Each render's steps are contiguous: none began before the previous one ended.
    assert order == sorted(order)
