"""Prompt sets for live evaluation: prompts with optional references and tags.

- JSON Lines: {"prompt": ..., "reference": ..., "match": "numeric", "tags": ["math"]} per line
  (only "prompt" is required; "match" is one of scoring.MATCH_MODES);
- CSV: a `prompt` column, optional `reference`, `match` and `tags` (separated by ";"), read with polars;
- anything else: plain text, one prompt per line (as `playground tui --prompts`).
Problems name the file and the line or row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.core.errors import UserError
from playground.eval.dataset_io import check_line_lengths
from playground.eval.prompt_sets import parse_prompts
from playground.eval.scoring import MATCH_MODES


@dataclass(frozen=True, slots=True)
class LabelledPrompt:
    prompt: str
    reference: str | None = None
    match: str | None = None
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"prompt": self.prompt}
        if self.reference is not None:
            data["reference"] = self.reference
        if self.match:
            data["match"] = self.match
        if self.tags:
            data["tags"] = list(self.tags)
        return data


def _item(origin: str, where: str, raw: dict[str, Any]) -> LabelledPrompt:
    prompt = raw.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise UserError(f'{origin}:{where}: "prompt" must be a non-empty string')
    reference = raw.get("reference")
    if reference is not None and not isinstance(reference, (str, int, float)):
        raise UserError(f'{origin}:{where}: "reference" must be text or a number')
    match = raw.get("match") or None
    if match is not None and match not in MATCH_MODES:
        raise UserError(f'{origin}:{where}: "match" {match!r} is not one of {", ".join(MATCH_MODES)}')
    tags = raw.get("tags") or ()
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(";") if t.strip()]
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise UserError(f'{origin}:{where}: "tags" must be a list of strings')
    return LabelledPrompt(prompt, None if reference is None else str(reference), match, tuple(tags))


def load_labelled(path: str | Path) -> tuple[LabelledPrompt, ...]:
    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"{path}: prompt set not found" if not path.exists() else f"{path}: not a file")
    check_line_lengths(path)
    if path.suffix.lower() == ".csv":
        return _csv(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the prompt set ({exc.strerror})") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise UserError(f"{path}: no prompts")
    if not lines[0][1].lstrip().startswith("{"):
        return tuple(LabelledPrompt(p) for p in parse_prompts(text, str(path)))
    items = []
    for number, line in lines:
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise UserError(f"{path}:{number}: not valid JSON ({exc}); one object per line") from None
        if not isinstance(raw, dict):
            raise UserError(f'{path}:{number}: expected an object with a "prompt" field')
        items.append(_item(str(path), str(number), raw))
    return tuple(items)


def _csv(path: Path) -> tuple[LabelledPrompt, ...]:
    import polars as pl

    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UserError(f"{path}: cannot parse as CSV ({str(exc).splitlines()[0]})") from None
    if "prompt" not in frame.columns:
        raise UserError(f"{path}: no 'prompt' column (columns: {', '.join(frame.columns)})")
    if frame.height == 0:
        raise UserError(f"{path}: no prompts")
    return tuple(_item(str(path), f"row {i}", row) for i, row in enumerate(frame.to_dicts(), start=1))
