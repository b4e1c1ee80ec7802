"""Markdown that streams without falling behind.

Blocks that are closed (see `markdown_blocks`) go to a `Markdown` widget;
the block still being written is shown as plain text below it. Re-parsing
and re-laying out Markdown per token is what made eight fast columns fall
seconds behind; here Markdown work happens a few times a second per column,
and a token costs a plain-text update of one block.

Calls never wait for the Markdown widget: they queue work for one task of
this widget, which runs it in order and coalesces appends (the way Textual's
`MarkdownStream` does). A caller that must know the work is done (a run
ending) awaits the returned future from a worker, never from a message
handler: the widget's updates need the message loops to keep going.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from playground.tui.markdown_blocks import BlockSplitter


@dataclass
class _Op:
    kind: str  # "append", "update", "clear_tail"
    text: str = ""
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class StreamingMarkdown(Vertical):
    DEFAULT_CSS = """
    StreamingMarkdown {
        height: auto;
    }
    StreamingMarkdown > Markdown {
        margin: 0;
        padding: 0;
        background: transparent;
    }
    StreamingMarkdown > .stream-tail {
        height: auto;
        display: none;
    }
    StreamingMarkdown > .stream-tail.-active {
        display: block;
    }
    /* Code wider than the column scrolls sideways, and the scrollbar shows it. */
    StreamingMarkdown MarkdownFence {
        overflow-x: auto;
        scrollbar-size-horizontal: 1;
    }
    """

    def __init__(self, *, markdown_id: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._markdown_id = markdown_id
        self._splitter = BlockSplitter()
        self._ops: list[_Op] = []
        self._op_task: asyncio.Task[None] | None = None
        self._tail = ""

    def compose(self) -> ComposeResult:
        yield Markdown(id=self._markdown_id)
        yield Static("", classes="stream-tail", markup=False)

    def on_unmount(self) -> None:
        if self._op_task is not None:
            self._op_task.cancel()

    @property
    def markdown(self) -> Markdown:
        return self.query_one(Markdown)

    @property
    def source(self) -> str:
        """Everything shown: the rendered blocks' source and the plain tail."""
        return self.markdown.source + self._tail

    def append(self, text: str) -> asyncio.Future[None]:
        """More text at the end."""
        closed = self._splitter.feed(text)
        op = self._queue("append", closed) if closed else self._idle()
        self._show_tail(self._splitter.tail)
        return op

    def close(self) -> asyncio.Future[None]:
        """The text is complete: render the last block too."""
        rest = self._splitter.close()
        if not rest:
            return self._idle()
        self._queue("append", rest)
        return self._queue("clear_tail")

    def replace(self, text: str, *, complete: bool = True) -> asyncio.Future[None]:
        """Show `text` instead of everything so far (`complete`: all of it as
        Markdown; else as a stream that may continue)."""
        self._splitter = BlockSplitter()
        if complete:
            self._show_tail("")
            return self._queue("update", text)
        self._queue("update", "")
        self._show_tail("")
        return self.append(text)

    # -- the work, in order, in this widget's task ---------------------------------------
    def _show_tail(self, text: str) -> None:
        if text == self._tail:
            return
        self._tail = text
        tail = self.query_one(".stream-tail", Static)
        tail.set_class(bool(text), "-active")
        tail.update(text)

    def _idle(self) -> asyncio.Future[None]:
        """A future done once everything queued so far is done."""
        return self._queue("append", "")

    def _queue(self, kind: str, text: str = "") -> asyncio.Future[None]:
        op = _Op(kind, text)
        self._ops.append(op)
        if self._op_task is None or self._op_task.done():
            self._op_task = asyncio.create_task(self._run())
        return op.done

    async def _run(self) -> None:
        while self._ops:
            op = self._ops.pop(0)
            batch = [op]
            if op.kind == "append":  # coalesce the appends queued behind it
                while self._ops and self._ops[0].kind == "append":
                    batch.append(self._ops.pop(0))
            try:
                if op.kind == "append":
                    text = "".join(o.text for o in batch)
                    if text:
                        await self.markdown.append(text)
                elif op.kind == "update":
                    await self.markdown.update(op.text)
                elif op.kind == "clear_tail" and not self._splitter.tail:
                    self._show_tail("")
            except Exception as exc:  # the widget is going away
                self.log.error(f"cannot update the Markdown: {exc!r}")
            finally:
                for o in batch:
                    if not o.done.done():
                        o.done.set_result(None)
