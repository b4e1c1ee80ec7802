"""What goes with the prompt besides its text: images, tool definitions and a
response schema, loaded from files the user names (a key, or the palette),
and the preview line under the prompt that shows them.

Each attachment is one chip on the line — an image's name, type, pixel
size, bytes and the input tokens OpenAI's and Anthropic's rules bill for it;
the tools file and its tool names; the schema file and its name — and a
click on a chip removes it. The attachments go with every send until
removed; routing then rules out every model that cannot serve them. A file
that cannot be used (missing, not an image, too large, not valid JSON
Schema, nothing available can serve it) is one notification line, and
nothing is attached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from textual import events, work
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Static

from playground.core.errors import UserError
from playground.core.images import (
    anthropic_image_tokens,
    describe_image,
    image_size,
    load_image,
    openai_image_tokens,
)
from playground.core.messages import ChatRequest, ImageInput, ResponseFormat, ToolChoice, ToolDef
from playground.core.request_files import load_schema, parse_tool_choice, parse_tools, read_json_file
from playground.core.request_needs import RequestNeeds
from playground.strategies.routing import RoutingContext

AttachmentKind = Literal["image", "tools", "schema"]
# What the user asked to attach: one kind, or "file" (told apart by its content).
AttachRequest = Literal["image", "tools", "schema", "file"]
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
# Up to this many images go with one prompt (each is a chip on the line).
MAX_IMAGES = 8


@dataclass(frozen=True, slots=True)
class ToolsFile:
    """Tool definitions from one file, and the tool choice it may name
    (`{"tools": [...], "tool_choice": "required"}`; else the model decides)."""

    path: str
    tools: tuple[ToolDef, ...]
    choice: ToolChoice | None = None


@dataclass(frozen=True, slots=True)
class SchemaFile:
    path: str
    schema: ResponseFormat


@dataclass(frozen=True, slots=True)
class Attachments:
    """Everything attached to the prompt now (immutable: a change is a new value)."""

    images: tuple[ImageInput, ...] = ()
    tools: ToolsFile | None = None
    schema: SchemaFile | None = None

    def __bool__(self) -> bool:
        return bool(self.images or self.tools or self.schema)

    def request_kwargs(self) -> dict[str, Any]:
        """The `ChatRequest.from_prompt` keywords that carry them."""
        return {
            "images": self.images,
            "tools": self.tools.tools if self.tools else (),
            "tool_choice": self.tools.choice if self.tools else None,
            "response_format": self.schema.schema if self.schema else None,
        }

    def needs(self) -> RequestNeeds:
        return RequestNeeds.of(ChatRequest.from_prompt("", **self.request_kwargs()))

    def without(self, kind: AttachmentKind, index: int = 0) -> Attachments:
        if kind == "image":
            return replace(self, images=self.images[:index] + self.images[index + 1:])
        return replace(self, tools=None) if kind == "tools" else replace(self, schema=None)


def load_tools_file(path: str) -> ToolsFile:
    """A tools file: a JSON list of tools, or `{"tools": [...], "tool_choice": ...}`."""
    data = read_json_file(path, "tools")
    tools = parse_tools(data, path)
    choice = data.get("tool_choice") if isinstance(data, dict) else None
    if choice is not None and not isinstance(choice, str):
        raise UserError(f"{path}: tool_choice must be auto, none, required or a tool's name, as a string")
    return ToolsFile(path, tools, parse_tool_choice(choice, tools, f"{path}: tool_choice") if choice else None)


def detect_kind(path: str) -> AttachmentKind:
    """An image by its header (or name); else a JSON list of tools (or an
    object with "tools"), else a response schema. A file that is neither an
    image nor JSON text is a `UserError` naming it."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            head = handle.read(64)
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except OSError as exc:
        raise UserError(f"{file}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    if image_size(head) is not None or file.suffix.lower() in _IMAGE_SUFFIXES:
        return "image"
    start = head.lstrip()[:1]
    if start not in (b"[", b"{"):
        raise UserError(f"{file}: neither a PNG, JPEG, GIF or WebP image nor a JSON file of tools or a schema")
    if start == b"[":
        return "tools"
    data = read_json_file(file, "JSON")
    return "tools" if isinstance(data, dict) and "tools" in data else "schema"


def add_from_file(attachments: Attachments, kind: AttachRequest, path: str) -> tuple[Attachments, AttachmentKind]:
    """`attachments` with the file at `path` added (an image) or in place of
    the current one (tools, schema), and what it was; a `UserError` of one
    line otherwise. Reads the file: call it off the event loop."""
    where = str(Path(path).expanduser())
    found = detect_kind(where) if kind == "file" else kind
    if found == "image":
        if len(attachments.images) >= MAX_IMAGES:
            raise UserError(f"{where}: already {MAX_IMAGES} images attached; remove one first")
        return replace(attachments, images=(*attachments.images, load_image(where))), found
    if found == "tools":
        return replace(attachments, tools=load_tools_file(where)), found
    return replace(attachments, schema=SchemaFile(where, load_schema(where))), found


def check_servable(attachments: Attachments, context: RoutingContext | None) -> None:
    """A `UserError` (one line) when no available model can serve a request
    with these attachments, e.g. a schema or an image size nothing takes."""
    if context is not None:
        context.for_request(attachments.needs())


def image_tokens_note(image: ImageInput) -> str:
    """The input tokens each provider's published rule bills for the image."""
    openai = openai_image_tokens(image.width, image.height, image.detail)
    anthropic = anthropic_image_tokens(image.width, image.height)
    return f"≈{openai:,} tokens OpenAI, ≈{anthropic:,} Anthropic"


@dataclass(frozen=True, slots=True)
class Chip:
    """One attachment as the preview line shows it."""

    kind: AttachmentKind
    index: int  # among the images
    name: str  # the file's name
    text: str


def chips_of(attachments: Attachments) -> list[Chip]:
    """The preview line's chips, in order: images, tools, schema."""
    chips = [Chip("image", index, image.name, f"▣ {describe_image(image)} ({image_tokens_note(image)})")
             for index, image in enumerate(attachments.images)]
    if attachments.tools is not None:
        file, name = attachments.tools, Path(attachments.tools.path).name
        names = ", ".join(tool.name for tool in file.tools)
        choice = f"; choice: {file.choice.name or file.choice.mode}" if file.choice else ""
        count = f"{len(file.tools)} tool{'s' if len(file.tools) != 1 else ''}"
        chips.append(Chip("tools", 0, name, f"ƒ {name}: {count} ({names}){choice}"))
    if attachments.schema is not None:
        name = Path(attachments.schema.path).name
        chips.append(Chip("schema", 0, name, f"{{}} {name}: JSON schema {attachments.schema.schema.name!r}"))
    return chips


class AttachmentChip(Static):
    """One attachment on the preview line; a click removes it."""

    def __init__(self, chip: Chip) -> None:
        super().__init__(f"{chip.text} ✕", markup=False, classes=f"attachment-chip -{chip.kind}")
        self.chip = chip
        self.tooltip = "Click to remove"

    def on_click(self, event: events.Click) -> None:
        event.stop()
        bar = next((a for a in self.ancestors if isinstance(a, AttachmentsBar)), None)
        if bar is not None:
            bar.remove_attachment(self.chip.kind, self.chip.index)


class AttachmentsBar(Horizontal):
    """The preview line under the prompt (hidden while nothing is attached)."""

    DEFAULT_CSS = """
    AttachmentsBar {
        height: auto;
        max-height: 2;
        padding: 0 1;
        display: none;
    }
    AttachmentsBar.-attached {
        display: block;
    }
    AttachmentsBar .attachment-chip {
        width: auto;
        height: 1;
        margin-right: 2;
        color: $text-accent;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    /* Several: each gets a share of the line (clipped with an ellipsis). */
    AttachmentsBar.-many .attachment-chip {
        width: 1fr;
    }
    AttachmentsBar .attachment-chip:hover {
        text-style: strike;
        color: $text-error;
    }
    """

    attachments: var[Attachments] = var(Attachments, always_update=True, init=False)
    attached: var[bool] = var(False, toggle_class="-attached")

    def __init__(self, context: Callable[[], RoutingContext | None] = lambda: None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # The session's routing context (None while it starts): what may serve the attachments.
        self._routing_context = context
        # One file at a time: each attach builds on what the previous one left.
        self._attaching = asyncio.Lock()

    @property
    def chips(self) -> list[str]:
        """The chips' texts as shown (what tests read)."""
        return [str(chip.visual) for chip in self.query(AttachmentChip)]

    def watch_attachments(self, attachments: Attachments) -> None:
        self.attached = bool(attachments)
        chips = chips_of(attachments)
        self.set_class(len(chips) > 1, "-many")
        self.remove_children()  # the old chips go, the new ones come after them
        self.mount_all([AttachmentChip(chip) for chip in chips])

    # -- changing them ------------------------------------------------------------
    @work(description="read an attachment", group="attach", exit_on_error=False)
    async def attach(self, kind: AttachRequest, path: str) -> None:
        """Load a file and attach it; a problem is one notification line."""
        if not path.strip():
            return
        async with self._attaching:
            try:
                updated, found = await asyncio.to_thread(add_from_file, self.attachments, kind, path.strip())
                check_servable(updated, self._routing_context())
            except UserError as exc:
                self.notify(str(exc), title=f"Cannot attach the {_NOUN[kind]}", severity="error", timeout=10)
                return
            self.attachments = updated
        added = [chip for chip in chips_of(updated) if chip.kind == found][-1]  # an image comes last
        self.notify(added.text, title=f"Attached {_NOUN[found]}", timeout=4)

    def commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """Palette entries that remove each attachment (title, help, callback)."""
        entries: list[tuple[str, str, Callable[[], object]]] = []
        for chip in chips_of(self.attachments):
            entries.append((f"Remove {_NOUN[chip.kind]}: {chip.name}",
                            "Stop sending it with the prompt (a click on it does the same)",
                            partial(self.remove_attachment, chip.kind, chip.index)))
        if len(entries) > 1:
            entries.append(("Remove all attachments", "Send prompts as text only again", self.clear))
        return entries

    def remove_attachment(self, kind: AttachmentKind, index: int = 0) -> None:
        self.attachments = self.attachments.without(kind, index)

    def clear(self) -> None:
        """Remove everything."""
        self.attachments = Attachments()


# The attach dialog's title and what it asks for, per request.
DIALOG_TEXTS: dict[AttachRequest, tuple[str, str]] = {
    "file": ("Attach", "image (PNG, JPEG, GIF, WebP), tools file or response schema (JSON)"),
    "image": ("Attach image", "PNG, JPEG, GIF or WebP image"),
    "tools": ("Load tools", "JSON file of tool definitions (OpenAI or Anthropic format)"),
    "schema": ("Load response schema", "JSON Schema the answer must match"),
}
_NOUN: dict[AttachRequest, str] = {"image": "image", "tools": "tools file", "schema": "response schema",
                                   "file": "file"}
