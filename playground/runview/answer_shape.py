"""What a column shows besides streamed text: the tool calls a run makes (each
call's name and its arguments as they grow, per stream index) and a JSON
answer pretty-printed once complete. Plain Python so the TUI's view only
draws these strings, and tests read them without rendering."""

from __future__ import annotations

import json
from dataclasses import dataclass

from playground.core.messages import ToolCall
from playground.runview.run_state import RunState


def shown_tool_calls(run: RunState) -> tuple[ToolCall, ...]:
    """The calls to show: the delivered answer's once the run ended, else
    those of the latest answer call that has streamed any (a retry or
    fallback starts over; side calls such as a judge are not the answer)."""
    if run.result is not None and run.result.tool_calls:
        return run.result.tool_calls
    side = {r.attempt for r in run.records if r.role.side} | {a for a, c in run.live.items() if c.role.side}
    answering = [attempt for attempt, fold in run.tool_calls.items() if fold and attempt not in side]
    return run.tool_calls[max(answering)].calls() if answering else ()


def _pretty_json(text: str) -> str | None:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, RecursionError):
        return None


def format_tool_calls(calls: tuple[ToolCall, ...], *, complete: bool) -> str:
    """One heading per call ("⚙ call 1: get_weather") and its arguments below:
    as streamed so far, or pretty-printed once complete (as sent, with a
    note, when they are not valid JSON)."""
    blocks: list[str] = []
    for number, call in enumerate(calls, start=1):
        heading = f"⚙ tool call {number}: {call.name or '…'}"
        arguments = call.arguments
        if complete:
            pretty = _pretty_json(arguments or "{}")
            if pretty is None:
                heading += " (arguments are not valid JSON; shown as sent)"
            else:
                arguments = pretty
        elif not arguments:
            arguments = "…"
        blocks.append(heading + "\n" + "\n".join("  " + line for line in arguments.splitlines()))
    return "\n".join(blocks)


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    """A JSON-mode answer as the column shows it once complete."""

    markdown: str
    valid: bool
    note: str = ""


def format_json_answer(text: str) -> JsonAnswer:
    """Valid JSON: pretty-printed in a fenced block. Anything else: the text
    as it came, and a note saying it is not valid JSON (and where)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        note = f"⚠ the answer is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); shown as sent"
        return JsonAnswer(text, False, note)
    except RecursionError:
        return JsonAnswer(text, False, "⚠ the answer's JSON is nested too deeply to show; shown as sent")
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    return JsonAnswer(f"```json\n{pretty}\n```\n", True)
