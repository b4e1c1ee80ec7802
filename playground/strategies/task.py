"""Classify the request's task with ordered regex rules and route each task
type to its model. The first matching rule wins; rules are editable.

The default rules match whole words (`\\b...\\b`) and leave out words that
are as common outside their task as in it ("class", "method", "character"):
a word problem about a dance class is not code, and an ethics question about
"the main character" is not creative writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from playground.core.decision import Candidate, Decision
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import resolve_rows
from playground.strategies.features import BatchDecision, FeatureInput, FeatureTable, feature
from playground.strategies.params import Kind, ModelId, ParamProblem, Params, catalog_of, parse_json
from playground.strategies.route_plan import RoutePlan

DEFAULT_RULES: tuple[dict[str, str], ...] = (
    {
        "task": "code",
        "pattern": r"```|\b(code|coding|function|bugs?|debug|debugging|python|javascript|typescript|rust|golang|sql|"
        r"regex|compile[rd]?|stack ?trace|refactor|unit tests?|api|endpoint)\b|\bclass\s+\w+\s*[:(]",
        "model": "claude-sonnet-4-5",
    },
    {
        "task": "math",
        "pattern": r"\b(prove|integral|derivative|equation|theorem|probability|calculate|solve|matrix|percent|"
        r"percentage|average)\b|\d+\s*%|\d\s*[+*/^×÷=]\s*\d|\d\s+-\s+\d",
        "model": "gpt-5-1",
    },
    {
        "task": "creative",
        "pattern": r"\b(poem|poetry|story|stories|haiku|lyrics|slogan|fiction|fictional|screenplay|"
        r"limerick|sonnet)\b|\bcharacter (arc|sketch)\b",
        "model": "gpt-4o",
    },
    {
        "task": "summarize",
        "pattern": r"\b(summari[sz]e|summary|tl;?dr|key points|condense)\b",
        "model": "claude-haiku-4-5",
    },
    {
        "task": "translate",
        "pattern": r"\b(translate|translation)\b|\bin (french|spanish|german|japanese|chinese|italian)\b",
        "model": "gpt-5-mini",
    },
)
_DEFAULT_FLAGS = re.IGNORECASE


class TaskRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    task: str
    pattern: str
    model: str


def _rules_shape(raw: Any) -> Any:
    """JSON text or a list, of objects with task, pattern and model."""
    raw = parse_json(raw)
    if not isinstance(raw, list):
        raise ParamProblem("expected a list of {task, pattern, model} objects")
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, TaskRule) and (
            not isinstance(item, dict) or not {"task", "pattern", "model"} <= item.keys()
        ):
            raise ParamProblem(f"needs the keys task, pattern and model, got {item!r}", at=f"[{index}]")
    return raw


def _rules_valid(rules: list[TaskRule], info: ValidationInfo) -> list[TaskRule]:
    catalog = catalog_of(info)
    for index, rule in enumerate(rules, start=1):
        at = f"[{index}] ({rule.task})"
        if catalog is not None and rule.model not in catalog.models:
            raise ParamProblem(f"unknown model {rule.model!r}", at=at)
        try:
            re.compile(rule.pattern)
        except re.error as exc:
            raise ParamProblem(f"invalid regular expression: {exc}", at=at) from None
    return rules


Rules = Annotated[list[TaskRule], Kind("rules"), BeforeValidator(_rules_shape), AfterValidator(_rules_valid)]


class TaskParams(Params):
    rules: Rules = Field(default_factory=lambda: [TaskRule(**r) for r in DEFAULT_RULES],
                         description="Ordered rules {task, pattern (regex), model}; first match wins.")
    default_model: ModelId = Field("gpt-5-mini", description="Model when no rule matches (general chat).")
    case_sensitive: bool = Field(False, description="Match patterns case-sensitively.")


@dataclass(frozen=True, slots=True)
class Rule:
    task: str
    pattern: re.Pattern[str]
    model: str


def first_match(rules: tuple[Rule, ...], prompt: str) -> int:
    """Index of the first rule whose pattern is found in the prompt, or -1."""
    for index, rule in enumerate(rules):
        if rule.pattern.search(prompt):
            return index
    return -1


_DEFAULT_COMPILED = tuple(Rule(r["task"], re.compile(r["pattern"], _DEFAULT_FLAGS), r["model"]) for r in DEFAULT_RULES)


@feature("task_label", "Index of the first default task rule that matches the prompt (-1: none), case-insensitive.")
def _task_label(data: FeatureInput) -> np.ndarray:
    return np.array([first_match(_DEFAULT_COMPILED, p) for p in data.prompts], dtype=np.int16)


class TaskStrategy(Strategy[TaskParams]):
    name = "task"
    summary = ("Classifies the task (code, math, creative, summarize, translate...) by ordered regex rules; each task "
               "has a model.")
    features = ("task_label",)

    def setup(self) -> None:
        flags = 0 if self.p.case_sensitive else re.IGNORECASE
        self._rules = tuple(Rule(r.task, re.compile(r.pattern, flags), r.model) for r in self.p.rules)
        self._key = (tuple(r.pattern for r in self.p.rules), flags)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        prompt = route.prompt
        candidates: list[Candidate] = []
        chosen: int | None = None
        matched_text = ""
        for index, rule in enumerate(self._rules):
            if chosen is None:
                match = rule.pattern.search(prompt)
                if match:
                    chosen, matched_text = index, match.group(0)
                    candidates.append(
                        Candidate(rule.model, accepted=True, note=f"{rule.task}: matched {matched_text!r}")
                    )
                    continue
                candidates.append(Candidate(rule.model, accepted=False, note=f"{rule.task}: no match"))
            else:
                candidates.append(
                    Candidate(rule.model, accepted=False, note=f"{rule.task}: not checked (earlier rule won)")
                )
        if chosen is None:
            task, wanted, why, matched_rule = "general", self.p.default_model, "no rule matched", None
        else:
            rule = self._rules[chosen]
            task, wanted = rule.task, rule.model
            why = f"matched {matched_text.strip()!r}"  # which rule: details["rule"]
            matched_rule = {"index": chosen + 1, "task": rule.task, "pattern": rule.pattern.pattern}
        model, note = ctx.resolve(wanted, route)
        reason = f"task '{task}' ({why}) → {wanted}" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=tuple(candidates),
            details={"task": task, "matched": matched_text or None, "rule": matched_rule, "substitution": note or None},
        )

    def first_matches(self, table: FeatureTable) -> np.ndarray:
        """The first matching rule of every row (-1: none): the cached feature
        when the patterns are the default ones, else computed once per table."""
        if self._key == (tuple(r["pattern"] for r in DEFAULT_RULES), _DEFAULT_FLAGS):
            return table.feature("task_label")
        return table.derived(("task.first_match", self._key),
                             lambda: np.array([first_match(self._rules, p) for p in table.prompts], dtype=np.int16))

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        targets = [r.model for r in self._rules] + [self.p.default_model]
        matches = self.first_matches(table)
        return resolve_rows(table, ctx, targets, np.where(matches < 0, len(targets) - 1, matches))

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        branches = [(r.task, r.model) for r in self.p.rules]
        plan = RoutePlan(self.name, "conditional", "playground-task", self.p.default_model, label_key="task",
                         branches=branches)
        plan.caveats.append(f"task: the {len(branches)} regex rules that classify the prompt cannot be expressed; the "
                            "caller must classify the request and send the task label")
        return plan
