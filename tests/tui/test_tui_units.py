"""The TUI's pure parts: formatting, folding events into a run's figures,
totals against the baseline, and the shared token count."""

from __future__ import annotations

import pytest

from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.decision import Decision
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    Decided,
    FallbackStarted,
    FirstToken,
    RequestFinished,
    RequestResult,
    TextDelta,
    UsageReported,
    Verdict,
)
from playground.core.messages import ChatRequest
from playground.core.pricing import cost_usd
from playground.core.roles import CallRole
from playground.core.tokens import TokenCount, TokenCounter, default_counter
from playground.runview.run_state import RunState
from playground.tui.counting import CachedCounter
from playground.tui.formatting import (
    describe_error,
    format_cost,
    format_ms,
    format_rate,
    format_relative,
    format_tokens,
)
from playground.tui.spend import SpendLedger
from playground.tui.widgets.status import split_mode_label
from playground.tui.widgets.totals import compute_totals

CATALOG = default_catalog()
MODEL = "gpt-5-mini"


def record(outcome: str = "ok", *, model: str = MODEL, inp: int = 100, out: int = 50, source: str = "provider",
           error: ProviderError | None = None, attempt: int = 1, text: str = "answer",
           role: CallRole = roles.ANSWER) -> AttemptRecord:
    spec = CATALOG.get(model)
    return AttemptRecord(attempt, model, spec.provider, outcome, inp, out, source, cost_usd(spec, inp, out),  # type: ignore[arg-type]
                         120.0, 900.0, text, error, role=role)


def result(*records: AttemptRecord, strategy: str = "cost", error: ProviderError | None = None,
           answer_attempt: int | None = None) -> RequestResult:
    return RequestResult(strategy, Decision(records[-1].model if records else MODEL, "because"), records, 950.0, True,
                         error, answer_attempt=answer_attempt)


def new_run(strategy: str = "cost") -> RunState:
    return RunState(strategy, CATALOG, default_counter(), input_estimate=100)


def test_formatting() -> None:
    assert format_tokens(1234) == "1,234" and format_tokens(5, estimated=True) == "~5"
    assert format_cost(0) == "$0" and format_cost(0.01234, estimated=True) == "~$0.0123"
    assert format_ms(None) == "—" and format_ms(420.4) == "420 ms" and format_ms(2310) == "2.31 s"
    assert format_ms(75_000) == "1m15s"
    assert format_rate(None) == "—" and format_rate(85.4) == "85 tok/s"
    assert format_relative(0.17, 1.0) == "−83%" and format_relative(1.12, 1.0) == "+12%"
    assert format_relative(1.0, 1.0) == "±0%" and format_relative(1.0, 0) == "n/a"


def test_describe_error_adds_a_hint_only_when_missing() -> None:
    auth = ProviderError(ErrorKind.AUTH, "openai: bad key (check the API key for openai)")
    assert describe_error(auth) == "auth: openai: bad key (check the API key for openai)"
    too_long = ProviderError(ErrorKind.CONTEXT_TOO_LONG, "the request needs 2,000,000 tokens")
    assert describe_error(too_long) == "context_too_long: the request needs 2,000,000 tokens; shorten the prompt"


def test_split_mode_label() -> None:
    assert split_mode_label("SIMULATED: built-in simulator at x") == "built-in simulator at x"
    assert split_mode_label("LIVE: real providers (openai)") == "real providers (openai)"
    assert split_mode_label("something else: entirely") == "something else: entirely"


def test_run_state_live_figures_then_totals() -> None:
    run = new_run()
    assert run.status == "waiting" and run.cost_usd == 0 and run.estimated
    assert run.input_tokens == 100  # the prompt's measured size before any call
    run.apply(Decided("cost", Decision(MODEL, "cheapest"), 0.1))
    run.apply(AttemptStarted(1, MODEL, "openai", True))
    assert run.model == MODEL and run.provider == "openai" and run.simulated and run.cost_usd == 0
    run.apply(FirstToken(1, 120.0))
    assert run.apply(TextDelta(1, "Hello there, ")) == "Hello there, "
    assert run.apply(TextDelta(1, "general Kenobi.")) == "general Kenobi."
    assert run.status == "streaming" and run.displayed == "Hello there, general Kenobi."
    assert run.output_tokens > 0 and run.estimated and run.cost_usd > 0 and run.ttft_ms == 120.0
    run.apply(UsageReported(1, 100, 50, "provider"))
    assert run.input_tokens == 100 and run.output_tokens == 50 and not run.estimated
    final = record(text="Hello there, general Kenobi.")
    run.apply(AttemptFinished(final))
    run.apply(RequestFinished(result(final)))
    assert run.status == "done" and not run.running and run.final_markdown is None
    assert run.cost_usd == pytest.approx(final.cost_usd) and run.latency_ms == 950.0
    assert run.ttft_ms == 120.0 and run.tokens_per_s == final.tokens_per_s


