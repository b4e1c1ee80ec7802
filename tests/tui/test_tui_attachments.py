"""Images, tools and a response schema in the TUI: attached from files
(a key and a path dialog), shown on the preview line, sent with every
prompt; columns show tool calls as they stream and JSON answers
pretty-printed; a bad file is one notification line and attaches nothing.
Against the in-process simulator over loopback; every wait is on state."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from textual.notifications import Notification
from textual.widgets import Static

from playground.config.load import parse_policy_text
from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind, UserError
from playground.core.events import AttemptStarted, ToolCallDelta
from playground.core.messages import ToolCall
from playground.core.tokens import default_counter
from playground.runview.answer_shape import format_json_answer, format_tool_calls, shown_tool_calls
from playground.runview.run_state import RunState
from playground.strategies.routing import RoutingContext
from playground.tui.app import PlaygroundApp
from playground.tui.commands import playground_commands
from playground.tui.screens.attach_dialog import AttachDialog, complete_path
from playground.tui.widgets.attachments import (
    Attachments,
    AttachmentsBar,
    AttachRequest,
    add_from_file,
    check_servable,
    chips_of,
)
from playground.tui.widgets.tool_calls_view import ToolCallsView
from tests.helpers.images import png
from tests.helpers.tui import SIZE, ended, ready, screen_text, sim_app, static_text, type_prompt, wait_for

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
          "required": ["city", "population"]}
TEXT_ONLY = ("deepseek-chat", "groq-llama-3-3-70b", "groq-llama-3-1-8b", "ollama-llama3-2", "ollama-qwen2-5-coder")
# `fixed` names a text-only model (routing then picks a vision model and says
# why); `fallback` has only text-only models, so nothing in it can take an image.
POLICY = """
[router]
columns = ["fixed", "fallback"]
[strategies.fixed]
model = "deepseek-chat"
[strategies.fallback]
primary = "deepseek-chat"
chain = ["groq-llama-3-3-70b"]
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {"image": tmp_path / "photo.png", "tools": tmp_path / "tools.json", "schema": tmp_path / "schema.json",
            "text": tmp_path / "notes.txt", "bad_tools": tmp_path / "bad_tools.json",
            "array_schema": tmp_path / "array.json", "not_json": tmp_path / "broken.json"}
    made["image"].write_bytes(png(32, 24))
    made["tools"].write_text(json.dumps(TOOLS))
    made["schema"].write_text(json.dumps(SCHEMA))
    made["text"].write_text("not an image")
    made["bad_tools"].write_text(json.dumps([{"name": "f", "parameters": {"type": "objekt"}}]))
    made["array_schema"].write_text(json.dumps({"type": "array"}))
    made["not_json"].write_text("{not json")
    return made


def app_with(policy: str = POLICY) -> PlaygroundApp:
    return sim_app(settings=parse_policy_text(policy, "attachments.toml"))


async def attach(pilot, path: Path | str, kind: AttachRequest = "file") -> None:  # type: ignore[no-untyped-def]
    """Ctrl+O (any kind of file), or the palette's command for one kind; then
    the path in the dialog, and Enter."""
    app = pilot.app
    if kind == "file":
        await pilot.press("ctrl+o")
    else:
        commands = {title: callback for title, _, callback in playground_commands(app)}
        commands[{"image": "Attach image…", "tools": "Load tools…", "schema": "Load response schema…"}[kind]]()
    await wait_for(pilot, lambda: isinstance(app.screen, AttachDialog) and bool(app.screen.query("#attach-path")),
                   "the attach dialog")
    dialog = app.screen
    assert isinstance(dialog, AttachDialog)
    dialog.path_input.value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, AttachDialog), "the dialog to close")


def bar(app: PlaygroundApp) -> AttachmentsBar:
    return app.main_screen.attachments


async def send(pilot, prompt: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await type_prompt(pilot, prompt)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: all(c.current is not None for c in app.main_screen.columns), "the runs to start")
    await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "every column to finish")
    await pilot.pause()


