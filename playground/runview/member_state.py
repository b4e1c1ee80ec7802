"""What a multi-call plan's calls are doing, folded from the engine's events.

An ensemble fans out to members (and maybe a judge or an escalation), a
cascade climbs tiers, an LLM router asks a router model then an answer
model. Each of those calls is a *member* of the run here: its model, state,
streamed text, tokens and cost; the verdicts say how they were combined and
the member whose answer was delivered is the winner.

Plain Python (no Textual), like `run_state`: the members widget only formats
this. Members the plan names are listed as soon as the strategy decides, so
the layout does not jump when they start; calls the plan did not name
(a second judge call, the router's answer) are added when they start.
Events arrive through `fold` (one method per event type); a call's lane is
found from its typed role, never from a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from playground.core import roles
from playground.core.catalog import Catalog
from playground.core.decision import CascadePlan, EnsemblePlan, PipelinePlan, RouterPlan
from playground.core.errors import ErrorKind
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptRecord,
    AttemptStarted,
    BreakerBypassed,
    BreakerChanged,
    Decided,
    Event,
    FallbackStarted,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    TextDelta,
    ToolCallDelta,
    UsageReported,
    Verdict,
)
from playground.core.pricing import cost_usd
from playground.core.roles import CallKind, CallRole
from playground.core.tokens import TokenCounter
from playground.runview.fold import fold

MemberStatus = Literal["planned", "waiting", "streaming", "retrying", "ok", "failed", "cancelled", "skipped", "unused"]
RUNNING = ("waiting", "streaming", "retrying")
# Verdict stages that are not about the plan's calls.
_IGNORED_STAGES = ("cache",)


@dataclass(eq=False)
class MemberState:
    """One call of the plan, with its retries (same role, same lane)."""

    key: str
    role: CallRole
    model: str
    status: MemberStatus = "planned"
    attempts: list[int] = field(default_factory=list)
    records: list[AttemptRecord] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    usage: tuple[int, int] | None = None
    note: str = ""
    winner: bool = False
    # Bumped on every change, so a widget redraws only what changed.
    version: int = 0
    _counted_parts: int = 0
    _counted_tokens: int = 0

    @property
    def kind(self) -> CallKind:
        return self.role.kind

    @property
    def label(self) -> str:
        """"gpt-5-mini" for a member, "tier 1 · gpt-4o-mini", "judge · gpt-5-1"..."""
        if self.kind is CallKind.MEMBER:
            return self.model
        return f"{self.key} · {self.model}"

    @property
    def side(self) -> bool:
        """A judge or router call: shown in a small pane."""
        return self.role.side

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def partial(self) -> bool:
        return self.status in ("failed", "cancelled") and bool(self.text)

    def touch(self) -> None:
        self.version += 1

    def live_output_tokens(self, counter: TokenCounter) -> int:
        """Our own count of the current attempt's text (counted once per part)."""
        if self._counted_parts < len(self.parts):
            new = "".join(self.parts[self._counted_parts:])
            self._counted_tokens += counter.count_text(new).tokens
            self._counted_parts = len(self.parts)
        return self._counted_tokens

    def restart_text(self, text: str = "") -> None:
        self.parts = [text] if text else []
        self._counted_parts = self._counted_tokens = 0