def test_run_state_fallback_marks_where_the_answer_starts_over() -> None:
    run = new_run()
    run.apply(AttemptStarted(1, MODEL, "openai", True))
    run.apply(FirstToken(1, 100.0))
    run.apply(TextDelta(1, "partial"))
    cut = record("failed", out=3, source="estimate", text="partial", error=ProviderError(ErrorKind.SERVER_ERROR, "cut"))
    run.apply(AttemptFailed(cut))
    run.apply(FallbackStarted(MODEL, "gpt-5-nano", "server_error"))
    assert run.fallbacks == 1 and "gpt-5-nano" in run.last_note
    run.apply(AttemptStarted(2, "gpt-5-nano", "openai", True))
    assert run.status == "waiting" and run.models_path == [MODEL, "gpt-5-nano"]
    assert run.cost_usd == pytest.approx(cut.cost_usd)  # nothing billed for call 2 yet
    run.apply(FirstToken(2, 80.0))
    written = run.apply(TextDelta(2, "full answer"))
    assert written.startswith("\n\n---") and "fell back from" in written and written.endswith("full answer")
    assert run.cost_usd > cut.cost_usd and run.estimated
    assert run.wasted_usd == pytest.approx(cut.cost_usd)
    done = record(model="gpt-5-nano", text="full answer", attempt=2)
    run.apply(AttemptFinished(done))
    run.apply(RequestFinished(result(cut, done)))
    assert run.final_markdown is None and run.displayed.startswith("partial") and "full answer" in run.displayed
    # Then every attempt, in order, with its outcome and cost.
    table = run.displayed[run.displayed.index("full answer"):]
    assert "| 1 | answer | gpt-5-mini | ✗ server_error (partial) |" in table
    assert "| 2 | answer | gpt-5-nano | ✓ ok |" in table


def test_run_state_ensemble_streams_one_member_and_shows_the_pick() -> None:
    run = new_run("ensemble")
    run.apply(AttemptStarted(1, MODEL, "openai", True, role=roles.member(1)))
    run.apply(AttemptStarted(2, "gpt-5-nano", "openai", True, role=roles.member(2)))
    run.apply(FirstToken(2, 50.0))
    assert run.apply(TextDelta(2, "nano says")) == "nano says"  # first to speak takes the focus
    run.apply(FirstToken(1, 90.0))
    assert run.apply(TextDelta(1, "mini says")) == ""  # counted, not shown
    assert run.calls == 2 and run.output_tokens > 0
    a = record(text="mini says", role=roles.member(1))
    b = record(model="gpt-5-nano", text="nano says", attempt=2, role=roles.member(2))
    run.apply(AttemptFinished(b))
    run.apply(AttemptFinished(a))
    run.apply(AttemptStarted(3, "gpt-5-nano", "openai", True, role=roles.JUDGE))
    assert run.apply(TextDelta(3, "1")) == ""  # a judge's reply is not an answer
    judge = record(model="gpt-5-nano", text="1", attempt=3, role=roles.JUDGE)
    run.apply(AttemptFinished(judge))
    run.apply(Verdict("judge", "picked answer 1"))
    run.apply(RequestFinished(result(a, b, judge, answer_attempt=1)))
    assert run.final_markdown == "mini says" and run.displayed == "mini says"
    assert run.model == MODEL and "answer delivered" in run.last_note


def test_run_state_cache_hit_shows_the_cached_answer() -> None:
    run = new_run()
    cached = RequestResult("cost", Decision(MODEL, "because"), (), 3.0, True, None,
                           cached_text="from the cache", cached_model=MODEL)
    run.apply(RequestFinished(cached))
    assert run.status == "done" and run.final_markdown == "from the cache" and run.cost_usd == 0
    assert "cache" in run.last_note