async def test_an_image_is_previewed_sent_and_routed_only_to_vision_models(files: dict[str, Path]) -> None:
    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert not bar(app).display  # nothing attached: no line
        await attach(pilot, files["image"])
        await wait_for(pilot, lambda: bool(bar(app).chips), "the image on the preview line")
        (chip,) = bar(app).chips
        size = files["image"].stat().st_size
        assert chip.startswith("▣ photo.png: PNG 32×24, ") and f"{size} bytes" in chip
        assert "≈255 tokens OpenAI, ≈2 Anthropic" in chip  # 85 + 170 × one tile; 32 × 24 / 750
        await wait_for(pilot, lambda: "photo.png: PNG 32×24" in screen_text(pilot), "the line on screen")

        await send(pilot, "What is in this picture?")
        fixed, fallback = app.main_screen.column("fixed"), app.main_screen.column("fallback")
        run = fixed.current
        assert run is not None and run.status == "done", run and run.error
        assert run.model not in TEXT_ONLY
        assert "32×24 PNG" in run.displayed  # the simulated vision model saw the image
        assert "deepseek-chat" in app.main_screen.trace_markdown()  # ruled out, and why
        assert "no image input" in app.main_screen.trace_markdown()
        # Nothing in the fallback chain takes images: one clear error, no call made.
        failed = fallback.current
        assert failed is not None and failed.status == "error" and failed.error is not None
        assert failed.error.kind is ErrorKind.NO_MODEL and not failed.records
        notice = static_text(fallback.query_one("#notice", Static))
        assert notice.startswith("✗ ") and "\n" not in notice and "image" in notice

        # Attachments stay until removed: the palette offers it; a click on the chip does it.
        assert "Remove image: photo.png" in [title for title, _, _ in playground_commands(app)]
        await pilot.click(".attachment-chip")
        await wait_for(pilot, lambda: not bar(app).chips and not bar(app).display, "the image to be removed")
        assert not app.main_screen.attachments.attachments


async def test_a_tool_call_streams_into_the_column_as_the_fold_assembles_it(files: dict[str, Path]) -> None:
    app = app_with('[router]\ncolumns = ["fixed"]\n[strategies.fixed]\nmodel = "gpt-4o-mini"\n')
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await attach(pilot, files["tools"])
        await wait_for(pilot, lambda: bool(bar(app).chips), "the tools on the preview line")
        assert bar(app).chips == ["ƒ tools.json: 1 tool (get_weather) ✕"]

        await send(pilot, "What is the weather in Oslo?")
        column = app.main_screen.column("fixed")
        run = column.current
        assert run is not None and run.status == "done", run and run.error
        (fold,) = [f for f in run.tool_calls.values() if f]  # the deltas as they streamed
        assembled = fold.calls()
        (call,) = assembled
        assert call.name == "get_weather" and "city" in json.loads(call.arguments)
        view = column.query_one(ToolCallsView)
        assert view.calls == assembled == run.result.tool_calls  # type: ignore[union-attr]
        assert view.display and view.text.startswith("⚙ tool call 1: get_weather\n")
        pretty = json.dumps(json.loads(call.arguments), indent=2)
        assert view.text.endswith("\n".join("  " + line for line in pretty.splitlines()))
        await wait_for(pilot, lambda: "tool call 1: get_weather" in screen_text(pilot), "the call on screen")

        # Removed from the palette: the next send is plain text, and the view hides.
        commands = {title: callback for title, _, callback in playground_commands(app)}
        commands["Remove tools file: tools.json"]()
        await wait_for(pilot, lambda: not bar(app).attachments, "the tools to be removed")
        await send(pilot, "What is the weather in Oslo?")
        run = column.current
        assert run is not None and run.status == "done" and not run.tool_calls
        assert not view.display and view.text == ""


