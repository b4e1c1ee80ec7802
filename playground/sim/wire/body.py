"""Request bodies read and parsed so that no input can crash the server:
whatever arrives becomes either a JSON value that is safe to work on or a
400 in the API's own error shape (never a 500 or a traceback).

Refused: bodies over `MAX_BODY_BYTES` (413), bytes that are not UTF-8,
text that is not JSON (NaN and Infinity included: they are not JSON),
nesting deeper than `MAX_DEPTH`, integers beyond 64 bits or numbers too
large for a float, and strings holding lone surrogates (`"\\ud800"`: valid
JSON escapes, but not text; they would crash the first encode). The
messages follow the real APIs: OpenAI's "We could not parse the JSON
body..." and Anthropic's "The request body is not valid JSON: ...".
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import ClientDisconnect, Request

from playground.sim.errors import SimError, SimErrorKind, bad_request

MAX_BODY_BYTES = 64 * 1024 * 1024  # over Anthropic's 32 MB and OpenAI's 50 MB image payloads
MAX_DEPTH = 64
_INT_LIMIT = 2**63
_OPENAI_UNPARSABLE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)


class Disconnected(Exception):
    """The client went away while its body was being read."""


async def read_body(request: Request) -> bytes:
    """The whole body, or `Disconnected`, or a 413 past `MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large()
            chunks.append(chunk)
    except ClientDisconnect:
        raise Disconnected from None
    return b"".join(chunks)


def _too_large() -> SimError:
    return SimError(SimErrorKind.INVALID_REQUEST, f"Request body too large: the limit is {MAX_BODY_BYTES} bytes.",
                    status=413, anthropic_message=f"Request exceeds the maximum size of {MAX_BODY_BYTES} bytes.")


def parse_json(raw: bytes) -> Any:
    """The JSON value of `raw`, checked as the module docstring says."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unparsable(f"invalid UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _unparsable(f"{exc.msg}: line {exc.lineno} column {exc.colno} (char {exc.pos})") from None
    except RecursionError:
        raise _unparsable(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer past the interpreter's digit limit, or NaN/Infinity
        raise _unparsable(str(exc).split(";")[0]) from None
    check_value(value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def check_value(value: Any) -> None:
    """Depth, number range and lone surrogates, walked without recursion."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise _unparsable(f"nested deeper than {MAX_DEPTH} levels at {_where(path)}")
            for key, item in node.items():
                _check_text(key, (*path, key))
                stack.append((item, depth + 1, (*path, key)))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                raise _unparsable(f"nested deeper than {MAX_DEPTH} levels at {_where(path)}")
            stack.extend((item, depth + 1, (*path, index)) for index, item in enumerate(node))
        elif isinstance(node, str):
            _check_text(node, path)
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int):
            if not -_INT_LIMIT <= node < _INT_LIMIT:
                raise _unparsable(f"the integer at {_where(path)} does not fit in 64 bits")
        elif isinstance(node, float) and not math.isfinite(node):
            raise _unparsable(f"the number at {_where(path)} is too large")


def _check_text(text: str, path: tuple[str | int, ...]) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        where = _where(path)
        raise _unparsable(f"a string holds a lone surrogate (an unpaired \\ud800-\\udfff escape) at {where}") from None


def _where(path: tuple[str | int, ...]) -> str:
    if len(path) > 8:
        return _where(path[:4]) + "…" + _where(path[-2:])[1:]
    shown = "$"
    for part in path:
        if isinstance(part, int):
            shown += f"[{part}]"
        else:
            safe = part.encode("utf-8", "backslashreplace").decode("utf-8")[:60]
            shown += f".{safe}"
    return shown


def _unparsable(reason: str) -> SimError:
    return bad_request(f"{_OPENAI_UNPARSABLE} ({reason})",
                       anthropic_message=f"The request body is not valid JSON: {reason}")
