"""Live runs through the engine against the simulator: an interrupted run
resumes exactly, and the CLI drives it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from playground.core.catalog import Catalog
from playground.engine.session import Session, SessionOptions
from playground.eval.labelled import LabelledPrompt, load_labelled
from playground.eval.live import LiveProgress, LiveTask, Scoring, run_id_for, run_live
from playground.eval.live_store import ResultStore
from playground.eval.scoring import final_number, matches
from playground.launch import open_session
from playground.strategies.registry import make_strategy

ITEMS = [
    LabelledPrompt("What is 17 * 23?", "391", "numeric"),
    LabelledPrompt("What is the capital of Australia?", "Canberra"),
    LabelledPrompt("Is 97 a prime number? Answer yes or no.", "yes"),
    LabelledPrompt("Write a haiku about a lighthouse."),
    LabelledPrompt("How many letters are in the word 'banana'?", "6"),
    LabelledPrompt("Explain why the sky is blue."),
]


class Stop(Exception):
    pass


def _run(
    session: Session,
    store: ResultStore,
    tasks: list[LiveTask],
    scoring: Scoring,
    run_id: str,
    stop_after: int | None = None,
) -> list[object]:
    def progress(p: LiveProgress) -> None:
        if stop_after is not None and p.done - p.resumed >= stop_after:
            raise Stop

    async def go() -> list[object]:
        engine = session.make_engine()
        try:
            return list(await run_live(engine, ITEMS, tasks, scoring, store, run_id, concurrency=3, progress=progress))
        finally:
            await engine.pool.aclose()

    return asyncio.run(go())


def _key(row: object) -> tuple[object, ...]:
    d = row.to_dict()  # type: ignore[attr-defined]
    return (
        d["task"],
        d["prompt_index"],
        d["model"],
        d["answer"],
        d["quality"],
        d["scored_by"],
        round(d["cost_usd"], 12),
        round(d["judge_cost_usd"], 12),
    )


def test_interrupted_run_resumes_exactly(tmp_path: Path, catalog: Catalog) -> None:
    with open_session(SessionOptions(force_sim=True, sim_speed=50.0)) as session:
        tasks = [LiveTask(n, make_strategy(n, session.catalog), {}) for n in ("fixed", "complexity")]
        scoring = Scoring("auto", make_strategy("fixed", session.catalog, {"model": "gpt-5-mini"}), "gpt-5-mini")
        run_id, config = run_id_for(ITEMS, tasks, scoring, 512)
        with ResultStore(tmp_path / "whole.sqlite") as store:
            store.start_run(run_id, config)
            whole = _run(session, store, tasks, scoring, run_id)
        with ResultStore(tmp_path / "cut.sqlite") as store:
            store.start_run(run_id, config)
            with pytest.raises(Stop):
                _run(session, store, tasks, scoring, run_id, stop_after=5)
            # Requests that completed while the stop was being handled are kept (whole rows, never half).
            assert 5 <= len(store.rows(run_id)) < len(ITEMS) * len(tasks)
        with ResultStore(tmp_path / "cut.sqlite") as store:  # a new process would reopen the file like this
            resumed = _run(session, store, tasks, scoring, run_id)
    assert len(whole) == len(resumed) == len(ITEMS) * len(tasks)
    assert [_key(r) for r in resumed] == [_key(r) for r in whole]
    db = sqlite3.connect(tmp_path / "cut.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == len(whole)  # no duplicates
    assert oct((tmp_path / "cut.sqlite").stat().st_mode & 0o777) == "0o600"
    scored = {r.scored_by for r in whole}  # type: ignore[attr-defined]
    assert {"reference:numeric", "reference:auto", "judge:gpt-5-mini"} <= scored


def test_cli_live_run_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from playground.cli import main

    prompts = tmp_path / "p.jsonl"
    prompts.write_text("".join(json.dumps(i.to_dict()) + "\n" for i in ITEMS[:3]), encoding="utf-8")
    store = tmp_path / "s.sqlite"
    argv = ["eval", "--live", "--prompts", str(prompts), "-s", "fixed", "-s", "cost", "--store", str(store), "--json"]
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["strategy"] for r in rows] == ["fixed", "cost"]
    assert rows[0]["n"] == 3 and rows[0]["p50_ms"] is not None and rows[0]["quality"] is not None
    assert main(argv) == 0  # everything is stored: nothing is sent again, same figures
    again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["quality"] for r in again] == [r["quality"] for r in rows]


def test_reference_matching_modes() -> None:
    assert matches("#### 18", "18") and matches("The answer is 1,234.", "1234", "numeric")
    assert matches("Canberra.", "canberra") and matches("The capital of Australia is Canberra.", "Canberra")
    assert not matches("Sydney.", "Canberra") and not matches("Canberra", "canberra", "exact")
    assert matches("answer: 42 apples", r"\b42\b", "regex")
    assert final_number("no digits") is None


def test_prompt_set_formats_and_errors(tmp_path: Path) -> None:
    from playground.core.errors import UserError

    csv_file = tmp_path / "p.csv"
    csv_file.write_text("prompt,reference,tags\nWhat is 2+2?,4,math;easy\n", encoding="utf-8")
    assert load_labelled(csv_file) == (LabelledPrompt("What is 2+2?", "4", None, ("math", "easy")),)
    text = tmp_path / "p.txt"
    text.write_text("first\n\nsecond\n", encoding="utf-8")
    assert [i.prompt for i in load_labelled(text)] == ["first", "second"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x", "match": "fuzzy"}\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"bad.jsonl:1: \"match\" 'fuzzy' is not one of"):
        load_labelled(bad)