async def test_a_schema_answer_is_pretty_printed_json_that_validates(files: dict[str, Path]) -> None:
    app = app_with('[router]\ncolumns = ["fixed", "cost"]\n[strategies.fixed]\nmodel = "gpt-4o-mini"\n')
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await attach(pilot, files["schema"], "schema")
        await wait_for(pilot, lambda: bool(bar(app).chips), "the schema on the preview line")
        assert bar(app).chips == ["{} schema.json: JSON schema 'answer' ✕"]

        await send(pilot, "Tell me about a big city.")
        for column in app.main_screen.columns:
            run = column.current
            assert run is not None and run.status == "done", (column.strategy.name, run and run.error)
            shown = column.answer.source
            assert shown.startswith("```json\n"), shown
            body = shown.removeprefix("```json\n").split("\n```")[0]
            value = json.loads(body)
            jsonschema.validate(value, SCHEMA)
            assert body == json.dumps(json.loads(run.result.text), indent=2, ensure_ascii=False)  # type: ignore[union-attr]
            assert column.query_one(ToolCallsView).json_note == ""


BAD_FILES: list[tuple[AttachRequest, str, str]] = [
    ("file", "missing.png", "no such file"),
    ("image", "missing.png", "no such image file"),
    ("file", "text", "neither a PNG, JPEG, GIF or WebP image nor a JSON file of tools or a schema"),
    ("image", "text", "not a PNG, JPEG, GIF or WebP image"),
    ("tools", "not_json", "the tools file is not valid JSON"),
    ("file", "bad_tools", "is not valid JSON Schema"),
    ("file", "array_schema", "must be a JSON Schema with \"type\": \"object\" at the top"),
]


async def test_a_bad_file_is_one_notification_line_and_attaches_nothing(files: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    app = app_with('[router]\ncolumns = ["fixed"]\n')
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for kind, name, fragment in BAD_FILES:
            path = files.get(name, tmp_path / name)
            seen = {n.identity for n in app._notifications}
            await attach(pilot, path, kind)

            def errors(seen: set[str] = seen) -> list[Notification]:
                return [n for n in app._notifications if n.identity not in seen and n.severity == "error"]

            await wait_for(pilot, lambda: bool(errors()), f"the error notification for {name}")
            (notice,) = errors()
            assert fragment in notice.message and str(path) in notice.message, notice.message
            assert "\n" not in notice.message and "Traceback" not in notice.message
            assert not bar(app).attachments and not bar(app).display

        # The palette names the key; Escape leaves the dialog with nothing attached.
        commands = {title: help_text for title, help_text, _ in playground_commands(app)}
        assert "(^o)" in commands["Attach file…"] and "^o takes any kind" in commands["Attach image…"]
        assert not [title for title in commands if title.startswith(("Remove image", "Remove tools", "Remove resp"))]
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachDialog), "the dialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AttachDialog), "the dialog to close")
        assert not bar(app).attachments

        # Two attached (each kind told apart by its content): the palette removes them all at once.
        await attach(pilot, files["image"])
        await attach(pilot, files["tools"])
        await wait_for(pilot, lambda: len(bar(app).chips) == 2, "two chips")
        assert bar(app).has_class("-many")
        remove = {title: callback for title, _, callback in playground_commands(app)}
        assert {"Remove image: photo.png", "Remove tools file: tools.json"} <= set(remove)
        remove["Remove all attachments"]()
        await wait_for(pilot, lambda: not bar(app).chips, "the chips to go")
        assert not bar(app).attachments


# -- the pure parts ---------------------------------------------------------------------------

def test_a_schema_nothing_available_can_use_is_refused_in_one_line(files: dict[str, Path]) -> None:
    catalog = default_catalog()
    text_only = RoutingContext(catalog, (catalog.get("deepseek-chat"), catalog.get("groq-llama-3-3-70b")),
                               "not configured")
    with_schema, kind = add_from_file(Attachments(), "file", str(files["schema"]))
    assert kind == "schema"
    with pytest.raises(UserError) as caught:
        check_servable(with_schema, text_only)
    message = str(caught.value)
    assert "no available model can serve this request (JSON schema output)" in message and "\n" not in message
    check_servable(add_from_file(Attachments(), "tools", str(files["tools"]))[0], text_only)  # both take tools


