"""The remembered session: what the TUI had when it closed (the last prompt,
the columns, the applied tuning, the theme, the money spent), so a restart
picks up where the user left off.

One small JSON file in the user state dir, owner-only and replaced
atomically; a damaged file is set aside with one message, never a crash.
No Textual here: the app reads and writes these plain values.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playground.config import paths
from playground.config.build import Settings
from playground.config.files import write_private
from playground.core.errors import UserError
from playground.strategies.registry import STRATEGIES, coerce_values, make_strategy

VERSION = 1


def memory_file() -> Path:
    return paths.state_dir() / "session.json"


def welcome_flag() -> Path:
    """Exists once the first-run welcome was dismissed."""
    return paths.state_dir() / "welcome-dismissed"


@dataclass
class SessionMemory:
    prompt: str = ""
    columns: list[str] = field(default_factory=list)
    # Applied strategy parameters, per strategy (what the tuning screen applied).
    tuning: dict[str, dict[str, Any]] = field(default_factory=dict)
    theme: str | None = None
    # Spent before this start (shown in the session total until reset).
    spend_usd: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"version": VERSION, **asdict(self)}, indent=2, ensure_ascii=False, default=str) + "\n"

    @classmethod
    def from_data(cls, data: Any) -> SessionMemory:
        """Keep each field that has the right shape; drop the rest."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        memory = cls()
        if isinstance(data.get("prompt"), str):
            memory.prompt = data["prompt"]
        columns = data.get("columns")
        if isinstance(columns, list) and all(isinstance(c, str) for c in columns):
            memory.columns = list(dict.fromkeys(columns))
        tuning = data.get("tuning")
        if isinstance(tuning, dict):
            memory.tuning = {k: dict(v) for k, v in tuning.items() if isinstance(k, str) and isinstance(v, dict)}
        if isinstance(data.get("theme"), str):
            memory.theme = data["theme"]
        spend = data.get("spend_usd")
        if isinstance(spend, (int, float)) and not isinstance(spend, bool) and math.isfinite(spend) and spend >= 0:
            memory.spend_usd = float(spend)
        return memory


def load_memory(path: Path | None = None) -> tuple[SessionMemory, str | None]:
    """The remembered session (empty on first run) and a message when the
    file could not be used (it is then ignored and replaced on next save)."""
    path = path or memory_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SessionMemory(), None
    except (OSError, UnicodeDecodeError) as exc:
        return SessionMemory(), f"{path}: cannot read it ({exc}); starting a fresh session"
    try:
        return SessionMemory.from_data(json.loads(text)), None
    except (ValueError, RecursionError) as exc:
        return SessionMemory(), f"{path}: not a session file ({exc}); starting a fresh session"


def save_memory(memory: SessionMemory, path: Path | None = None) -> str | None:
    """Write atomically (0600); returns a message instead of raising."""
    try:
        write_private(path or memory_file(), memory.to_json())
    except UserError as exc:
        return str(exc)
    return None


def welcome_needed() -> bool:
    return not welcome_flag().exists()


def dismiss_welcome() -> None:
    # If it cannot be written the welcome shows again next time: harmless.
    with contextlib.suppress(UserError):
        write_private(welcome_flag(), "The first-run welcome was dismissed; delete this file to see it again.\n")


def restore_session(settings: Settings, strategies: Sequence[str] | None, initial_prompt: str | None,
                    strategy_values: Mapping[str, Mapping[str, Any]] | None,
                    ) -> tuple[list[str] | None, str | None, dict[str, dict[str, Any]], list[str]]:
    """The last session's columns, prompt and applied tuning under what the
    command line gave (which wins). Columns given as the config's own are
    taken as "not given". Returns (columns, prompt, values, notices)."""
    memory, problem = load_memory()
    notices = [problem] if problem else []
    columns = list(strategies) if strategies is not None else None
    if memory.columns and (columns is None or columns == settings.columns):
        known = [name for name in memory.columns if name in STRATEGIES]
        columns = known or columns
    prompt = initial_prompt if initial_prompt is not None else (memory.prompt or None)
    values: dict[str, dict[str, Any]] = {}
    for name, tuned in memory.tuning.items():
        try:
            coerced = coerce_values(name, tuned, settings.catalog)
            # Built once here so a value the current config no longer allows
            # is dropped with a notice instead of stopping the app.
            make_strategy(name, settings.catalog, {**settings.values_for(name), **coerced})
        except UserError as exc:
            notices.append(f"remembered tuning of {name} not applied: {exc}")
            continue
        values[name] = coerced
    for name, given in (strategy_values or {}).items():
        values.setdefault(name, {}).update(given)
    return columns, prompt, values, notices
