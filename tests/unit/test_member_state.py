"""Folding a multi-call plan's events into its members (plain Python, no Textual)."""

from __future__ import annotations

import pytest

from playground.core import roles
from playground.core.decision import CascadePlan, Decision, EnsemblePlan
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    Decided,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    TextDelta,
    UsageReported,
    Verdict,
)
from playground.core.tokens import default_counter
from playground.runview.run_state import RunState
from playground.tui.widgets.members import member_body, member_title, verdict_text
from tests.helpers.data import CATALOG, MEMBERS, board, decided, record


def result(*records: AttemptRecord, answer: int | None = None, error: ProviderError | None = None) -> RequestResult:
    return RequestResult("ensemble", None, records, 900.0, True, error, answer_attempt=answer)


def test_a_single_call_run_has_no_members() -> None:
    run = RunState("fixed", CATALOG, default_counter(), input_estimate=20)
    run.apply(Decided("fixed", Decision("gpt-5-mini", "always"), 0.1))
    run.apply(AttemptStarted(1, "gpt-5-mini", "openai", True))
    run.apply(TextDelta(1, "hello"))
    assert not run.members.active and run.members.members == {}


def test_vote_members_stream_fail_and_the_winner_is_starred() -> None:
    b = board()
    b.apply(decided(EnsemblePlan("vote", MEMBERS)))
    assert b.active and list(b.members) == [f"member {i}" for i in range(1, len(MEMBERS) + 1)]
    assert all(m.status == "planned" for m in b.members.values())
    for n, model in enumerate(MEMBERS, start=1):
        b.apply(AttemptStarted(n, model, CATALOG.get(model).provider, True, role=roles.member(n)))
    mini, haiku, four = b.members.values()
    assert mini.status == "waiting" and "waiting for the first token" in member_body(mini)
    b.apply(FirstToken(1, 90.0))
    b.apply(TextDelta(1, "Yes, "))
    b.apply(TextDelta(1, "it is."))
    b.apply(TextDelta(2, "Yes."))
    assert mini.status == "streaming" and mini.text == "Yes, it is." and haiku.text == "Yes."
    # Live figures are estimates until the provider's usage arrives.
    _, out, estimated = b.tokens(mini)
    assert out > 0 and estimated and b.cost(mini) > 0
    assert member_title(b, mini).startswith("● gpt-5-mini · ~") and "streaming" in member_title(b, mini)
    b.apply(UsageReported(1, 20, 5, "provider"))
    assert b.tokens(mini) == (20, 5, False)

    # gpt-4o-mini fails once, is retried, and fails again.
    down = ProviderError(ErrorKind.SERVER_ERROR, "sim-gpt-4o-mini is down")
    b.apply(AttemptFailed(record(3, "gpt-4o-mini", roles.member(3), "failed", "", 0, down)))
    b.apply(RetryScheduled(3, "gpt-4o-mini", 0.5, "server_error", None))
    assert four.status == "retrying" and "retrying in 0.5 s" in member_body(four)
    b.apply(AttemptStarted(4, "gpt-4o-mini", "openai", True, role=roles.member(3)))
    assert len(b.members) == 3, "a retry stays in its member's pane"
    assert four.status == "waiting" and four.note == "retry 1 after server_error"
    b.apply(AttemptFailed(record(4, "gpt-4o-mini", roles.member(3), "failed", "", 0, down)))
    assert four.status == "failed" and "✗ server_error: sim-gpt-4o-mini is down" in member_body(four)
    assert "failed" in member_title(b, four) and "2 attempts" in member_title(b, four)

    first = record(1, "gpt-5-mini", roles.member(1), text="Yes, it is.")
    second = record(2, "claude-haiku-4-5", roles.member(2), text="Yes.")
    b.apply(AttemptFinished(first))
    b.apply(AttemptFinished(second))
    assert mini.status == "ok" and b.tokens(mini) == (20, 5, False)
    assert b.cost(mini) == pytest.approx(first.cost_usd)
    b.apply(Verdict("vote", "2 of 2 voted 'yes' (1 member(s) failed)", passed=True, model="gpt-5-mini",
                    details={"votes": {"yes": 2}, "failed_members": 1}))
    assert "✓ vote: 2 of 2 voted 'yes'" in verdict_text(b) and not b.finished
    b.apply(RequestFinished(result(first, second, answer=1)))
    assert b.finished and b.winner is mini and not haiku.winner
    assert member_title(b, mini).startswith("★ ✓ gpt-5-mini · 5 tok · $")
    assert verdict_text(b).endswith("★ answer from gpt-5-mini")


