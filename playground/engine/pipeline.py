"""Running a pipeline plan: each step in order, as its own engine call (its
own retries, fallbacks down its model's chain, breaker, cost and trace),
with a `Verdict` per step saying what ran, on which model, or why it was
skipped. A failed step fails the pipeline naming the step, unless it
declares a fallback output."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playground.core import roles
from playground.core.decision import PipelinePlan, PipelineStep
from playground.core.errors import NoRoute, ProviderError, UserError
from playground.core.events import Verdict
from playground.core.tokens import default_counter
from playground.engine.answer import Answer
from playground.strategies.base import RouteInput, decide_within_needs
from playground.strategies.pipeline import PLACEHOLDER, answering_step, step_request, step_strategy

if TYPE_CHECKING:
    from playground.engine.plans import PlanRun


def render(template: str, prompt: str, outputs: dict[str, str]) -> str:
    """The step's prompt: `{prompt}` and earlier outputs filled in (a step
    that was skipped reads as empty)."""
    return PLACEHOLDER.sub(lambda m: prompt if m.group(1) == "prompt" else outputs.get(m.group(1), ""), template)


def should_run(step: PipelineStep, outputs: dict[str, str]) -> bool:
    if step.when is None:
        return True
    found = re.search(step.matches, outputs.get(step.when, ""), re.IGNORECASE) is not None
    return found != step.negate


async def run_pipeline(run: PlanRun, route: RouteInput, plan: PipelinePlan) -> Answer:
    outputs: dict[str, str] = {}
    answers: dict[str, Answer] = {}
    answering = answering_step(plan.steps, plan.final_step)
    for index, step in enumerate(plan.steps, start=1):
        if not should_run(step, outputs):
            condition = f"{step.when} {'does not match' if not step.negate else 'matches'} {step.matches!r}"
            run.verdict(Verdict("step", f"{step.name}: skipped ({condition})", passed=None,
                                details={"step": step.name, "index": index, "skipped": True}))
            continue
        prompt = render(step.template, route.prompt, outputs)
        step_route = RouteInput.measure(step_request(step, answering, run.request, prompt), default_counter())
        try:
            model = step.model or _pick(run, step, step_route)
        except UserError as exc:
            answer = Answer(None, ProviderError(exc.kind if isinstance(exc, NoRoute) else NoRoute.kind, str(exc)))
        else:
            answer = await run.answer(step_route, run.with_fallbacks(model), role=roles.step(index),
                                      request=step_route.request)
        record = answer.record
        if record is None:
            why = answer.error.message if answer.error else "no answer"
            if step.fallback_output is None:
                run.verdict(Verdict("step", f"{step.name}: failed ({why})", passed=False,
                                    details={"step": step.name, "index": index}))
                kind = answer.error.kind if answer.error else NoRoute.kind
                return Answer(None, ProviderError(kind, f"pipeline step {step.name!r} failed: {why}"))
            outputs[step.name] = step.fallback_output
            run.verdict(Verdict("step", f"{step.name}: failed ({why}); using its fallback output", passed=False,
                                details={"step": step.name, "index": index, "fallback_output": True}))
            continue
        outputs[step.name] = record.text
        answers[step.name] = answer
        run.verdict(Verdict("step", f"{step.name}: {record.model}, {record.output_tokens} tokens, "
                                    f"${record.cost_usd:.6f}", passed=True, model=record.model,
                            details={"step": step.name, "index": index, "attempt": record.attempt,
                                     "cost_usd": record.cost_usd, "latency_ms": record.latency_ms,
                                     "prompt": prompt, "images": len(step_route.request.images)}))
    final = answers.get(plan.final_step) if plan.final_step else None
    if final is None and answers:
        final = answers[list(answers)[-1]]  # the last step that gave an answer
    if final is None:
        return Answer(None, ProviderError(NoRoute.kind, "pipeline: no step gave an answer (all used fallback "
                                                        "outputs or were skipped)"))
    return final


def _pick(run: PlanRun, step: PipelineStep, step_route: RouteInput) -> str:
    """The step's model as its routing strategy (with the step's own
    parameters) decides for the step's own request."""
    context = run.context_for(step_route.request, step_route)
    decision, _ = decide_within_needs(step_strategy(step, context.catalog), step_route, context)
    return decision.model
