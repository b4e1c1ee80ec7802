"""Split streamed Markdown into closed blocks and the open tail.

A column renders Markdown only for blocks that can no longer change (a
paragraph, list or table followed by a blank line, a code fence once it is
closed) and shows the block still being written as plain text. Parsing and
laying out Markdown per token is what made the TUI fall behind eight fast
streams; per closed block it is a few times a second.

Plain Python (no Textual), so the rule is tested on its own.
"""

from __future__ import annotations

import re

# A fence opens with ``` or ~~~ (three or more), indented up to three spaces.
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


class BlockSplitter:
    """Feed text in; `feed` returns the newly closed blocks (possibly "").

    `tail` is the text after the last closed block; `closed + tail` is
    always exactly what was fed, so nothing is lost or reordered."""

    def __init__(self) -> None:
        self.tail = ""
        self._fence: str | None = None  # the open fence's marker, e.g. "```"
        self._scanned = 0  # complete lines of `tail` already scanned

    def feed(self, text: str) -> str:
        if not text:
            return ""
        self.tail += text
        cut = -1
        position = self._scanned
        while True:
            end = self.tail.find("\n", position)
            if end < 0:
                break
            line = self.tail[position:end]
            fence = _FENCE.match(line)
            if self._fence is None:
                if fence is not None:
                    self._fence = fence.group(1)
                elif not line.strip() and position > 0:
                    cut = end + 1  # a blank line after text: the block before it is closed
            elif fence is not None and fence.group(1).startswith(self._fence[0]) and len(fence.group(1)) >= len(
                    self._fence) and not line.strip()[len(fence.group(1)):].strip():
                self._fence = None
                cut = end + 1  # a closing fence closes its block
            position = end + 1
        self._scanned = position
        if cut < 0:
            return ""
        closed, self.tail = self.tail[:cut], self.tail[cut:]
        self._scanned -= cut
        return closed

    def close(self) -> str:
        """The rest, at the end of the stream."""
        rest, self.tail = self.tail, ""
        self._fence, self._scanned = None, 0
        return rest

    @property
    def in_fence(self) -> bool:
        return self._fence is not None
