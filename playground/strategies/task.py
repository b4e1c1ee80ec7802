"""Classify the request's task with ordered regex rules and route each task
type to its model. The first matching rule wins; rules are editable."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

DEFAULT_RULES: tuple[dict[str, str], ...] = (
    {
        "task": "code",
        "pattern": r"```|\b(code|function|bug|debug|python|javascript|typescript|rust|golang|sql|regex|compile[rd]?|"
        r"stack ?trace|refactor|unit tests?|api|class|method)\b",
        "model": "claude-sonnet-4-5",
    },
    {
        "task": "math",
        "pattern": r"\b(prove|integral|derivative|equation|theorem|probability|calculate|solve|matrix)\b|\d\s*[-+*/^]\s*\d",
        "model": "gpt-5-1",
    },
    {"task": "creative", "pattern": r"\b(poem|story|haiku|lyrics|slogan|fiction|character|screenplay|limerick)\b", "model": "gpt-4o"},
    {"task": "summarize", "pattern": r"\b(summari[sz]e|summary|tl;?dr|key points|condense)\b", "model": "claude-haiku-4-5"},
    {"task": "translate", "pattern": r"\b(translate|translation)\b|\bin (french|spanish|german|japanese|chinese|italian)\b", "model": "gpt-5-mini"},
)


@dataclass(frozen=True, slots=True)
class Rule:
    task: str
    pattern: re.Pattern[str]
    model: str


def parse_rules(raw: Any, catalog_models: set[str] | frozenset[str], case_sensitive: bool = False) -> tuple[Rule, ...]:
    """Accept a list of {task, pattern, model} dicts or its JSON text, and
    compile it; errors name the rule and the field."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UserError(f"task.rules: not valid JSON ({exc.msg} at column {exc.colno}); expected a list of "
                            '{"task": ..., "pattern": ..., "model": ...}') from None
    if not isinstance(raw, list):
        raise UserError("task.rules: expected a list of {task, pattern, model} objects")
    flags = 0 if case_sensitive else re.IGNORECASE
    rules = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not {"task", "pattern", "model"} <= item.keys():
            raise UserError(f"task.rules[{index}]: needs the keys task, pattern and model, got {item!r}")
        if item["model"] not in catalog_models:
            raise UserError(f"task.rules[{index}] ({item['task']}): unknown model {item['model']!r}")
        try:
            pattern = re.compile(item["pattern"], flags)
        except re.error as exc:
            raise UserError(f"task.rules[{index}] ({item['task']}): invalid regular expression: {exc}") from None
        rules.append(Rule(str(item["task"]), pattern, str(item["model"])))
    return tuple(rules)


class TaskStrategy(Strategy):
    name = "task"
    summary = "Classifies the task (code, math, creative, summarize, translate...) by ordered regex rules; each task has a model."
    params = (
        Param("rules", "rules", [dict(r) for r in DEFAULT_RULES], "Ordered rules {task, pattern (regex), model}; first match wins."),
        Param("default_model", "model", "gpt-5-mini", "Model when no rule matches (general chat)."),
        Param("case_sensitive", "bool", False, "Match patterns case-sensitively."),
    )

    def validate(self) -> None:
        self._rules = parse_rules(self.values["rules"], frozenset(self.catalog.models), self.values["case_sensitive"])

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        prompt = route.prompt
        candidates: list[Candidate] = []
        chosen: Rule | None = None
        matched_text = ""
        for rule in self._rules:
            if chosen is None:
                match = rule.pattern.search(prompt)
                if match:
                    chosen, matched_text = rule, match.group(0)
                    candidates.append(Candidate(rule.model, accepted=True, note=f"{rule.task}: matched {matched_text!r}"))
                    continue
                candidates.append(Candidate(rule.model, accepted=False, note=f"{rule.task}: no match"))
            else:
                candidates.append(Candidate(rule.model, accepted=False, note=f"{rule.task}: not checked (earlier rule won)"))
        task = chosen.task if chosen else "general"
        wanted = chosen.model if chosen else self.values["default_model"]
        model, note = ctx.resolve(wanted, route)
        why = f"matched {matched_text.strip()!r}" if chosen else "no rule matched"
        reason = f"task '{task}' ({why}) → {wanted}" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=tuple(candidates),
            details={"task": task, "matched": matched_text or None, "substitution": note or None},
        )
