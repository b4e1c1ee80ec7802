"""Where a live evaluation's results go as they arrive: SQLite in WAL mode,
one row per (run, task, prompt), committed one by one.

A run is identified by a hash of everything that decides its results (the
prompts, the strategies and their parameters, the scoring); running the same
command again finds the rows already there and sends only the missing ones,
so an interrupted run resumes without duplicating or losing a row
(`INSERT OR IGNORE` on the primary key settles any race). The file and its
directory are owner-only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from playground.config.paths import state_dir
from playground.core.errors import UserError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    prompt_index INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    model TEXT,
    answer TEXT NOT NULL,
    quality REAL,
    scored_by TEXT NOT NULL,
    cost_usd REAL NOT NULL,
    judge_cost_usd REAL NOT NULL,
    latency_ms REAL,
    error TEXT,
    PRIMARY KEY (run_id, task, prompt_index)
);
"""


@dataclass(frozen=True, slots=True)
class LiveRow:
    task: str
    prompt_index: int
    prompt: str
    model: str | None
    answer: str
    quality: float | None  # 0..1; None when nothing scored it
    scored_by: str  # "reference:numeric", "judge:MODEL", "error", "unscored"
    cost_usd: float  # the routed request's every attempt
    judge_cost_usd: float
    latency_ms: float | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_store_path(run_id: str) -> Path:
    return state_dir() / "eval" / f"{run_id}.sqlite"


class ResultStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise UserError(f"{path}: cannot open the results store ({exc})") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start_run(self, run_id: str, config: dict[str, Any]) -> None:
        self._db.execute("INSERT OR IGNORE INTO runs VALUES (?, ?, ?)", (run_id, json.dumps(config), time.time()))

    def done(self, run_id: str) -> set[tuple[str, int]]:
        return {
            (task, index)
            for task, index in self._db.execute("SELECT task, prompt_index FROM results WHERE run_id = ?", (run_id,))
        }

    def add(self, run_id: str, row: LiveRow) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                row.task,
                row.prompt_index,
                row.prompt,
                row.model,
                row.answer,
                row.quality,
                row.scored_by,
                row.cost_usd,
                row.judge_cost_usd,
                row.latency_ms,
                row.error,
            ),
        )

    def rows(self, run_id: str) -> list[LiveRow]:
        cursor = self._db.execute(
            "SELECT task, prompt_index, prompt, model, answer, quality, scored_by, cost_usd, judge_cost_usd, "
            "latency_ms, error FROM results WHERE run_id = ? ORDER BY task, prompt_index",
            (run_id,),
        )
        return [LiveRow(*values) for values in cursor]
