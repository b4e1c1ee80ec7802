"""The history store: written as events arrive, searchable, bounded, private, crash-safe."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from playground.core import roles
from playground.core.decision import Decision
from playground.core.events import (
    AttemptFinished,
    AttemptStarted,
    Decided,
    FirstToken,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    TextDelta,
)
from playground.history import HistoryRecorder, HistoryStore, export_run, history_file, run_json, run_markdown
from tests.helpers.data import record


def _run(recorder: HistoryRecorder, prompt: str, answer: str, strategy: str = "fixed", finish: bool = True) -> str:
    run_id = recorder.begin_run(prompt, {strategy: {"model": "gpt-5-mini"}}, mode="sim", simulated=True)
    emit = recorder.observer(run_id, strategy)
    emit(Decided(strategy, Decision("gpt-5-mini", "always this one"), 0.2))
    emit(AttemptStarted(1, "gpt-5-mini", "openai", True))
    emit(FirstToken(1, 120.0))
    half = len(answer) // 2
    emit(TextDelta(1, answer[:half]))
    emit(TextDelta(1, answer[half:]))
    if finish:
        rec = record(1, "gpt-5-mini", roles.ANSWER, text=answer, out=12)
        emit(AttemptFinished(rec))
        emit(RequestFinished(RequestResult(strategy, Decision("gpt-5-mini", "always this one"), (rec,), 400.0, True)))
    assert recorder.flush()
    return run_id


def test_events_become_a_run_with_attempts_and_text(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(path)
    run_id = _run(recorder, "What is the capital of France?", "Paris is the capital of France.")
    emit = recorder.observer(run_id, "fixed")
    emit(RetryScheduled(1, "gpt-5-mini", 0.5, "rate_limited", 1.0))
    recorder.close()
    with HistoryStore(path) as store:
        run = store.load(run_id)
    assert run is not None and run.status == "done" and run.prompt == "What is the capital of France?"
    (answer,) = run.answers
    assert answer.text == "Paris is the capital of France."
    assert answer.model == "gpt-5-mini" and answer.reason == "always this one"
    assert answer.params == {"model": "gpt-5-mini"}
    assert answer.attempts[0].ttft_ms == 100.0 and answer.attempts[0].outcome == "ok"
    assert answer.cost_usd > 0 and answer.result is not None and answer.trace is not None
    assert answer.notes[0]["kind"] == "RetryScheduled" and answer.notes[0]["delay_s"] == 0.5


def test_full_text_search_finds_prompts_and_answers(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(path)
    paris = _run(recorder, "capital of France?", "Paris, on the Seine.")
    tokyo = _run(recorder, "capital of Japan?", "Tokyo.")
    recorder.close()
    with HistoryStore(path) as store:
        assert [r.id for r in store.runs("seine")] == [paris]
        assert [r.id for r in store.runs("japan")] == [tokyo]
        assert {r.id for r in store.runs("capital")} == {paris, tokyo}
        assert [r.id for r in store.runs("Tok")] == [tokyo]  # prefix match while typing
        assert store.runs("nowhere") == []
        assert store.runs('"unbalanced (quote* AND') == []  # FTS syntax is taken literally, no error
        assert [r.id for r in store.runs()] == [tokyo, paris]  # newest first


def test_retention_keeps_the_newest_runs(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(path, keep_runs=3)
    ids = [_run(recorder, f"prompt number {n}", f"answer {n}") for n in range(5)]
    recorder.close()
    with HistoryStore(path) as store:
        assert [r.id for r in store.runs()] == ids[:1:-1]
        assert store.runs("number") and all(r.id in ids[2:] for r in store.runs("number"))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 3  # cascaded
    assert conn.execute("SELECT COUNT(*) FROM search").fetchone()[0] == 3


def test_wal_and_owner_only_files(tmp_path: Path) -> None:
    recorder = HistoryRecorder()  # the default place: the user data dir
    _run(recorder, "hello", "hi")
    path = history_file()
    assert str(path).startswith(os.environ["XDG_DATA_HOME"])
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    recorder.close()


def test_export_markdown_and_json(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(path)
    run_id = _run(recorder, "capital of France?", "Paris.")
    recorder.close()
    with HistoryStore(path) as store:
        run = store.load(run_id)
    assert run is not None
    markdown = run_markdown(run)
    assert "## fixed → gpt-5-mini" in markdown and "Paris." in markdown and "capital of France?" in markdown
    assert json.loads(run_json(run))["answers"][0]["text"] == "Paris."
    written = export_run(run, "markdown")
    assert written.read_text() == markdown and stat.S_IMODE(written.stat().st_mode) == 0o600


_CHILD = textwrap.dedent("""
    import sys, time
    from playground.core.decision import Decision
    from playground.core.events import AttemptStarted, Decided, TextDelta
    from playground.history import HistoryRecorder
    recorder = HistoryRecorder()
    run_id = recorder.begin_run("tell me a long story", {"fixed": {}}, mode="sim")
    emit = recorder.observer(run_id, "fixed")
    emit(Decided("fixed", Decision("gpt-5-mini", "always"), 0.1))
    emit(AttemptStarted(1, "gpt-5-mini", "openai", True))
    for n in range(50):
        emit(TextDelta(1, f"word{n} "))
    recorder.flush()
    print(run_id, flush=True)
    while True:  # still streaming when it is killed
        emit(TextDelta(1, "more "))
        time.sleep(0.01)
""")


def test_a_killed_process_keeps_what_streamed() -> None:
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert child.stdout is not None
        run_id = child.stdout.readline().strip()
        assert run_id, "the child did not start its run"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    recorder = HistoryRecorder()  # opening settles runs whose process is gone
    recorder.close()
    with HistoryStore() as store:
        run = store.load(run_id)
        assert run is not None and run.status == "interrupted"
        (answer,) = run.answers
        assert answer.partial and answer.text.startswith("word0 word1 ") and "word49" in answer.text
        assert [r.id for r in store.runs("word49")] == [run_id]


def test_a_run_of_a_live_process_is_not_settled(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    first = HistoryRecorder(path)
    run_id = _run(first, "still going", "half", finish=False)
    second = HistoryRecorder(path)  # another window of the app, same database
    second.close()
    with HistoryStore(path) as store:
        assert store.load(run_id).status == "running"  # type: ignore[union-attr]
    first.close()  # closing the app with the run still going
    with HistoryStore(path) as store:
        run = store.load(run_id)
        assert run is not None and run.status == "interrupted" and run.answers[0].text == "half"


def test_many_small_deltas_are_all_kept_in_order(tmp_path: Path) -> None:
    recorder = HistoryRecorder(tmp_path / "h.sqlite3")
    run_id = recorder.begin_run("p", {"fixed": {}})
    emit = recorder.observer(run_id, "fixed")
    emit(AttemptStarted(1, "gpt-5-mini", "openai", True))
    for n in range(20_000):
        emit(TextDelta(1, str(n % 10)))
    assert recorder.flush(30)
    recorder.close()
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        assert store.load(run_id).answers[0].text == "0123456789" * 2_000  # type: ignore[union-attr]


@pytest.mark.parametrize("garbage", [b"not a database at all" * 100])
def test_a_damaged_database_is_one_clear_error(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(garbage)
    with pytest.raises(sqlite3.DatabaseError):
        HistoryStore(path)
