"""Prompt sets for previews and evaluation: the built-in set, or a file.

A file holds one prompt per line, or JSON Lines whose objects have a
"prompt" field (other fields are ignored). The format is taken from the
first non-blank line: an object (`{`) means JSON Lines, anything else plain
lines. Blank lines are skipped in both. Problems name the file and the line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playground.core.errors import UserError
from playground.eval.prompts import BUILTIN_PROMPTS

BUILTIN_NAME = "built-in"


@dataclass(frozen=True, slots=True)
class PromptSet:
    name: str
    prompts: tuple[str, ...]

    @property
    def label(self) -> str:
        count = len(self.prompts)
        return f"{self.name} ({count} prompt{'s' if count != 1 else ''})"


def builtin_prompt_set() -> PromptSet:
    return PromptSet(BUILTIN_NAME, BUILTIN_PROMPTS)


def load_prompt_set(path: str | Path) -> PromptSet:
    """Read a prompt file; raise `UserError` naming the file (and line) when it
    cannot be read, a line is malformed, or it holds no prompt."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: prompt file not found") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a prompt file") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the prompt file ({exc.strerror or exc})") from None
    return PromptSet(path.name, parse_prompts(text, str(path)))


def parse_prompts(text: str, origin: str) -> tuple[str, ...]:
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise UserError(f"{origin}: no prompts (expected one prompt per line, or JSON Lines with a \"prompt\" field)")
    if not lines[0][1].lstrip().startswith("{"):
        return tuple(line.strip() for _, line in lines)
    prompts = []
    for number, line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{origin}:{number}: not valid JSON ({exc.msg} at column {exc.colno}); "
                            "a JSON Lines prompt file needs one object per line") from None
        if not isinstance(item, dict):
            raise UserError(f"{origin}:{number}: expected an object with a \"prompt\" field, got {type(item).__name__}")
        if "prompt" not in item:
            raise UserError(f"{origin}:{number}: missing the \"prompt\" field (keys: {', '.join(item) or 'none'})")
        prompt = item["prompt"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise UserError(f"{origin}:{number}: \"prompt\" must be a non-empty string")
        prompts.append(prompt)
    return tuple(prompts)
