"""Live preview of a strategy's routing over a prompt set, without calling any
model: which model each prompt goes to (share of calls per model) and what
1,000 such requests would cost.

Prompts are measured once (`PreviewInputs`: token counts, the complexity
score behind the output estimate, embeddings on demand); a change of a
parameter only reruns `decide` (pure and cheap), so a full preview over a
few dozen prompts takes about a millisecond.

How cost is estimated (every figure is labelled "est."):
- input tokens are measured (tiktoken, or the counter's labelled estimate);
- output tokens are estimated: `EST_OUTPUT_BASE + EST_OUTPUT_SPAN * complexity`
  (the complexity strategy's 0..1 score of the prompt, so "hi!" ≈ 120 and a
  design question ≈ 500-1,000), capped at the request's and the model's
  `max_output_tokens`;
- multi-call plans count every planned call:
  ensemble vote/best_of: every member, plus the judge for best_of (it reads
  the prompt and every member's answer and replies with a few tokens);
  ensemble consensus: every member; the escalation happens only on
  disagreement, so the figure is a lower bound ("≥");
  ensemble race: every member's input plus the cheapest member's answer
  (cancelled losers' partial output is not counted): a lower bound ("≥");
  cascade: the first tier (and its judge call, if a judge is set) — later
  tiers run only when checks fail, so a lower bound ("≥");
  llmrouter: the router's classification call plus the answer of the model
  its label picks; the label is estimated from the complexity score (labels
  in their declared order split 0..0.75 evenly: for three labels the cut
  points are the complexity strategy's default 0.25 and 0.5), since only a
  model call could say it;
  learned: the prompt's embedding (a costed call, counted in cost but not as
  a model call) and the chosen model. The preview embeds with the
  simulator's deterministic `embed_text`, the vectors the built-in router
  was trained on.
- retries and fallbacks are not counted (the preview assumes success).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from playground.core.catalog import Catalog
from playground.core.decision import CascadePlan, Decision, EnsemblePlan, RouterPlan
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import CHARS_PER_TOKEN, TokenCounter
from playground.engine.plans import JUDGE_BEST_TEMPLATE, JUDGE_SCORE_TEMPLATE
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.complexity import complexity_score

EST_OUTPUT_BASE = 120
EST_OUTPUT_SPAN = 880
# Replies of classification calls (a label) and their max_tokens in the engine.
ROUTER_REPLY_TOKENS = 4
JUDGE_REPLY_TOKENS = 4
# llmrouter: the complexity range its labels split evenly (see above).
LABEL_SPAN = 0.75
EMBEDDING_ROLE = "embedding"


def expected_output_tokens(prompt: str, input_tokens: int, max_output_tokens: int) -> tuple[int, float]:
    """(estimated answer length, complexity score) for a prompt."""
    score = complexity_score(prompt, input_tokens)
    return min(max_output_tokens, EST_OUTPUT_BASE + round(EST_OUTPUT_SPAN * score)), score


def _template_tokens(template: str) -> int:
    """Tokens a side-request template adds around the prompt (estimated)."""
    bare = template
    for slot in ("{prompt}", "{answers}", "{answer}", "{labels}"):
        bare = bare.replace(slot, "")
    return math.ceil(len(bare) / CHARS_PER_TOKEN)


_JUDGE_BEST_OVERHEAD = _template_tokens(JUDGE_BEST_TEMPLATE)
_JUDGE_SCORE_OVERHEAD = _template_tokens(JUDGE_SCORE_TEMPLATE)
# "Answer 3:\n" headers around each member's answer in the judge's prompt.
_PER_ANSWER_OVERHEAD = 5


@dataclass(frozen=True, slots=True)
class PreviewPrompt:
    """One prompt measured for previews."""

    route: RouteInput
    output_tokens: int  # estimated answer length
    complexity: float

    @property
    def prompt(self) -> str:
        return self.route.prompt


def measure_prompt(prompt: str, counter: TokenCounter, max_output_tokens: int = 1024) -> PreviewPrompt:
    route = RouteInput.measure(ChatRequest.from_prompt(prompt, max_output_tokens=max_output_tokens), counter)
    output, score = expected_output_tokens(prompt, route.input_tokens, max_output_tokens)
    return PreviewPrompt(route, output, score)


class PreviewInputs:
    """A prompt set measured once. Embeddings (for strategies that need one)
    are computed on first use per (model, dimensions) and kept."""

    def __init__(self, items: Sequence[PreviewPrompt], label: str = "") -> None:
        self.items = tuple(items)
        self.label = label
        self._embedded: dict[tuple[str, int | None], tuple[PreviewPrompt, ...]] = {}

    @classmethod
    def measure(cls, prompts: Iterable[str], counter: TokenCounter, *, label: str = "",
                max_output_tokens: int = 1024) -> PreviewInputs:
        return cls([measure_prompt(p, counter, max_output_tokens) for p in prompts], label)

    def __len__(self) -> int:
        return len(self.items)

    def for_strategy(self, strategy: Strategy) -> tuple[PreviewPrompt, ...]:
        if not strategy.needs_embedding:
            return self.items
        key = strategy.embedding_request
        if key not in self._embedded:
            self._embedded[key] = tuple(with_embedding(item, key[1]) for item in self.items)
        return self._embedded[key]


def with_embedding(item: PreviewPrompt, dimensions: int | None) -> PreviewPrompt:
    """The item with the simulator's deterministic embedding of its prompt."""
    from playground.sim.embeddings import embed_text

    vector = np.asarray(embed_text(item.prompt, dimensions or 1536), dtype=np.float32)
    return replace(item, route=replace(item.route, embedding=vector))