def test_run_state_cancellation() -> None:
    run = new_run()
    run.cancel_before_start()
    assert run.status == "cancelled" and run.error is not None and run.cost_usd == 0
    run = new_run()
    run.apply(AttemptStarted(1, MODEL, "openai", True))
    run.apply(TextDelta(1, "answer"))
    partial = record("cancelled", source="estimate", text="answer")
    run.apply(AttemptFailed(partial))
    run.apply(RequestFinished(result(partial, error=ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))))
    run.cancel_before_start()  # no-op once the engine reported the end
    assert run.status == "cancelled" and run.cost_usd == pytest.approx(partial.cost_usd) and run.estimated
    assert run.displayed == "answer" and run.final_markdown is None


def test_totals_against_the_fixed_baseline() -> None:
    fixed, cheap, failed = new_run("fixed"), new_run("cost"), new_run("task")
    fixed.apply(RequestFinished(result(record(model="claude-opus-4-5"), strategy="fixed")))
    cheap.apply(RequestFinished(result(record(model="gpt-5-nano"))))
    failed.apply(RequestFinished(result(strategy="task", error=ProviderError(ErrorKind.AUTH, "no"))))
    earlier = new_run("cost")
    earlier.apply(RequestFinished(result(record("cancelled"), error=ProviderError(ErrorKind.CANCELLED, "x"))))
    totals = compute_totals([fixed, cheap, failed], ledger_of(earlier, fixed, cheap, failed))
    assert totals.baseline_usd == pytest.approx(fixed.cost_usd)
    assert dict(totals.relative) == {"cost": format_relative(cheap.cost_usd, fixed.cost_usd)}
    assert dict(totals.relative)["cost"].startswith("−")
    assert totals.prompt_usd == pytest.approx(fixed.cost_usd + cheap.cost_usd)
    assert totals.session_usd == pytest.approx(totals.prompt_usd + earlier.cost_usd)
    assert totals.cancelled_runs == 1 and totals.cancelled_usd == pytest.approx(earlier.cost_usd)
    assert compute_totals([cheap], ledger_of(cheap)).baseline_usd is None


def ledger_of(*runs: RunState) -> SpendLedger:
    ledger = SpendLedger()
    ledger.record_all(runs)
    return ledger


def test_the_ledger_counts_each_ended_run_once_and_a_running_one_live() -> None:
    done, running = new_run("fixed"), new_run("cost")
    done.apply(RequestFinished(result(record(model="claude-opus-4-5"), strategy="fixed")))
    running.apply(AttemptStarted(1, MODEL, "openai", True))
    running.apply(TextDelta(1, "partial answer so far"))
    ledger = SpendLedger()
    assert ledger.record(done) and not ledger.record(done)  # once
    assert not ledger.record(running)  # not ended: counted live, not kept
    assert ledger.runs == 1 and ledger.total_usd == pytest.approx(done.cost_usd)
    totals = compute_totals([done, running], ledger)
    assert running.cost_usd > 0 and totals.running == 1
    assert totals.session_usd == pytest.approx(done.cost_usd + running.cost_usd)


def test_cached_counter_counts_a_request_once() -> None:
    class Counting(TokenCounter):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def count_request(self, request: ChatRequest) -> TokenCount:
            self.calls += 1
            return TokenCount(42, "test")

    inner = Counting()
    cached = CachedCounter(inner)
    first = ChatRequest.from_prompt("same prompt")
    assert cached.count_request(first).tokens == 42
    assert cached.count_request(ChatRequest.from_prompt("same prompt")).tokens == 42
    assert inner.calls == 1
    cached.count_request(ChatRequest.from_prompt("another"))
    assert inner.calls == 2
    assert cached.count_text("abc").tokens == inner.count_text("abc").tokens


def test_breaker_rows_fit_the_circuit_panel() -> None:
    from playground.engine.breaker import BreakerSnapshot, BreakerState
    from playground.tui.widgets.circuit_panel import describe

    snapshot = BreakerSnapshot("openrouter-claude-sonnet-4-5", BreakerState.OPEN, 20, 20, 0, 100.0, 0.0, 12.34, None)
    open_row = describe(snapshot, 20)
    assert open_row.startswith("openrouter-claude-s… OPEN") and "fail 100%/20 · half-open in 12.3s" in open_row
    assert len(open_row) <= 65  # the panel is 68 wide: 1 border + 2 padding
    warming = describe(BreakerSnapshot("gpt-4o", BreakerState.CLOSED, 3, 2, 0, None, None, None, None), 20)
    assert warming.endswith("2/3 failed")
    probing = describe(BreakerSnapshot("gpt-4o", BreakerState.HALF_OPEN, 1, 0, 0, None, None, None, 2), 20)
    assert probing.endswith("· 2 probes left")
