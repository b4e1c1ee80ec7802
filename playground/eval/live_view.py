"""The evaluation screen's live runs, free of Textual: a prompt set (one of the
shipped sets, or a path typed in) sent through strategies by the app's own
engine, as `playground eval --live` does.

`plan_live` reads the set and builds the run the CLI would build for the same
prompts and strategies (same run id, same store file), so a run started in
the CLI resumes in the screen and the other way round. `run_plan` sends what
the store does not hold yet and reports progress with the cost so far; when
it is cancelled the rows written stay, and `read_back` summarises them. The
rows are `summarize_live`'s, the figures the CLI prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.core.pricing import format_usd
from playground.engine.runner import Engine
from playground.eval.example_data import EXAMPLE_PROMPTS, example_path
from playground.eval.labelled import LabelledPrompt, load_labelled
from playground.eval.live import LiveProgress, LiveTask, Scoring, run_id_for, run_live, summarize_live
from playground.eval.live_store import LiveRow, ResultStore, default_store_path
from playground.eval.metrics import Metrics
from playground.eval.result_table import Column
from playground.strategies.registry import make_strategy

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256  # as the CLI's --concurrency
MAX_OUTPUT_TOKENS = 512  # as the CLI's --max-tokens default
NO_REFERENCE = "no reference"


def shipped_prompt_sets() -> list[str]:
    """The prompt sets shipped with the app, the default (mixed) one first."""
    folder = example_path(EXAMPLE_PROMPTS).parent
    default = Path(EXAMPLE_PROMPTS).stem
    names = sorted(p.stem for p in folder.glob("*.jsonl"))
    return [default, *(n for n in names if n != default)]


def shipped_prompt_set(name: str) -> Path:
    return example_path(EXAMPLE_PROMPTS).parent / f"{name}.jsonl"


@dataclass(frozen=True)
class LivePlan:
    """One live run: the prompts, the strategy settings, where the rows go."""

    label: str  # the prompt set's name, as shown
    items: tuple[LabelledPrompt, ...]
    tasks: tuple[LiveTask, ...]
    scoring: Scoring
    run_id: str
    config: dict[str, Any]
    store_path: Path
    concurrency: int
    max_output_tokens: int = MAX_OUTPUT_TOKENS

    @property
    def total(self) -> int:
        return len(self.items) * len(self.tasks)

    @property
    def references(self) -> int:
        """Prompts with a reference answer (the others cannot be scored here)."""
        return sum(1 for item in self.items if item.reference is not None)


def parse_concurrency(text: str) -> int:
    """The concurrency field: empty means the default; one line on anything else bad."""
    if not text.strip():
        return DEFAULT_CONCURRENCY
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"concurrency {text.strip()!r}: a whole number of requests in flight, "
                        f"1..{MAX_CONCURRENCY}") from None
    if not 1 <= value <= MAX_CONCURRENCY:
        raise UserError(f"concurrency {value}: allowed 1..{MAX_CONCURRENCY}")
    return value


def plan_live(source: Path, names: Sequence[str], catalog: Catalog, concurrency: int = DEFAULT_CONCURRENCY,
              *, label: str | None = None, store_path: Path | None = None,
              tuned: Mapping[str, Mapping[str, Any]] | None = None) -> LivePlan:
    """The run of `names` over the prompt set at `source`, scored by reference: each strategy
    with the values the user applied (`tuned`, what differs from its defaults), so a live run
    measures the setting the columns use. The values are part of the run's identity: a run
    resumes only rows measured with the same setting. Raises `UserError` naming the file, or
    what to do, on bad input."""
    if not names:
        raise UserError("No strategy ticked: tick at least one to run live.")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UserError(f"concurrency {concurrency}: allowed 1..{MAX_CONCURRENCY}")
    items = load_labelled(source)
    tuned = tuned or {}
    tasks = tuple(LiveTask(name, make_strategy(name, catalog, dict(tuned.get(name, {}))), dict(tuned.get(name, {})))
                  for name in dict.fromkeys(names))
    scoring = Scoring()
    run_id, config = run_id_for(items, tasks, scoring, MAX_OUTPUT_TOKENS)
    return LivePlan(label or source.stem, items, tasks, scoring, run_id, config,
                    store_path or default_store_path(run_id), concurrency)


@dataclass(frozen=True)
class LiveResult:
    plan: LivePlan
    rows: list[LiveRow]
    metrics: list[Metrics]
    resumed: int  # rows the store held when the run started

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.plan.total


def stored_rows(plan: LivePlan) -> int:
    """How many of the plan's rows the store holds already (what a run resumes from)."""
    if not plan.store_path.exists():
        return 0
    with ResultStore(plan.store_path) as store:
        return len(store.done(plan.run_id))


async def run_plan(plan: LivePlan, engine: Engine, progress: Callable[[LiveProgress], None] | None = None,
                   ) -> LiveResult:
    """Send what the store lacks; cancelling the task keeps every row written."""
    with ResultStore(plan.store_path) as store:
        store.start_run(plan.run_id, plan.config)
        resumed = len(store.done(plan.run_id))
        rows = await run_live(engine, plan.items, plan.tasks, plan.scoring, store, plan.run_id,
                              concurrency=plan.concurrency, max_output_tokens=plan.max_output_tokens,
                              progress=progress)
    return LiveResult(plan, rows, summarize_live(rows, plan.tasks), resumed)


def read_back(plan: LivePlan, resumed: int = 0) -> LiveResult:
    """The rows the store holds for the plan (after a cancelled run)."""
    with ResultStore(plan.store_path) as store:
        rows = store.rows(plan.run_id)
    return LiveResult(plan, rows, summarize_live(rows, plan.tasks), resumed)


def progress_text(plan: LivePlan, p: LiveProgress) -> str:
    """The status line under the progress bar."""
    failed = f" · {p.failed} failed" if p.failed else ""
    resumed = f" · resumed {p.resumed} rows" if p.resumed else ""
    return f"live {plan.label}: {p.done}/{p.total}{failed} · {format_usd(p.cost_usd)} so far{resumed}"


def _quality(row: Metrics) -> float | None:
    return None if math.isnan(row.quality) else row.quality


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


# What the results table shows for a live run: the figures `playground eval --live` prints.
LIVE_COLUMNS: tuple[Column, ...] = (
    Column("strategy", "Strategy", lambda r: r.strategy, lambda r: "  " + r.strategy, numeric=False),
    Column("n", "Rows", lambda r: r.n, lambda r: str(r.n)),
    Column("quality", "Quality", _quality,
           lambda r: NO_REFERENCE if _quality(r) is None else f"{r.quality:.1%}"),
    Column("cost", "Cost/1k", lambda r: r.cost_per_1k_usd, lambda r: format_usd(r.cost_per_1k_usd)),
    Column("strong_share", "Strong share", lambda r: r.strong_share, lambda r: f"{r.strong_share:.1%}"),
    Column("p50", "p50", lambda r: r.p50_ms, lambda r: _ms(r.p50_ms)),
    Column("p95", "p95", lambda r: r.p95_ms, lambda r: _ms(r.p95_ms)),
)
