"""The request a user sends, independent of any provider's wire format:
messages (text, and images on user messages), tool definitions and the
answer's required shape. Adapters translate it to each SDK's typed params;
routing reads what it needs from it (core/request_needs.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
ImageDetail = Literal["auto", "low", "high"]
ToolChoiceMode = Literal["auto", "none", "required", "named"]


@dataclass(frozen=True, slots=True)
class ImageInput:
    """An image attached to a message, already read and checked (see
    core/images.py): the bytes, their media type and pixel size."""

    media_type: str
    data: bytes = field(repr=False)
    width: int
    height: int
    name: str = ""  # where it came from (a file name), for messages
    detail: ImageDetail = "auto"  # OpenAI's image_url.detail

    @property
    def size_bytes(self) -> int:
        return len(self.data)

    @property
    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{self.base64}"


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str
    images: tuple[ImageInput, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A function the model may call; `parameters` is its JSON Schema."""

    name: str
    parameters: dict[str, Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model made: `arguments` is the JSON text it streamed."""

    id: str
    name: str
    arguments: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """auto (the model decides), none, required (at least one call; Anthropic
    "any") or named (call `name`)."""

    mode: ToolChoiceMode = "auto"
    name: str = ""


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """The answer must be a JSON object (`json_object`) or JSON valid
    against `schema` (`json_schema`, named `name` on the wire)."""

    kind: Literal["json_object", "json_schema"]
    schema: dict[str, Any] | None = None
    name: str = "answer"


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: tuple[Message, ...]
    max_output_tokens: int = 1024
    temperature: float | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Ask for token logprobs (used as a confidence signal where providers return them).
    logprobs: bool = False
    tools: tuple[ToolDef, ...] = ()
    tool_choice: ToolChoice | None = None
    # None: the provider's default; True asks for several calls in one turn.
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None

    @classmethod
    def from_prompt(cls, prompt: str, *, system: str | None = None, max_output_tokens: int = 1024,
                    images: tuple[ImageInput, ...] = (), tools: tuple[ToolDef, ...] = (),
                    tool_choice: ToolChoice | None = None,
                    response_format: ResponseFormat | None = None) -> ChatRequest:
        messages: list[Message] = []
        if system:
            messages.append(Message("system", system))
        messages.append(Message("user", prompt, images))
        return cls(messages=tuple(messages), max_output_tokens=max_output_tokens, tools=tools,
                   tool_choice=tool_choice, response_format=response_format)

    def text_problem(self) -> str:
        """Why the text cannot be sent ("" when it can): a lone surrogate
        (from undecodable input) has no UTF-8 encoding, so no provider can
        receive it."""
        for index, message in enumerate(self.messages):
            try:
                message.content.encode("utf-8")
            except UnicodeEncodeError as exc:
                return (f"the {message.role} message (#{index + 1}) is not valid Unicode text: {exc.reason} at "
                        f"character {exc.start}; send UTF-8 text")
        return ""

    @property
    def prompt_text(self) -> str:
        """The text strategies score: the last user message."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    @property
    def images(self) -> tuple[ImageInput, ...]:
        return tuple(image for message in self.messages for image in message.images)

    @property
    def all_text(self) -> str:
        return "\n".join(m.content for m in self.messages)
