"""Protocol-neutral request features both wire protocols parse into, so the
answer is planned once whatever API the request came through."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ImageSource = Literal["data", "url"]
OutputKind = Literal["text", "json_object", "json_schema"]


@dataclass(frozen=True, slots=True)
class ImagePart:
    """One image in the request. `width`/`height`/`media_type` are None when
    they could not be read (a remote URL is never fetched). `where` names the
    part in the request (`messages.0.content.1`) for error messages."""

    source: ImageSource
    media_type: str | None
    width: int | None
    height: int | None
    size_bytes: int | None
    where: str
    detail: str = "auto"  # OpenAI's image_url.detail: auto, low or high
    url: str = ""  # a remote image's URL (not fetched)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may call; `parameters` is its JSON Schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """`mode`: auto (the model decides), none (never call), required (call at
    least one; Anthropic's "any") or named (call `name`)."""

    mode: Literal["auto", "none", "required", "named"] = "auto"
    name: str = ""


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool's answer sent back in the follow-up turn."""

    call_id: str
    name: str  # the called function, when the request says (empty if unknown)
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the simulated model makes; `arguments` is JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """What shape the answer must take: plain text, any JSON object, or JSON
    valid against `schema`."""

    kind: OutputKind = "text"
    schema: dict[str, Any] | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Features:
    """Everything beyond plain text a chat request carries."""

    images: tuple[ImagePart, ...] = ()
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = field(default_factory=ToolChoice)
    parallel_tool_calls: bool = True
    tool_results: tuple[ToolResult, ...] = ()  # the trailing turn's results, if the request ends with them
    output: OutputFormat = field(default_factory=OutputFormat)