def test_race_losers_are_cancelled_with_their_partial_cost() -> None:
    b = board()
    b.apply(decided(EnsemblePlan("race", ("gpt-5-nano", "claude-opus-4-5"))))
    b.apply(AttemptStarted(1, "gpt-5-nano", "openai", True, role=roles.member(1)))
    b.apply(AttemptStarted(2, "claude-opus-4-5", "anthropic", True, role=roles.member(2)))
    b.apply(TextDelta(2, "Well, "))
    winner = record(1, "gpt-5-nano", roles.member(1))
    b.apply(AttemptFinished(winner))
    b.apply(Verdict("race", "gpt-5-nano answered first; cancelled claude-opus-4-5", passed=True, model="gpt-5-nano",
                    details={"cancelled": ["claude-opus-4-5"]}))
    loser = record(2, "claude-opus-4-5", roles.member(2), "cancelled", "Well, ", 2)
    b.apply(AttemptFailed(loser))
    b.apply(RequestFinished(result(winner, loser, answer=1)))
    opus = b.members["member 2"]
    assert opus.status == "cancelled" and opus.partial and not opus.winner
    assert member_title(b, opus).endswith("partial · cancelled")
    assert loser.cost_usd > 0 and b.cancelled_cost == pytest.approx(loser.cost_usd)
    text = verdict_text(b)
    assert "race: gpt-5-nano answered first; cancelled claude-opus-4-5" in text
    assert "★ answer from gpt-5-nano" in text and "cancelled calls spent $" in text


def test_judge_calls_get_their_own_pane_and_unused_members_say_so() -> None:
    b = board()
    b.apply(decided(EnsemblePlan("best_of", ("gpt-5-mini", "gpt-4o-mini"), judge="gpt-5-1")))
    assert b.members["judge"].side and b.members["judge"].status == "planned"
    b.apply(ModelSkipped("gpt-4o-mini", "circuit OPEN for gpt-4o-mini"))
    b.apply(AttemptStarted(1, "gpt-5-mini", "openai", True, role=roles.member(1)))
    only = record(1, "gpt-5-mini", roles.member(1), text="An answer.")
    b.apply(AttemptFinished(only))
    b.apply(Verdict("judge", "only one member answered: nothing to judge", passed=True, model="gpt-5-mini"))
    b.apply(RequestFinished(result(only, answer=1)))
    assert b.members["member 2"].status == "skipped"
    assert "circuit OPEN" in member_body(b.members["member 2"])
    assert b.members["judge"].status == "unused" and member_body(b.members["judge"]) == "not needed"


def test_cascade_tiers_and_repeated_judge_calls() -> None:
    b = board()
    b.apply(decided(CascadePlan(("gpt-5-nano", "gpt-5-mini"), ({"type": "judge"},), judge="gpt-5-1")))
    assert list(b.members) == ["tier 1", "tier 2"] and b.title == "cascade · 2 tiers"
    attempts = [(roles.tier(1), "gpt-5-nano"), (roles.JUDGE, "gpt-5-1"), (roles.tier(2), "gpt-5-mini"),
                (roles.JUDGE, "gpt-5-1")]
    records = []
    for n, (role, model) in enumerate(attempts, start=1):
        b.apply(AttemptStarted(n, model, "openai", True, role=role))
        records.append(record(n, model, role, text="7" if role == roles.JUDGE else "An answer."))
        b.apply(AttemptFinished(records[-1]))
    assert list(b.members) == ["tier 1", "tier 2", "judge", "judge #2"]
    assert b.members["tier 2"].label == "tier 2 · gpt-5-mini"
    b.apply(RequestFinished(result(*records, answer=3)))
    assert b.winner is b.members["tier 2"]


def test_cancelled_run_settles_every_member() -> None:
    b = board()
    b.apply(decided(EnsemblePlan("vote", MEMBERS[:2])))
    b.apply(AttemptStarted(1, MEMBERS[0], "openai", True, role=roles.member(1)))
    b.apply(TextDelta(1, "partial"))
    b.apply(RequestFinished(result(error=ProviderError(ErrorKind.CANCELLED, "cancelled by the user"))))
    first, second = b.members.values()
    assert first.status == "cancelled" and second.status == "unused" and second.note == "not called"
    assert b.winner is None


def test_a_cache_hit_hides_the_plan() -> None:
    run = RunState("ensemble", CATALOG, default_counter(), input_estimate=20)
    run.apply(decided(EnsemblePlan("vote", MEMBERS)))
    assert run.members.active
    cached = RequestResult("ensemble", None, (), 2.0, True, cached_text="cached", cached_model="gpt-5-mini")
    run.apply(RequestFinished(cached))
    assert not run.members.active
