"""Server-sent events read straight off a streamed HTTP body.

The adapters read their streams with this instead of the SDKs' own stream
classes: those build a pydantic model per chunk (`construct_type`), which
was the largest single cost of receiving a stream. What the SDKs' decoders
do that matters is kept (https://html.spec.whatwg.org/multipage/server-sent-events.html):
lines end in LF, CRLF or CR, and a CRLF may be split across two reads; a
line may be split across any number of reads (kept as pieces, joined once);
`:` comment lines (keep-alives) and unknown fields are skipped; the `data`
lines of one event are joined with LF; a blank line ends an event; an event
the body ends before its blank line is dropped. `id` and `retry` are not
used by either API, so they are skipped. Data stays bytes: `json.loads`
takes them as they are, so a line is never decoded twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded with the first client, not when the engine is imported
    import httpx2

# One event: its name ("" when the event had no `event:` line) and its data.
Event = tuple[str, bytes]

# The longest the rest of a body is read for after the stream said it is
# done (OpenAI's `[DONE]`): enough for the closing bytes that are on their way.
DRAIN_TIMEOUT_S = 0.1

_NO_EVENTS: list[Event] = []


class SseDecoder:
    """Incremental: `feed` each read of the body as it arrives and get the
    events it completed, in order. One decoder per stream."""

    __slots__ = ("_data", "_event", "_pending", "_skip_lf")

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # the pieces of a line not yet ended
        self._skip_lf = False  # the last read ended in CR: a LF first in the next one ends nothing
        self._event = ""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[Event]:
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            self._skip_lf = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n" not in chunk:
            if chunk:
                self._pending.append(chunk)
            return _NO_EVENTS
        lines = chunk.split(b"\n")
        pending = self._pending
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending.clear()
        tail = lines.pop()
        if tail:
            pending.append(tail)
        events: list[Event] = []
        data = self._data
        for line in lines:
            if not line:  # the blank line that ends an event
                if data or self._event:
                    events.append((self._event, b"\n".join(data)))
                    data.clear()
                    self._event = ""
            elif line.startswith(b"data:"):
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line[:1] != b":":  # not a comment
                name, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if name == b"event":
                    self._event = value.decode("utf-8", "replace")
                elif name == b"data":  # a bare `data` line: an empty data line
                    data.append(value)
        return events


async def drain(rest: AsyncIterator[bytes], response: httpx2.Response) -> None:
    """Read what is left of the body (`rest`, the iterator the stream was
    read with), briefly, and close the response: an HTTP/1.1 connection goes
    back to the pool only when its body was read to the end, and a stream
    says it is done a moment before its last bytes arrive. Cleanup never
    fails the answer it follows."""
    import anyio
    import anyio.lowlevel
    import httpx2

    try:
        if response.http_version == "HTTP/1.1" and not response.is_closed:
            with anyio.move_on_after(DRAIN_TIMEOUT_S):
                async for _ in rest:
                    await anyio.lowlevel.checkpoint()  # the deadline holds even if every read is ready at once
    except httpx2.HTTPError:
        pass
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()
