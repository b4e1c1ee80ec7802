"""The run history: every run written to SQLite as its events arrive
(`HistoryRecorder`), read back, searched and exported (`HistoryStore`,
`export_run`). No Textual: the TUI and tests use the same code."""

from playground.history.export import export_run, run_json, run_markdown
from playground.history.recorder import DEFAULT_KEEP_RUNS, HistoryRecorder
from playground.history.schema import history_file
from playground.history.store import HistoryStore, RunSummary, StoredAnswer, StoredAttempt, StoredRun

__all__ = [
    "DEFAULT_KEEP_RUNS",
    "HistoryRecorder",
    "HistoryStore",
    "RunSummary",
    "StoredAnswer",
    "StoredAttempt",
    "StoredRun",
    "export_run",
    "history_file",
    "run_json",
    "run_markdown",
]