@dataclass(frozen=True, slots=True)
class PlannedCall:
    model: str
    role: str
    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True, slots=True)
class Pick:
    """What a strategy would do with one prompt."""

    strategy: str
    model: str | None
    reason: str
    calls: tuple[PlannedCall, ...] = ()
    cost_usd: float = 0.0
    # The plan may make more calls than counted (cascade, consensus, race).
    lower_bound: bool = False
    error: str | None = None

    @property
    def models(self) -> list[str]:
        """The models called, in plan order, without the embedding."""
        return list(dict.fromkeys(c.model for c in self.calls if c.role != EMBEDDING_ROLE))


class _Coster:
    """Per-call cost with the catalog's prices looked up once."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._prices: dict[str, tuple[float, float, int]] = {
            m.id: (m.input_per_mtok / 1e6, m.output_per_mtok / 1e6, m.max_output_tokens) for m in catalog.models.values()
        }

    def call(self, model: str, role: str, input_tokens: int, output_tokens: int) -> PlannedCall:
        in_price, out_price, max_out = self._prices.get(model) or self._load(model)
        output = min(output_tokens, max_out)
        return PlannedCall(model, role, input_tokens, output, input_tokens * in_price + output * out_price)

    def _load(self, model: str) -> tuple[float, float, int]:
        spec = self.catalog.get(model)
        self._prices[model] = (spec.input_per_mtok / 1e6, spec.output_per_mtok / 1e6, spec.max_output_tokens)
        return self._prices[model]

    def embedding(self, model: str, input_tokens: int) -> PlannedCall | None:
        spec = self.catalog.embedding_models.get(model)
        if spec is None:
            return None
        return PlannedCall(spec.id, EMBEDDING_ROLE, input_tokens, 0, input_tokens * spec.input_per_mtok / 1e6)


def planned_calls(decision: Decision, item: PreviewPrompt, coster: _Coster) -> tuple[list[PlannedCall], bool]:
    """Every call the decision plans for this prompt, and whether the list is
    a lower bound (calls that happen only on failure or disagreement)."""
    tokens, output = item.route.input_tokens, item.output_tokens
    plan = decision.plan
    if plan is None:
        return [coster.call(decision.model, "answer", tokens, output)], False
    if isinstance(plan, EnsemblePlan):
        members = [coster.call(m, "member", tokens, output) for m in plan.members]
        if plan.mode == "race":
            cheapest = min(members, key=lambda c: c.cost_usd)
            calls = [c if c is cheapest else coster.call(c.model, "member", tokens, 0) for c in members]
            return calls, True
        if plan.mode == "best_of" and plan.judge:
            judge_in = (tokens + _JUDGE_BEST_OVERHEAD
                        + sum(c.output_tokens + _PER_ANSWER_OVERHEAD for c in members))
            members.append(coster.call(plan.judge, "judge", judge_in, JUDGE_REPLY_TOKENS))
        return members, plan.mode == "consensus"
    if isinstance(plan, CascadePlan):
        first = coster.call(plan.tiers[0], "tier 1", tokens, output)
        calls = [first]
        if plan.judge:
            calls.append(coster.call(plan.judge, "judge", tokens + first.output_tokens + _JUDGE_SCORE_OVERHEAD,
                                     JUDGE_REPLY_TOKENS))
        return calls, len(plan.tiers) > 1
    if isinstance(plan, RouterPlan):
        labels = [model for _, model in plan.routes]
        router_in = tokens + _template_tokens(plan.prompt_template) + len(plan.routes) * 2
        index = min(len(labels) - 1, int(item.complexity / LABEL_SPAN * len(labels)))
        target = labels[index] if labels else plan.default_model
        return [coster.call(plan.router_model, "router", router_in, ROUTER_REPLY_TOKENS),
                coster.call(target, "answer", tokens, output)], False
    raise TypeError(f"unknown plan {plan!r}")


def pick(strategy: Strategy, ctx: RoutingContext, item: PreviewPrompt, coster: _Coster | None = None) -> Pick:
    """What `strategy` would do with one measured prompt (no model is called)."""
    coster = coster or _Coster(ctx.catalog)
    if strategy.needs_embedding and item.route.embedding is None:
        item = with_embedding(item, strategy.embedding_request[1])
    try:
        decision = strategy.decide(item.route, ctx)
    except UserError as exc:
        return Pick(strategy.name, None, str(exc), error=str(exc))
    calls, lower = planned_calls(decision, item, coster)
    if strategy.needs_embedding:
        embedding = coster.embedding(strategy.embedding_request[0], item.route.input_tokens)
        if embedding is not None:
            calls.insert(0, embedding)
    return Pick(strategy.name, decision.model, decision.reason, tuple(calls), sum(c.cost_usd for c in calls), lower)


@dataclass(frozen=True)
class PreviewResult:
    """A strategy over a prompt set."""

    strategy: str
    prompts: int
    flagship: str
    # Planned model calls per model (most called first).
    calls: dict[str, int] = field(default_factory=dict)
    cost_per_1k: float = 0.0
    lower_bound: bool = False
    errors: int = 0
    first_error: str | None = None

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def shares(self) -> dict[str, float]:
        """Each model's share of the planned calls (sums to 1; for strategies
        that make one call per request, the share of requests)."""
        total = self.total_calls
        return {m: n / total for m, n in self.calls.items()} if total else {}

    def share(self, model: str) -> float:
        total = self.total_calls
        return self.calls.get(model, 0) / total if total else 0.0

    @property
    def flagship_share(self) -> float:
        return self.share(self.flagship)

    @property
    def calls_per_request(self) -> float:
        answered = self.prompts - self.errors
        return self.total_calls / answered if answered else 0.0


def preview(strategy: Strategy, ctx: RoutingContext, inputs: PreviewInputs | Sequence[PreviewPrompt]) -> PreviewResult:
    """Route every prompt of the set with `strategy` and tally the planned calls.

    Give a fresh strategy instance: some strategies keep state between
    decisions (A/B tallies, a seeded random draw)."""
    items = inputs.for_strategy(strategy) if isinstance(inputs, PreviewInputs) else tuple(inputs)
    coster = _Coster(ctx.catalog)
    calls: dict[str, int] = {}
    cost = 0.0
    lower = False
    errors = 0
    first_error = None
    for item in items:
        result = pick(strategy, ctx, item, coster)
        if result.error is not None:
            errors += 1
            first_error = first_error or result.error
            continue
        lower = lower or result.lower_bound
        cost += result.cost_usd
        for call in result.calls:
            if call.role != EMBEDDING_ROLE:
                calls[call.model] = calls.get(call.model, 0) + 1
    answered = len(items) - errors
    ordered = dict(sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])))
    return PreviewResult(strategy.name, len(items), ctx.catalog.flagship, ordered,
                         cost / answered * 1000 if answered else 0.0, lower, errors, first_error)


@dataclass(frozen=True, slots=True)
class ShareRow:
    model: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


def compare_shares(before: PreviewResult | None, after: PreviewResult) -> list[ShareRow]:
    """Every model in either preview, most called (after) first."""
    old = before.shares if before is not None else {}
    new = after.shares
    models = list(new) + [m for m in old if m not in new]
    return [ShareRow(m, old.get(m, 0.0), new.get(m, 0.0)) for m in models]
