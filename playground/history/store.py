"""Reading the history: list and full-text search past runs, load one with
every answer, attempt and note, and settle runs whose process died.

Plain values out (dataclasses), so the TUI, the CLI and tests read the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.core.roles import CallRole
from playground.history.schema import connect, history_file


@dataclass(frozen=True)
class RunSummary:
    id: str
    started: float
    prompt: str
    status: str  # running, done, interrupted
    simulated: bool
    strategies: tuple[str, ...]
    cost_usd: float


@dataclass(frozen=True)
class StoredAttempt:
    attempt: int
    role: str
    model: str
    provider: str
    outcome: str  # running (the process died), ok, failed, cancelled
    ttft_ms: float | None
    latency_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    usage_source: str | None
    cost_usd: float | None
    text: str
    error: dict[str, Any] | None


@dataclass(frozen=True)
class StoredAnswer:
    strategy: str
    params: dict[str, Any]
    status: str  # running (interrupted), done, error, cancelled
    model: str | None
    reason: str | None
    text: str
    cost_usd: float
    input_tokens: int | None
    output_tokens: int | None
    ttft_ms: float | None
    latency_ms: float | None
    trace: dict[str, Any] | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: tuple[StoredAttempt, ...] = ()
    notes: tuple[dict[str, Any], ...] = ()

    @property
    def partial(self) -> bool:
        """The run never finished (the process died while it streamed)."""
        return self.result is None


@dataclass(frozen=True)
class StoredRun:
    id: str
    started: float
    ended: float | None
    prompt: str
    mode: str
    simulated: bool
    status: str
    answers: tuple[StoredAnswer, ...] = field(default_factory=tuple)

    @property
    def cost_usd(self) -> float:
        return sum(a.cost_usd for a in self.answers)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def streamed_text(attempts: tuple[StoredAttempt, ...]) -> str:
    """What a column showed of an unfinished run: the answer calls' text in order."""
    parts = [a.text for a in attempts if a.text and not CallRole.from_label(a.role).side]
    return "\n\n---\n\n".join(parts)


def refresh_search(conn: sqlite3.Connection, run_id: str) -> None:
    """(Re)index one run's prompt and answers (delivered, else streamed) for full-text search."""
    row = conn.execute("SELECT prompt FROM runs WHERE id=?", (run_id,)).fetchone()
    if row is None:
        return
    texts = [r[0] for r in conn.execute(
        "SELECT COALESCE(a.text, (SELECT group_concat(t.text, ' ') FROM attempts t "
        "WHERE t.run_id=a.run_id AND t.strategy=a.strategy)) FROM answers a WHERE a.run_id=?", (run_id,)) if r[0]]
    conn.execute("DELETE FROM search WHERE run_id=?", (run_id,))
    conn.execute("INSERT INTO search(run_id, prompt, answers) VALUES (?,?,?)", (run_id, row[0], "\n".join(texts)))


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def settle_abandoned(conn: sqlite3.Connection) -> list[str]:
    """Runs left 'running' by a process that is gone become 'interrupted'
    (their streamed text stays); returns their ids."""
    settled = []
    for row in conn.execute("SELECT id, pid FROM runs WHERE status='running'").fetchall():
        if not _alive(row["pid"]):
            conn.execute("UPDATE runs SET status='interrupted' WHERE id=?", (row["id"],))
            refresh_search(conn, row["id"])
            settled.append(row["id"])
    return settled


def fts_query(text: str) -> str:
    """User words as an FTS5 query: every word must appear (prefix match on
    the last one), with FTS syntax characters taken literally."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class HistoryStore:
    """Read access to the history database (safe next to a running recorder)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or history_file()
        self._conn = connect(self.path)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def runs(self, query: str = "", limit: int = 200) -> list[RunSummary]:
        """Newest first; with `query`, only runs whose prompt or answers match (FTS5)."""
        sql = ("SELECT r.id, r.started, r.prompt, r.status, r.simulated, "
               "(SELECT group_concat(strategy, ',') FROM (SELECT strategy FROM answers WHERE run_id=r.id "
               "ORDER BY position)) AS strategies, "
               "(SELECT COALESCE(SUM(COALESCE(a.cost_usd, (SELECT SUM(COALESCE(t.cost_usd, 0)) FROM attempts t "
               "WHERE t.run_id=a.run_id AND t.strategy=a.strategy), 0)), 0) "
               "FROM answers a WHERE a.run_id=r.id) AS cost "
               "FROM runs r")
        args: list[Any] = []
        match = fts_query(query)
        if query.strip() and not match:
            return []
        if match:
            sql += " WHERE r.id IN (SELECT run_id FROM search WHERE search MATCH ?)"
            args.append(match)
        sql += " ORDER BY r.started DESC LIMIT ?"
        args.append(limit)
        return [RunSummary(row["id"], row["started"], row["prompt"], row["status"], bool(row["simulated"]),
                           tuple((row["strategies"] or "").split(",")) if row["strategies"] else (),
                           float(row["cost"] or 0.0))
                for row in self._conn.execute(sql, args)]

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def total_cost(self) -> float:
        return sum(r.cost_usd for r in self.runs(limit=1_000_000))

    def load(self, run_id: str) -> StoredRun | None:
        c = self._conn
        row = c.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            return None
        answers = []
        for a in c.execute("SELECT * FROM answers WHERE run_id=? ORDER BY position", (run_id,)).fetchall():
            attempts = tuple(
                StoredAttempt(t["attempt"], t["role"], t["model"], t["provider"], t["outcome"], t["ttft_ms"],
                              t["latency_ms"], t["input_tokens"], t["output_tokens"], t["usage_source"],
                              t["cost_usd"], t["text"], _loads(t["error"]))
                for t in c.execute("SELECT * FROM attempts WHERE run_id=? AND strategy=? ORDER BY attempt",
                                   (run_id, a["strategy"])))
            notes = tuple({"kind": n["kind"], "at": n["at"], **json.loads(n["data"])} for n in c.execute(
                "SELECT kind, at, data FROM notes WHERE run_id=? AND strategy=? ORDER BY seq", (run_id, a["strategy"])))
            finished = a["result"] is not None
            text = a["text"] if finished and a["text"] else streamed_text(attempts)
            cost = a["cost_usd"] if finished else sum(t.cost_usd or 0.0 for t in attempts)
            answers.append(StoredAnswer(
                a["strategy"], json.loads(a["params"]), a["status"], a["model"], a["reason"], text or "",
                float(cost or 0.0), a["input_tokens"], a["output_tokens"], a["ttft_ms"], a["latency_ms"],
                _loads(a["trace"]), _loads(a["result"]), _loads(a["error"]), attempts, notes))
        return StoredRun(row["id"], row["started"], row["ended"], row["prompt"], row["mode"], bool(row["simulated"]),
                         row["status"], tuple(answers))