def test_a_tools_file_may_name_the_tool_choice(tmp_path: Path) -> None:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"tools": TOOLS, "tool_choice": "get_weather"}))
    attached, kind = add_from_file(Attachments(), "file", str(path))  # an object with "tools": a tools file
    assert kind == "tools" and attached.request_kwargs()["tool_choice"].name == "get_weather"
    assert chips_of(attached)[0].text == "ƒ tools.json: 1 tool (get_weather); choice: get_weather"
    path.write_text(json.dumps({"tools": TOOLS, "tool_choice": "get_wether"}))
    with pytest.raises(UserError, match="tool_choice: 'get_wether' is not auto, none, required or a tool's name"):
        add_from_file(Attachments(), "tools", str(path))


def test_the_latest_answer_calls_tool_calls_are_shown_as_they_stream() -> None:
    run = RunState("fallback", default_catalog(), default_counter(), input_estimate=20)
    run.apply(AttemptStarted(1, "gpt-4o-mini", "openai", True))
    run.apply(ToolCallDelta(1, 0, "call_a", "get_weather"))
    run.apply(ToolCallDelta(1, 0, arguments='{"city": '))
    assert shown_tool_calls(run) == (ToolCall("call_a", "get_weather", '{"city": '),)
    run.apply(ToolCallDelta(1, 1, "call_b", "get_time", '{"zone"'))
    run.apply(ToolCallDelta(1, 0, arguments='"Oslo"}'))
    assert shown_tool_calls(run) == run.tool_calls[1].calls() == (
        ToolCall("call_a", "get_weather", '{"city": "Oslo"}'), ToolCall("call_b", "get_time", '{"zone"'))
    # A judge's calls beside it are not the answer's; a fallback's calls replace the first call's.
    run.apply(AttemptStarted(2, "gpt-4o", "openai", True, roles.JUDGE))
    run.apply(ToolCallDelta(2, 0, "call_j", "score", "{}"))
    assert shown_tool_calls(run)[0].id == "call_a"
    run.apply(AttemptStarted(3, "gpt-4o", "openai", True))
    run.apply(ToolCallDelta(3, 0, "call_c", "get_weather", "{"))
    assert shown_tool_calls(run) == (ToolCall("call_c", "get_weather", "{"),)


def test_tool_calls_show_arguments_as_they_grow_then_pretty() -> None:
    growing = (ToolCall("c1", "get_weather", '{"city": "Os'), ToolCall("c2", "get_time", ""))
    assert format_tool_calls(growing, complete=False) == (
        '⚙ tool call 1: get_weather\n  {"city": "Os\n⚙ tool call 2: get_time\n  …')
    done = (ToolCall("c1", "get_weather", '{"city": "Oslo"}'), ToolCall("c2", "get_time", "{oops"))
    assert format_tool_calls(done, complete=True) == (
        '⚙ tool call 1: get_weather\n  {\n    "city": "Oslo"\n  }\n'
        "⚙ tool call 2: get_time (arguments are not valid JSON; shown as sent)\n  {oops")


def test_a_json_answer_is_pretty_printed_or_shown_as_sent_with_a_note() -> None:
    shaped = format_json_answer('{"city":"Oslo","population":709000}')
    assert shaped.valid and shaped.note == ""
    assert shaped.markdown == '```json\n{\n  "city": "Oslo",\n  "population": 709000\n}\n```\n'
    broken = format_json_answer('{"city": "Oslo",')
    assert not broken.valid and broken.markdown == '{"city": "Oslo",'
    assert broken.note.startswith("⚠ the answer is not valid JSON (") and "shown as sent" in broken.note


def test_the_path_field_completes_file_names(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"")
    (tmp_path / "pictures").mkdir()
    assert complete_path(str(tmp_path / "ph")) == str(tmp_path / "photo.png")
    assert complete_path(str(tmp_path / "pi")) == str(tmp_path / "pictures") + "/"
    assert complete_path(str(tmp_path / "nothing")) is None
