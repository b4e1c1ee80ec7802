"""Writes runs into the history database as their events arrive.

The engine's `emit` runs on the event loop and must stay cheap, so an
observer only puts `(run, strategy, event)` on a queue; one writer thread
folds what arrived within `BATCH_S` into SQL and commits it in one
transaction. A crash of the process therefore loses at most the last 50 ms
of text, never anything already committed.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    BreakerChanged,
    Decided,
    Event,
    FallbackStarted,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RetryScheduled,
    TextDelta,
    UsageReported,
    Verdict,
)
from playground.history.schema import connect, history_file
from playground.history.store import refresh_search, settle_abandoned

DEFAULT_KEEP_RUNS = 1000
# How long the writer gathers events into one transaction: also the most a
# crash can lose of what had arrived.
BATCH_S = 0.05
_NOTE_EVENTS = (RetryScheduled, FallbackStarted, ModelSkipped, BreakerChanged, Verdict)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _note_data(event: Any) -> dict[str, Any]:
    if isinstance(event, Verdict):
        return event.to_dict()
    return {name: getattr(event, name) for name in event.__dataclass_fields__}


@dataclass(frozen=True)
class _Begin:
    run_id: str
    prompt: str
    mode: str
    simulated: bool
    columns: tuple[tuple[str, str], ...]  # (strategy, params JSON)


@dataclass(frozen=True)
class _Event:
    run_id: str
    strategy: str
    event: Event
    at: float


@dataclass(frozen=True)
class _Sync:
    done: threading.Event


_Op = _Begin | _Event | _Sync | None


class HistoryRecorder:
    """Owns the writer thread and its connection; `close` flushes and stops it."""

    def __init__(self, path: Path | None = None, keep_runs: int = DEFAULT_KEEP_RUNS) -> None:
        self.path = path or history_file()
        self.keep_runs = max(1, keep_runs)
        conn = connect(self.path, check_same_thread=False)
        settle_abandoned(conn)
        conn.commit()
        self._conn = conn
        self._queue: queue.SimpleQueue[_Op] = queue.SimpleQueue()
        self._seq = 0
        self._begun: list[str] = []  # runs this recorder started (writer thread only)
        self.error: str | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._write_loop, name="history-writer", daemon=True)
        self._thread.start()

    # -- the app's side -------------------------------------------------
    def begin_run(self, prompt: str, columns: Mapping[str, Mapping[str, Any]], *, mode: str = "",
                  simulated: bool = True) -> str:
        """Record a new run (its prompt and each column's parameters); returns its id."""
        run_id = uuid.uuid4().hex
        self._queue.put(_Begin(run_id, prompt, mode, simulated,
                               tuple((name, _json(dict(params))) for name, params in columns.items())))
        return run_id

    def observer(self, run_id: str, strategy: str) -> Callable[[Event], None]:
        """An `emit` tee for one column of one run: cheap and never raises."""
        put = self._queue.put

        def observe(event: Event) -> None:
            put(_Event(run_id, strategy, event, time.time()))

        return observe

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed."""
        if self._closed:
            return True
        done = threading.Event()
        self._queue.put(_Sync(done))
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)

    # -- the writer thread ---------------------------------------------------
    def _write_loop(self) -> None:
        stop = False
        while not stop:
            ops = [self._queue.get()]
            # Gather what arrives in the next few milliseconds into the same
            # transaction: a stream of deltas becomes a handful of commits a
            # second instead of one per token (and one thread wake-up each).
            deadline = time.monotonic() + BATCH_S
            while not isinstance(ops[-1], _Sync) and ops[-1] is not None:
                remaining = deadline - time.monotonic()
                try:
                    ops.append(self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait())
                except queue.Empty:
                    break
            syncs = [op for op in ops if isinstance(op, _Sync)]
            stop = any(op is None for op in ops)
            try:
                with self._conn:
                    self._apply([op for op in ops if isinstance(op, (_Begin, _Event))])
            except sqlite3.Error as exc:  # a full disk must not take the app down
                self.error = f"history not saved ({self.path}): {exc}"
            for sync in syncs:
                sync.done.set()
        # Runs still going when the app closes were cut off with it: they keep
        # what streamed and say so (events still in flight are not waited for).
        try:
            with self._conn:
                for run_id in self._begun:
                    if self._conn.execute("UPDATE runs SET status='interrupted' WHERE id=? AND status='running'",
                                          (run_id,)).rowcount:
                        refresh_search(self._conn, run_id)
        except sqlite3.Error as exc:
            self.error = f"history not saved ({self.path}): {exc}"
        self._conn.close()

    def _apply(self, ops: list[_Begin | _Event]) -> None:
        pending_text: dict[tuple[str, str, int], list[str]] = {}
        finished: set[str] = set()
        for op in ops:
            if isinstance(op, _Begin):
                self._begin(op)
                continue
            event = op.event
            if isinstance(event, TextDelta):
                pending_text.setdefault((op.run_id, op.strategy, event.attempt), []).append(event.text)
                continue
            self._flush_text(pending_text)
            self._event(op)
            if isinstance(event, RequestFinished):
                finished.add(op.run_id)
        self._flush_text(pending_text)
        for run_id in finished:
            self._maybe_end(run_id)

    def _begin(self, op: _Begin) -> None:
        c = self._conn
        self._begun.append(op.run_id)
        c.execute("INSERT INTO runs(id, started, prompt, mode, simulated, status, pid) VALUES (?,?,?,?,?,'running',?)",
                  (op.run_id, time.time(), op.prompt, op.mode, int(op.simulated), os.getpid()))
        c.executemany("INSERT INTO answers(run_id, strategy, position, params) VALUES (?,?,?,?)",
                      [(op.run_id, name, i, params) for i, (name, params) in enumerate(op.columns)])
        refresh_search(c, op.run_id)
        self._retain()

    def _retain(self) -> None:
        """Bounded growth: only the newest `keep_runs` runs stay."""
        old = [row[0] for row in self._conn.execute(
            "SELECT id FROM runs ORDER BY started DESC LIMIT -1 OFFSET ?", (self.keep_runs,))]
        if old:
            marks = ",".join("?" * len(old))
            self._conn.execute(f"DELETE FROM search WHERE run_id IN ({marks})", old)
            self._conn.execute(f"DELETE FROM runs WHERE id IN ({marks})", old)

    def _flush_text(self, pending: dict[tuple[str, str, int], list[str]]) -> None:
        if pending:
            self._conn.executemany(
                "UPDATE attempts SET text = text || ? WHERE run_id=? AND strategy=? AND attempt=?",
                [("".join(parts), *key) for key, parts in pending.items()])
            pending.clear()

    def _event(self, op: _Event) -> None:
        c, key, event = self._conn, (op.run_id, op.strategy), op.event
        if isinstance(event, Decided):
            decision = event.decision
            c.execute("UPDATE answers SET model=?, reason=?, decide_ms=?, trace=? WHERE run_id=? AND strategy=?",
                      (decision.model, decision.reason, event.decide_ms, _json(decision.trace()), *key))
        elif isinstance(event, AttemptStarted):
            c.execute("INSERT OR REPLACE INTO attempts(run_id, strategy, attempt, role, model, provider, simulated, "
                      "started) VALUES (?,?,?,?,?,?,?,?)",
                      (*key, event.attempt, str(event.role), event.model, event.provider, int(event.simulated), op.at))
        elif isinstance(event, FirstToken):
            c.execute("UPDATE attempts SET ttft_ms=? WHERE run_id=? AND strategy=? AND attempt=?",
                      (event.ttft_ms, *key, event.attempt))
        elif isinstance(event, UsageReported):
            c.execute("UPDATE attempts SET input_tokens=?, output_tokens=?, usage_source=? "
                      "WHERE run_id=? AND strategy=? AND attempt=?",
                      (event.input_tokens, event.output_tokens, event.source, *key, event.attempt))
        elif isinstance(event, (AttemptFinished, AttemptFailed)):
            self._record(key, event.record, op.at)
        elif isinstance(event, RequestFinished):
            result = event.result
            error = result.error.to_dict() if result.error else None
            status = "done" if error is None else ("cancelled" if error.get("kind") == "cancelled" else "error")
            c.execute("UPDATE answers SET status=?, model=?, text=?, result=?, cost_usd=?, input_tokens=?, "
                      "output_tokens=?, ttft_ms=?, latency_ms=?, error=? WHERE run_id=? AND strategy=?",
                      (status, result.model, result.text, _json(result.to_dict()), result.cost_usd,
                       result.input_tokens, result.output_tokens, result.ttft_ms, result.latency_ms,
                       _json(error) if error else None, *key))
        elif isinstance(event, _NOTE_EVENTS):
            self._seq += 1
            c.execute("INSERT INTO notes(run_id, strategy, seq, kind, at, data) VALUES (?,?,?,?,?,?)",
                      (*key, self._seq, type(event).__name__, op.at, _json(_note_data(event))))

    def _record(self, key: tuple[str, str], r: AttemptRecord, at: float) -> None:
        started = at - r.latency_ms / 1000
        self._conn.execute(
            "INSERT INTO attempts(run_id, strategy, attempt, role, model, provider, started) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT DO NOTHING", (*key, r.attempt, str(r.role), r.model, r.provider, started))
        self._conn.execute(
            "UPDATE attempts SET outcome=?, input_tokens=?, output_tokens=?, usage_source=?, cost_usd=?, ttft_ms=?, "
            "latency_ms=?, text=?, error=? WHERE run_id=? AND strategy=? AND attempt=?",
            (r.outcome, r.input_tokens, r.output_tokens, r.usage_source, r.cost_usd, r.ttft_ms, r.latency_ms, r.text,
             _json(r.error.to_dict()) if r.error else None, *key, r.attempt))

    def _maybe_end(self, run_id: str) -> None:
        running = self._conn.execute("SELECT COUNT(*) FROM answers WHERE run_id=? AND status='running'",
                                     (run_id,)).fetchone()[0]
        if running == 0:
            self._conn.execute("UPDATE runs SET status='done', ended=? WHERE id=?", (time.time(), run_id))
        refresh_search(self._conn, run_id)
