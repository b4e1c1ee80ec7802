"""The server-sent events decoder the adapters read their streams with:
line endings (LF, CRLF, CR, a CRLF split across reads), lines split across
any reads, comments, multi-line data, and, as an oracle, the `openai` SDK's
own decoder on generated bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from openai._streaming import SSEDecoder as SdkDecoder

from playground.providers.sse import Event, SseDecoder

BODY = (
    b": keep-alive\r\n"
    b"\r\n"
    b'data: {"a": 1}\r\n'
    b"\r\n"
    b"event: message_start\n"
    b'data: {"type":"message_start"}\n'
    b"\n"
    b"id: 7\rretry: 100\r"
    b'data: {"x":\r'
    b"data:  2}\r"
    b"\r"
    b"unknown: field\n"
    b"data\n"
    b"\n"
    b"event: ping\n"
    b"\n"
    b"data: caf\xc3\xa9 \xe2\x82\xac\n"
    b"\n"
    b"data: never ended\n"
)
EXPECTED: list[Event] = [
    ("", b'{"a": 1}'),
    ("message_start", b'{"type":"message_start"}'),
    ("", b'{"x":\n 2}'),  # one space after the colon is dropped, a second is data
    ("", b""),  # a bare `data` line
    ("ping", b""),  # a named event without data
    ("", "café €".encode()),
]


def decode(pieces: list[bytes]) -> list[Event]:
    decoder = SseDecoder()
    return [event for piece in pieces for event in decoder.feed(piece)]


def test_a_body_in_one_read() -> None:
    assert decode([BODY]) == EXPECTED


def test_a_body_split_at_every_byte_gives_the_same_events() -> None:
    for cut in range(1, len(BODY)):
        assert decode([BODY[:cut], BODY[cut:]]) == EXPECTED, cut
    assert decode([BODY[i:i + 1] for i in range(len(BODY))]) == EXPECTED


def test_a_crlf_split_across_reads_ends_one_line() -> None:
    # CR ends the first read: the LF that starts the next one must not end
    # another (empty) line, which would dispatch the event too early.
    assert decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [("", b"a\nb")]
    # A CR then anything but LF: two line ends.
    assert decode([b"data: a\r", b"\r"]) == [("", b"a")]


def test_a_long_line_over_many_reads_is_joined_once() -> None:
    payload = b"x" * 100_000
    pieces = [b"data: "] + [payload[i:i + 1000] for i in range(0, len(payload), 1000)] + [b"\n\n"]
    assert decode(pieces) == [("", payload)]


_LINES = st.one_of(
    st.sampled_from([b"", b":", b": ping", b"data", b"data:", b"event", b"event: ", b"id: 3", b"retry: x"]),
    st.builds(lambda name, value: name + value.encode(),
              st.sampled_from([b"data:", b"data: ", b"event:", b"event: ", b"other:", b": "]),
              st.text(st.characters(exclude_characters="\r\n\x00", codec="utf-8"), max_size=12)),
)


@given(lines=st.lists(st.tuples(_LINES, st.sampled_from([b"\n", b"\r\n", b"\r"])), max_size=30),
       cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_the_same_events_as_the_sdks_decoder(lines: list[tuple[bytes, bytes]], cuts: list[int]) -> None:
    """Any body, read in any pieces: the events (with a name or data) the
    SDK's own decoder finds. The SDK also reports events that carry only an
    `id` or `retry` (no name, no data); no adapter reads those."""
    body = b"".join(line + end for line, end in lines)
    points = sorted({0, len(body), *(c for c in cuts if c < len(body))})
    pieces = [body[a:b] for a, b in pairwise(points)]

    async def reads() -> AsyncIterator[bytes]:  # the SDK's decoder takes an async iterator of reads
        for piece in pieces:
            yield piece

    async def sdk_events() -> list[Event]:
        return [(sse.event or "", sse.data.encode()) async for sse in SdkDecoder().aiter_bytes(reads())]

    expected = [event for event in asyncio.run(sdk_events()) if event != ("", b"")]
    assert [event for event in decode(pieces) if event != ("", b"")] == expected
