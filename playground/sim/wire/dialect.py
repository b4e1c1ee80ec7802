"""What both API dialects share: the neutral request the server works on,
the interface each dialect renders through, SSE framing and body
validation."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from playground.core.messages import Message
from playground.sim.content.generation import Generation, Piece
from playground.sim.errors import SimError, bad_request
from playground.sim.faults.plan import Api
from playground.sim.features.types import Features

_ALPHABET = string.ascii_letters + string.digits
_Body = TypeVar("_Body", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class SimRequest:
    """A chat request in either dialect, reduced to what the simulator uses.
    `messages` hold every turn's text (tool calls and results included) for
    counting; `prompt` is what the answer is about: the last text the user
    wrote (not a tool result). `tool_text` is the tool definitions as the
    model reads them, counted as input too."""

    model: str
    messages: tuple[Message, ...]
    max_tokens: int | None  # None: not given (OpenAI allows that)
    stream: bool
    include_usage: bool = False  # OpenAI stream_options.include_usage
    # OpenAI `logprobs: true`: the `top_logprobs` asked for (0..20); None
    # when logprobs were not requested (always for Anthropic, which has none).
    top_logprobs: int | None = None
    prompt: str = ""
    features: Features = field(default_factory=Features)
    tool_text: str = ""


class Dialect(Protocol):
    """Renders one response in one API's wire format. `heavy`: opening the
    stream or rendering the message takes long enough (logprobs) that the
    server does it on a worker thread, so other streams keep their pace."""

    api: Api
    heavy: bool

    def stream_open(self, generation: Generation) -> bytes: ...
    def stream_piece(self, index: int, piece: Piece, generation: Generation) -> bytes: ...
    def stream_close(self, generation: Generation) -> bytes: ...
    def stream_error(self, error: SimError) -> bytes: ...
    def message(self, generation: Generation) -> dict[str, Any]: ...


def random_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def sse_data(data: Any) -> bytes:
    return f"data: {dumps(data)}\n\n".encode()


def sse_event(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {dumps(data)}\n\n".encode()


# Stands in for the varying string while a frame's template is rendered;
# nothing a dialect writes around it contains it.
_MARKER = "\ue000sim-frame-text\ue000"


@dataclass(frozen=True, slots=True)
class StringFrame:
    """An SSE frame whose only varying part is one JSON string (a text or
    arguments delta): the reference encoder's bytes with the string spliced
    in, so the hot path encodes one string instead of a whole object. The
    string is encoded as `dumps` encodes strings (`ensure_ascii=False`)."""

    head: bytes
    tail: bytes

    def render(self, text: str) -> bytes:
        return self.head + encode_basestring(text).encode() + self.tail


def string_frame(reference: Callable[[str], bytes]) -> StringFrame:
    """The template of `reference` (a frame builder taking the varying
    string), taken from its own output: the two cannot drift apart."""
    rendered = reference(_MARKER)
    head, found, tail = rendered.partition(encode_basestring(_MARKER).encode())
    if not found or _MARKER.encode() in tail:
        raise ValueError("the frame must hold its varying string exactly once")
    return StringFrame(head, tail)


def validate(model: type[_Body], raw: Any) -> _Body:
    """Parse a JSON body, turning the first validation problem into a 400
    that names the field, as the real APIs do."""
    if not isinstance(raw, dict):
        raise bad_request("The request body must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise bad_request(f"{where}: {first['msg']}", param=where or None) from None


def text_of(content: str | list[Any] | None) -> str:
    """The text of a message whose content is a string or a list of parts;
    non-text parts (images, tool calls) contribute nothing. Iterative: a
    tool result's content may nest text blocks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts: list[str] = []
    stack: list[Any] = list(reversed(content))
    while stack:
        part = stack.pop()
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(part.get("content"), str):  # Anthropic tool_result
            texts.append(part["content"])
        elif isinstance(part.get("content"), list):
            stack.extend(reversed(part["content"]))
    return "\n".join(texts)


def tool_definitions_text(tools: list[dict[str, Any]]) -> str:
    """Tool definitions as counted input: their JSON, as providers inject
    them into the model's context."""
    return dumps(tools) if tools else ""
