"""`playground run --image/--tools/--tool-choice/--schema`: the request
carries them to the models that can serve it (over the simulator), and every
bad file is one line naming it, exit 2, before any call."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.helpers.cli import InProcessCli, assert_one_line_error
from tests.helpers.images import png

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
          "required": ["city", "population"]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {"image": tmp_path / "photo.png", "tools": tmp_path / "tools.json", "schema": tmp_path / "schema.json",
            "text": tmp_path / "notes.txt"}
    made["image"].write_bytes(png(32, 24))
    made["tools"].write_text(json.dumps(TOOLS))
    made["schema"].write_text(json.dumps(SCHEMA))
    made["text"].write_text("not an image")
    return made


def rows(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_an_image_routes_every_strategy_to_vision_models(run_cli: InProcessCli, files: dict[str, Path]) -> None:
    proc = run_cli("run", "What is in this picture?", "--image", str(files["image"]), "-s", "fixed", "-s", "cost",
                   "-p", "fixed.model=deepseek-chat", "--json", "--max-tokens", "120")
    assert proc.returncode == 0, proc.stderr
    for row in rows(proc.stdout):
        assert row["model"] not in ("deepseek-chat", "groq-llama-3-3-70b", "groq-llama-3-1-8b", "ollama-llama3-2",
                                    "ollama-qwen2-5-coder"), row["strategy"]
        assert "32×24 PNG" in row["text"]
        assert "deepseek-chat" in row["trace"]["details"]["ruled_out"]


def test_tools_and_a_named_choice_give_a_tool_call(run_cli: InProcessCli, files: dict[str, Path]) -> None:
    proc = run_cli("run", "Weather in Oslo?", "--tools", str(files["tools"]), "--tool-choice", "get_weather",
                   "-s", "fixed", "--json")
    assert proc.returncode == 0, proc.stderr
    (row,) = rows(proc.stdout)
    (call,) = row["tool_calls"]
    assert call["name"] == "get_weather" and "city" in json.loads(call["arguments"])
    summary = run_cli("run", "Weather in Oslo?", "--tools", str(files["tools"]), "--tool-choice", "required",
                      "-s", "fixed")
    assert summary.returncode == 0 and "tool call: get_weather({" in summary.stdout


def test_a_schema_gives_json_that_matches_it(run_cli: InProcessCli, files: dict[str, Path]) -> None:
    proc = run_cli("run", "Tell me about a big city.", "--schema", str(files["schema"]), "-s", "fixed", "--json",
                   "--max-tokens", "400")
    assert proc.returncode == 0, proc.stderr
    (row,) = rows(proc.stdout)
    jsonschema.validate(json.loads(row["text"]), SCHEMA)


@pytest.mark.parametrize(("flag", "content", "fragment"), [
    ("--image", None, "no such image file"),
    ("--image", "text", "not a PNG, JPEG, GIF or WebP image"),
    ("--tools", "{not json", "the tools file is not valid JSON"),
    ("--tools", json.dumps([{"name": "f", "parameters": {"type": "objekt"}}]), "is not valid JSON Schema"),
    ("--tools", json.dumps([{"name": "bad name!", "parameters": {"type": "object"}}]), "must be 1-64 letters"),
    ("--schema", json.dumps({"type": "array"}), "must be a JSON Schema with \"type\": \"object\" at the top"),
])
def test_bad_files_are_one_line_naming_the_file_exit_2(run_cli: InProcessCli, tmp_path: Path, files: dict[str, Path],
                                                       flag: str, content: str | None, fragment: str) -> None:
    path = tmp_path / "missing.png"
    if content == "text":
        path = files["text"]
    elif content is not None:
        path = tmp_path / "given.json"
        path.write_text(content)
    proc = run_cli("run", "hi", flag, str(path), "-s", "fixed")
    assert_one_line_error(proc, 2, fragment)
    assert str(path) in proc.stderr


def test_an_image_too_large_for_any_provider_is_refused(run_cli: InProcessCli, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    with big.open("wb") as handle:
        handle.write(png(8, 8))
        handle.truncate(21 * 1024 * 1024)  # sparse: over the 20 MB any provider accepts
    assert_one_line_error(run_cli("run", "hi", "--image", str(big), "-s", "fixed"), 2, "over the 20 MB")


def test_nothing_configured_can_serve_it_is_one_line_exit_2(run_cli: InProcessCli, files: dict[str, Path]) -> None:
    # Only Groq is configured (a key for it: the simulator is not started), and it has no vision model.
    proc = run_cli("run", "What is this?", "--image", str(files["image"]), "-s", "fixed", GROQ_API_KEY="gsk-test")
    assert_one_line_error(proc, 2, "no available model can serve this request (1 image)")


def test_tool_choice_without_tools_is_refused(run_cli: InProcessCli) -> None:
    assert_one_line_error(run_cli("run", "hi", "--tool-choice", "auto"), 2, "--tool-choice needs --tools FILE")
