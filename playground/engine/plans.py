"""Executors for multi-call plans: ensembles, cascade and LLM-as-router.

Every call goes through `PlanRun.answer` (the request runner), so judge,
router and member calls are ordinary attempts: retried, breaker-guarded,
falling back, timed and costed, sharing the request's single budget.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, assert_never

from playground.core import roles
from playground.core.decision import CascadePlan, EnsemblePlan, PipelinePlan, Plan, RouterPlan
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import AttemptRecord, Verdict
from playground.core.messages import ChatRequest
from playground.core.roles import CallRole
from playground.engine import checks
from playground.engine.answer import Answer
from playground.engine.pipeline import run_pipeline
from playground.strategies.base import RouteInput, RoutingContext


class PlanRun(Protocol):
    """What a plan executor needs from the request it runs in."""

    @property
    def request(self) -> ChatRequest: ...

    async def answer(self, route: RouteInput, plan: Sequence[str], *, role: CallRole = ...,
                     request: ChatRequest | None = None) -> Answer: ...

    def verdict(self, verdict: Verdict) -> None: ...

    def with_fallbacks(self, model_id: str) -> list[str]: ...

    def context_for(self, request: ChatRequest, route: RouteInput | None = None) -> RoutingContext: ...


JUDGE_BEST_TEMPLATE = (
    "You are judging answers to a user's request.\n\nRequest:\n{prompt}\n\n{answers}\n\n"
    "Which answer is best? Reply with the answer's number only."
)
JUDGE_SCORE_TEMPLATE = (
    "Rate how well the answer below serves the request, on a scale of 1 to 10.\n\nRequest:\n{prompt}\n\n"
    "Answer:\n{answer}\n\nReply with the number only."
)
JUDGE_MAX_TOKENS = 16


async def execute_plan(run: PlanRun, route: RouteInput, plan: Plan) -> Answer:
    match plan:
        case EnsemblePlan(mode="race"):
            return await _race(run, route, plan)
        case EnsemblePlan():
            return await _fan_out(run, route, plan)
        case CascadePlan():
            return await _cascade(run, route, plan)
        case RouterPlan():
            return await _route_by_llm(run, route, plan)
        case PipelinePlan():
            return await run_pipeline(run, route, plan)
        case _:
            assert_never(plan)


def _side_request(prompt: str, max_tokens: int) -> ChatRequest:
    return ChatRequest.from_prompt(prompt, max_output_tokens=max_tokens)


async def _members(run: PlanRun, route: RouteInput, members: tuple[str, ...]) -> list[Answer]:
    return list(await asyncio.gather(*(run.answer(route, [m], role=roles.member(i))
                                       for i, m in enumerate(members, start=1))))


def _failure(answers: list[Answer], what: str) -> Answer:
    errors = [a.error for a in answers if a.error is not None]
    first = errors[0] if errors else None
    message = f"{what}: " + "; ".join(e.message for e in errors) if errors else what
    return Answer(None, ProviderError(first.kind if first else ErrorKind.NO_MODEL, message))


async def _fan_out(run: PlanRun, route: RouteInput, plan: EnsemblePlan) -> Answer:
    answers = await _members(run, route, plan.members)
    ok = [a for a in answers if a.record is not None]
    failed = len(answers) - len(ok)
    if not ok:
        return _failure(answers, "every ensemble member failed")
    if plan.mode == "vote":
        return _vote(run, ok, failed)
    if plan.mode == "best_of":
        return await _judge_best(run, route, plan, ok, failed)
    return await _consensus(run, route, plan, ok, failed)


def _tally(ok: list[Answer]) -> tuple[Counter[str], dict[str, AttemptRecord]]:
    votes: Counter[str] = Counter()
    first_for: dict[str, AttemptRecord] = {}
    for answer in ok:
        assert answer.record is not None
        key = checks.normalize_short_answer(answer.record.text)
        votes[key] += 1
        first_for.setdefault(key, answer.record)
    return votes, first_for


def _vote(run: PlanRun, ok: list[Answer], failed: int) -> Answer:
    votes, first_for = _tally(ok)
    winner, count = votes.most_common(1)[0]
    tied = [k for k, c in votes.items() if c == count]
    record = first_for[tied[0]]
    tie = f"; tie between {len(tied)} answers, first answer wins" if len(tied) > 1 else ""
    lost = f" ({failed} member(s) failed)" if failed else ""
    run.verdict(Verdict("vote", f"{count} of {len(ok)} voted {winner!r}{tie}{lost}",
                        passed=True, model=record.model, details={"votes": dict(votes), "failed_members": failed}))
    return Answer(record, None)


async def _judge_best(run: PlanRun, route: RouteInput, plan: EnsemblePlan, ok: list[Answer], failed: int) -> Answer:
    records = [a.record for a in ok if a.record is not None]
    if len(records) == 1 or plan.judge is None:
        run.verdict(Verdict("judge", "only one member answered: nothing to judge", passed=True, model=records[0].model))
        return Answer(records[0], None)
    listing = "\n\n".join(f"Answer {i}:\n{r.text}" for i, r in enumerate(records, start=1))
    request = _side_request(JUDGE_BEST_TEMPLATE.format(prompt=route.prompt, answers=listing), JUDGE_MAX_TOKENS)
    judged = await run.answer(route, run.with_fallbacks(plan.judge), role=roles.JUDGE, request=request)
    if judged.record is None:
        why = judged.error.message if judged.error else "?"
        run.verdict(Verdict("judge", f"judge failed ({why}); first answer kept",
                            passed=False, model=records[0].model))
        return Answer(records[0], None)
    pick = checks.parse_choice(judged.record.text, len(records))
    if pick is None:
        run.verdict(Verdict("judge", f"judge reply unparsable ({judged.record.text[:40]!r}); first answer kept",
                            passed=False, model=records[0].model))
        return Answer(records[0], None)
    chosen = records[pick - 1]
    summary = f"{judged.record.model} picked answer {pick} of {len(records)} ({chosen.model})"
    run.verdict(Verdict("judge", summary, passed=True,
                        model=chosen.model, details={"pick": pick, "failed_members": failed}))
    return Answer(chosen, None)


async def _consensus(run: PlanRun, route: RouteInput, plan: EnsemblePlan, ok: list[Answer], failed: int) -> Answer:
    votes, first_for = _tally(ok)
    winner, count = votes.most_common(1)[0]
    share = count / len(plan.members)
    if share >= plan.agreement:
        run.verdict(Verdict("consensus", f"{count} of {len(plan.members)} agree on {winner!r} (≥ {plan.agreement:.0%})",
                            passed=True, model=first_for[winner].model, details={"votes": dict(votes)}))
        return Answer(first_for[winner], None)
    run.verdict(Verdict("consensus", f"no consensus ({count} of {len(plan.members)} < {plan.agreement:.0%}); "
                        f"escalating to {plan.escalate_to}", passed=False, details={"votes": dict(votes)}))
    if plan.escalate_to is None:
        return Answer(first_for[winner], None)
    return await run.answer(route, run.with_fallbacks(plan.escalate_to), role=roles.ESCALATION)


def by_finish_time(finished: list[tuple[Answer, float]]) -> tuple[list[Answer], list[Answer]]:
    """(successes, failures), earliest first. Several members can finish
    between two wake-ups of the race; the first to finish wins, not set order."""
    ordered = [answer for answer, _ in sorted(finished, key=lambda pair: pair[1])]
    return [a for a in ordered if a.record is not None], [a for a in ordered if a.record is None]


async def _race(run: PlanRun, route: RouteInput, plan: EnsemblePlan) -> Answer:
    loop = asyncio.get_running_loop()

    async def timed(index: int, model: str) -> tuple[Answer, float]:
        answer = await run.answer(route, [model], role=roles.member(index))
        return answer, loop.time()

    tasks = {asyncio.create_task(timed(i, m)): m for i, m in enumerate(plan.members, start=1)}
    pending = set(tasks)
    failures: list[Answer] = []
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            winners, failed = by_finish_time([task.result() for task in done])
            failures += failed
            if winners:
                answer = winners[0]
                first = answer.record
                assert first is not None
                losers = [tasks[t] for t in pending]
                also = [a.record.model for a in winners[1:] if a.record is not None]
                summary = f"{first.model} answered first; cancelled {', '.join(losers) or 'none'}"
                if also:
                    summary += f"; also finished: {', '.join(also)}"
                run.verdict(Verdict("race", summary, passed=True, model=first.model,
                                    details={"cancelled": losers, "also_finished": also}))
                return answer
        return _failure(failures, "every racing member failed")
    finally:
        for task in pending:
            task.cancel()
        # Let the losers record their cancelled attempts (and partial cost).
        await asyncio.gather(*pending, return_exceptions=True)


async def _cascade(run: PlanRun, route: RouteInput, plan: CascadePlan) -> Answer:
    last: Answer | None = None
    for position, model in enumerate(plan.tiers, start=1):
        final_tier = position == len(plan.tiers)
        answer = await run.answer(route, [model], role=roles.tier(position),
                                  request=replace(run.request, logprobs=True))
        if answer.record is None:
            run.verdict(Verdict(f"tier {position}", f"{model} failed: {answer.error.message if answer.error else '?'}",
                                passed=False, model=model))
            last = answer
            continue
        results = await _run_checks(run, route, plan, answer.record)
        passed = all(r.passed is not False for r in results)
        failed_names = [r.name for r in results if r.passed is False]
        summary = (f"{model}: accepted" if passed else f"{model}: rejected ({', '.join(failed_names)})") + (
            "" if passed or not final_tier else "; last tier, answer kept")
        run.verdict(Verdict(f"tier {position}", summary, passed=passed, model=model,
                            details={"checks": [r.to_dict() for r in results]}))
        if passed or final_tier:
            return answer
        last = answer
    return last if last is not None else _failure([], "cascade has no tiers")


async def _run_checks(run: PlanRun, route: RouteInput, plan: CascadePlan,
                      record: AttemptRecord) -> list[checks.CheckResult]:
    results: list[checks.CheckResult] = []
    for spec in plan.checks:
        kind = spec["type"]
        if kind == "min_length":
            results.append(checks.check_min_length(record.text, int(spec.get("chars", 80))))
        elif kind == "no_hedging":
            results.append(checks.check_no_hedging(record.text))
        elif kind == "code_block":
            results.append(checks.check_code_block(record.text, route.prompt))
        elif kind == "json":
            results.append(checks.check_json(record.text, spec.get("schema")))
        elif kind == "confidence":
            results.append(checks.check_confidence(record.mean_logprob, float(spec.get("min_mean_logprob", -1.0))))
        elif kind == "judge" and plan.judge:
            prompt = JUDGE_SCORE_TEMPLATE.format(prompt=route.prompt, answer=record.text)
            request = _side_request(prompt, JUDGE_MAX_TOKENS)
            judged = await run.answer(route, run.with_fallbacks(plan.judge), role=roles.JUDGE, request=request)
            why = judged.error.message if judged.error else "?"
            raw = judged.record.text if judged.record else f"(judge failed: {why})"
            score = checks.parse_score(raw) if judged.record else None
            results.append(checks.check_judge(score, float(spec.get("min_score", 7)), raw))
    return results


async def _route_by_llm(run: PlanRun, route: RouteInput, plan: RouterPlan) -> Answer:
    labels = [label for label, _ in plan.routes]
    prompt = plan.prompt_template.replace("{labels}", ", ".join(labels)).replace("{prompt}", route.prompt)
    classified = await run.answer(route, run.with_fallbacks(plan.router_model), role=roles.ROUTER,
                                  request=_side_request(prompt, 16))
    routes = dict(plan.routes)
    if classified.record is None:
        why = classified.error.message if classified.error else "?"
        target, summary = plan.default_model, f"router failed ({why}); default {plan.default_model}"
        label = None
    else:
        label = checks.parse_label(classified.record.text, labels)
        if label is None:
            target = plan.default_model
            summary = f"router said {classified.record.text.strip()[:40]!r}: no known label; default {target}"
        else:
            target = routes[label]
            summary = f"{classified.record.model} labelled it {label!r} → {target}"
    run.verdict(Verdict("router", summary, passed=label is not None, model=target,
                        details={"label": label, "raw": classified.record.text if classified.record else None}))
    return await run.answer(route, run.with_fallbacks(target), role=roles.ROUTED)
