"""Tool definitions and response schemas as users give them — a JSON file
(CLI `--tools` / `--schema`, the TUI's load dialogs) or plain data (the
library) — checked and turned into the request's types. Every problem is a
`UserError` of one line naming the file (or argument) and what to fix."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playground.core.errors import UserError
from playground.core.messages import ResponseFormat, ToolChoice, ToolDef

MAX_FILE_BYTES = 1024 * 1024
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def read_json_file(path: str | Path, what: str) -> Any:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise UserError(f"{file}: the {what} file is over 1 MB; is it the right file?")
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{file}: no such {what} file") from None
    except UnicodeDecodeError:
        raise UserError(f"{file}: the {what} file is not UTF-8 text") from None
    except OSError as exc:
        raise UserError(f"{file}: cannot read the {what} file ({exc.strerror or type(exc).__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{file}:{exc.lineno}: the {what} file is not valid JSON ({exc.msg})") from None


def parse_tools(data: Any, origin: str) -> tuple[ToolDef, ...]:
    """Tools as a JSON list: OpenAI's `{"type": "function", "function":
    {...}}` entries, Anthropic's `{"name", "input_schema"}` or plain
    `{"name", "description", "parameters"}`."""
    if isinstance(data, Mapping) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if not isinstance(data, list) or not data:
        raise UserError(f"{origin}: expected a non-empty JSON list of tools, each with a name and a parameters schema")
    tools: list[ToolDef] = []
    for index, raw in enumerate(data):
        where = f"{origin}: tool #{index + 1}"
        if not isinstance(raw, Mapping):
            raise UserError(f"{where}: expected an object with name and parameters")
        spec = raw.get("function") if raw.get("type") == "function" else raw
        if not isinstance(spec, Mapping):
            raise UserError(f"{where}: \"function\" must be an object with name and parameters")
        name = spec.get("name")
        if not isinstance(name, str) or not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
            raise UserError(f"{where}: name {name!r} must be 1-64 letters, digits, _ or -")
        parameters = spec.get("parameters", spec.get("input_schema", {"type": "object", "properties": {}}))
        _check_object_schema(parameters, f"{where} ({name}): parameters")
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise UserError(f"{where} ({name}): description must be a string")
        if name in {t.name for t in tools}:
            raise UserError(f"{where}: a second tool named {name!r}; tool names must be unique")
        tools.append(ToolDef(name, dict(parameters), description))
    return tuple(tools)


def parse_schema(data: Any, origin: str) -> ResponseFormat:
    """A response schema: a JSON Schema object, or OpenAI's
    `{"name", "schema"}` wrapper."""
    name = "answer"
    if isinstance(data, Mapping) and isinstance(data.get("schema"), Mapping) and "type" not in data:
        name = str(data.get("name") or name)
        data = data["schema"]
    _check_object_schema(data, f"{origin}: the schema")
    return ResponseFormat("json_schema", dict(data), name)


def parse_tool_choice(value: str, tools: tuple[ToolDef, ...], origin: str = "--tool-choice") -> ToolChoice:
    if value in ("auto", "none", "required"):
        return ToolChoice(value)  # type: ignore[arg-type]
    if value in {t.name for t in tools}:
        return ToolChoice("named", value)
    known = ", ".join(t.name for t in tools) or "(no tools given)"
    raise UserError(f"{origin}: {value!r} is not auto, none, required or a tool's name ({known})")


def load_tools(path: str | Path) -> tuple[ToolDef, ...]:
    return parse_tools(read_json_file(path, "tools"), str(path))


def load_schema(path: str | Path) -> ResponseFormat:
    return parse_schema(read_json_file(path, "schema"), str(path))


def _check_object_schema(schema: Any, where: str) -> None:
    """Valid JSON Schema whose root is an object: what every provider's
    tool parameters and structured outputs accept."""
    from playground.core.json_schema import SchemaError, check_schema  # jsonschema loads only when used

    try:
        check_schema(schema)
    except SchemaError as exc:
        raise UserError(f"{where} is not valid JSON Schema: {exc}") from None
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        raise UserError(f"{where} must be a JSON Schema with \"type\": \"object\" at the top (providers accept no "
                        "other root)")
