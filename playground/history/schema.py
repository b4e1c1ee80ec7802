"""The history database's tables, and opening it the one right way: WAL, an
owner-only file in the user data dir, foreign keys on (retention cascades).

A run is one prompt sent to several strategies; each strategy's part is an
`answers` row; every call it made is an `attempts` row whose text grows as
deltas arrive; retries, fallbacks, skips, breaker changes and verdicts are
`notes`. `search` is an FTS5 index over the prompt and the answers.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from playground.config import paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    ended REAL,
    prompt TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT '',
    simulated INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'running',
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE TABLE IF NOT EXISTS answers (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    strategy TEXT NOT NULL,
    position INTEGER NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'running',
    model TEXT,
    reason TEXT,
    decide_ms REAL,
    trace TEXT,
    text TEXT,
    result TEXT,
    cost_usd REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    ttft_ms REAL,
    latency_ms REAL,
    error TEXT,
    PRIMARY KEY (run_id, strategy)
);
CREATE TABLE IF NOT EXISTS attempts (
    run_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT '',
    simulated INTEGER NOT NULL DEFAULT 1,
    outcome TEXT NOT NULL DEFAULT 'running',
    started REAL NOT NULL,
    ttft_ms REAL,
    latency_ms REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    usage_source TEXT,
    cost_usd REAL,
    text TEXT NOT NULL DEFAULT '',
    error TEXT,
    PRIMARY KEY (run_id, strategy, attempt),
    FOREIGN KEY (run_id, strategy) REFERENCES answers(run_id, strategy) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS notes (
    run_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    data TEXT NOT NULL,
    FOREIGN KEY (run_id, strategy) REFERENCES answers(run_id, strategy) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS notes_run ON notes(run_id, strategy, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(run_id UNINDEXED, prompt, answers);
"""


def history_file() -> Path:
    return paths.data_dir() / "history.sqlite3"


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (creating) the database: WAL, foreign keys, files 0600, dir 0700."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        # Create it owner-only before SQLite does (SQLite would use the umask).
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)
    conn = sqlite3.connect(path, check_same_thread=check_same_thread, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL: a committed transaction survives a crash of the process
    # (not necessarily of the machine), and commits cost no fsync each.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.chmod(f"{path}{suffix}", 0o600)
    return conn