@dataclass(eq=False)
class MemberBoard:
    """Every call of one run's plan, and the verdicts that combined them."""

    catalog: Catalog
    counter: TokenCounter
    input_estimate: int
    active: bool = False
    title: str = ""
    members: dict[str, MemberState] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    finished: bool = False
    # Bumped when a member is added or a verdict arrives (layout changes).
    version: int = 0
    _by_attempt: dict[int, MemberState] = field(default_factory=dict)

    # -- folding events (through `fold`) ----------------------------------
    def apply(self, event: Event) -> None:
        fold(self, event)

    def on_text(self, event: TextDelta) -> None:
        member = self._by_attempt.get(event.attempt) if self.active else None
        if member is not None:
            member.parts.append(event.text)
            member.status = "streaming"
            member.touch()

    def on_decided(self, event: Decided) -> None:
        self._plan(event)

    def on_attempt_started(self, event: AttemptStarted) -> None:
        if self.active:
            self._start(event)

    def on_first_token(self, event: FirstToken) -> None:
        member = self._by_attempt.get(event.attempt) if self.active else None
        if member is not None and member.status == "waiting":
            member.status = "streaming"
            member.touch()

    def on_tool_call(self, event: ToolCallDelta) -> None:
        member = self._by_attempt.get(event.attempt) if self.active else None
        if member is not None:
            member.status = "streaming"
            member.touch()

    def on_usage(self, event: UsageReported) -> None:
        member = self._by_attempt.get(event.attempt) if self.active else None
        if member is not None:
            member.usage = (event.input_tokens, event.output_tokens)
            member.touch()

    def on_attempt_ended(self, event: AttemptFinished | AttemptFailed) -> None:
        if self.active:
            self._record(event.record)

    def on_retry(self, event: RetryScheduled) -> None:
        member = self._by_attempt.get(event.attempt) if self.active else None
        if member is not None:
            member.status = "retrying"
            member.note = f"retrying in {event.delay_s:.1f} s ({event.reason})"
            member.touch()

    def on_fallback(self, event: FallbackStarted) -> None:
        """The lane's next `AttemptStarted` notes the fallback."""

    def on_skipped(self, event: ModelSkipped) -> None:
        if not self.active:
            return
        for member in self.members.values():
            if member.model == event.model and member.status == "planned":
                member.status, member.note = "skipped", event.reason
                member.touch()
                break

    def on_breaker_changed(self, event: BreakerChanged) -> None:
        """Breakers belong to the circuit panel, not to a plan's lanes."""

    def on_breaker_bypassed(self, event: BreakerBypassed) -> None:
        for member in self.members.values() if self.active else ():
            if member.model == event.endpoint and member.status in ("planned", "retrying", "failed"):
                member.note = "circuit open: called anyway (every candidate was open)"
                member.touch()
                break

    def on_verdict(self, event: Verdict) -> None:
        if self.active and event.stage not in _IGNORED_STAGES:
            self.verdicts.append(event)
            self.version += 1

    def on_finished(self, event: RequestFinished) -> None:
        if self.active:
            self._finish(event.result)

    def _plan(self, event: Decided) -> None:
        plan = event.decision.plan
        if plan is None:
            return
        self.active = True
        if isinstance(plan, EnsemblePlan):
            self.title = f"ensemble · {plan.mode} · {len(plan.members)} members"
            for index, model in enumerate(plan.members, start=1):
                self._add(roles.member(index), model)
            if plan.judge:
                self._add(roles.JUDGE, plan.judge)
            if plan.escalate_to:
                self._add(roles.ESCALATION, plan.escalate_to)
        elif isinstance(plan, CascadePlan):
            self.title = f"cascade · {len(plan.tiers)} tiers"
            for position, model in enumerate(plan.tiers, start=1):
                self._add(roles.tier(position), model)
        elif isinstance(plan, RouterPlan):
            self.title = f"llm router · {len(plan.routes)} routes"
            self._add(roles.ROUTER, plan.router_model)
        elif isinstance(plan, PipelinePlan):
            self.title = f"pipeline · {len(plan.steps)} steps"
            for position, step in enumerate(plan.steps, start=1):
                self._add(roles.step(position), step.model or f"({step.strategy})")
        self.version += 1

    def _add(self, role: CallRole, model: str, key: str | None = None) -> MemberState:
        key = key or role.label
        member = self.members[key] = MemberState(key, role, model)
        self.version += 1
        return member

    def _lane_for(self, role: CallRole, model: str) -> MemberState:
        """The member a call of `role` belongs to: the same lane while it
        retries or falls back, a new lane once that one answered."""
        key = role.label
        member = self.members.get(key)
        if member is None:
            return self._add(role, model)
        if member.status in ("planned", "skipped", "retrying", "failed") and not member.winner:
            return member
        n = 2
        while f"{key} #{n}" in self.members:
            if self.members[f"{key} #{n}"].status in ("planned", "retrying", "failed"):
                return self.members[f"{key} #{n}"]
            n += 1
        return self._add(role, model, f"{key} #{n}")

    def _start(self, event: AttemptStarted) -> None:
        if not event.role.in_plan:
            return
        member = self._lane_for(event.role, event.model)
        if member.attempts:
            before = member.records[-1] if member.records else None
            if before is not None and before.model != event.model:
                member.note = f"fell back from {before.model}"
            elif before is not None:
                after = before.error.kind if before.error else before.outcome
                member.note = f"retry {len(member.attempts)} after {after}"
        else:
            member.note = ""
        member.model = event.model
        member.status = "waiting"
        member.usage = None
        member.restart_text()
        member.attempts.append(event.attempt)
        self._by_attempt[event.attempt] = member
        member.touch()

    def _record(self, record: AttemptRecord) -> None:
        member = self._by_attempt.get(record.attempt)
        if member is None:
            if not record.role.in_plan:
                return
            member = self._lane_for(record.role, record.model)
            member.attempts.append(record.attempt)
            self._by_attempt[record.attempt] = member
        if any(r.attempt == record.attempt for r in member.records):
            return
        member.records.append(record)
        member.model = record.model
        member.status = record.outcome
        member.usage = None
        if record.text:
            member.restart_text(record.text)
        if record.outcome == "failed" and record.error is not None:
            member.note = f"{record.error.kind}: {record.error.message}"
        elif record.outcome == "cancelled":
            member.note = "cancelled" + (": its partial cost is counted" if record.cost_usd else "")
        member.touch()

    def _finish(self, result: RequestResult) -> None:
        if result.cached_text is not None:
            self.active = False  # the cache answered: the plan never ran
            self.version += 1
            return
        for record in result.attempts:
            self._record(record)
        cancelled = result.error is not None and result.error.kind is ErrorKind.CANCELLED
        for member in self.members.values():
            if member.running:
                member.status = "cancelled" if cancelled else "failed"
                member.touch()
            elif member.status == "planned":
                member.status = "unused"
                member.note = "not called" if cancelled or result.error else "not needed"
                member.touch()
        final = result.final if result.error is None else None
        if final is not None:
            winner = self._by_attempt.get(final.attempt)
            if winner is not None:
                winner.winner = True
                winner.touch()
        self.finished = True
        self.version += 1

    # -- what is shown --------------------------------------------------
    def tokens(self, member: MemberState) -> tuple[int, int, bool]:
        """Input and output tokens of every attempt of the member, and whether
        any figure is our own estimate."""
        inp = sum(r.input_tokens for r in member.records)
        out = sum(r.output_tokens for r in member.records)
        estimated = any(r.usage_source == "estimate" for r in member.records)
        if member.running:
            if member.usage is not None:
                inp, out = inp + member.usage[0], out + member.usage[1]
            elif member.parts:
                inp, out = inp + self.input_estimate, out + member.live_output_tokens(self.counter)
                estimated = True
        return inp, out, estimated

    def cost(self, member: MemberState) -> float:
        spent = sum(r.cost_usd for r in member.records)
        if member.running:
            spec = self.catalog.models.get(member.model)
            if spec is not None:
                recorded_in = sum(r.input_tokens for r in member.records)
                recorded_out = sum(r.output_tokens for r in member.records)
                inp, out, _ = self.tokens(member)
                spent += cost_usd(spec, inp - recorded_in, out - recorded_out)
        return spent

    @property
    def winner(self) -> MemberState | None:
        return next((m for m in self.members.values() if m.winner), None)

    @property
    def cancelled_cost(self) -> float:
        """What cancelled calls (race losers) spent before they were stopped."""
        return sum(r.cost_usd for m in self.members.values() for r in m.records if r.outcome == "cancelled")
