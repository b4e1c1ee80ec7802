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
- which calls a decision makes is the strategy's own rule
  (`Strategy.preview_calls`): one answer for a plain decision; ensembles,
  cascades and LLM routers count every planned call and say when the figure
  is a lower bound ("≥": calls that happen only on failure or disagreement);
- strategies that need the prompt's embedding add that (costed) call; the
  embedding comes from the `embed` function the preview is given, the one
  the app's session embeds with;
- retries and fallbacks are not counted (the preview assumes success).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.engine.plans import JUDGE_BEST_TEMPLATE, JUDGE_SCORE_TEMPLATE
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.complexity import complexity_score
from playground.strategies.costing import EMBEDDING_ROLE, JUDGE_BEST, JUDGE_SCORE, Coster, PlannedCall, PreviewPrompt

__all__ = ["EMBEDDING_ROLE", "EST_OUTPUT_BASE", "EST_OUTPUT_SPAN", "Embed", "Pick", "PlannedCall", "PreviewInputs",
           "PreviewPrompt", "PreviewResult", "ShareRow", "compare_shares", "expected_output_tokens", "make_coster",
           "measure_prompt", "pick", "preview", "with_embedding"]

EST_OUTPUT_BASE = 120
EST_OUTPUT_SPAN = 880
# (texts, embedding model id, dimensions or None for the model's default) ->
# one vector per text: what a strategy's `embedding_request` asks for.
Embed = Callable[[list[str], str, int | None], Sequence[Sequence[float]]]


def expected_output_tokens(prompt: str, input_tokens: int, max_output_tokens: int) -> tuple[int, float]:
    """(estimated answer length, complexity score) for a prompt."""
    score = complexity_score(prompt, input_tokens)
    return min(max_output_tokens, EST_OUTPUT_BASE + round(EST_OUTPUT_SPAN * score)), score


def make_coster(catalog: Catalog) -> Coster:
    """A coster that knows the engine's judge templates."""
    return Coster(catalog, {JUDGE_BEST: JUDGE_BEST_TEMPLATE, JUDGE_SCORE: JUDGE_SCORE_TEMPLATE})


def measure_prompt(prompt: str, counter: TokenCounter, max_output_tokens: int = 1024) -> PreviewPrompt:
    route = RouteInput.measure(ChatRequest.from_prompt(prompt, max_output_tokens=max_output_tokens), counter)
    output, score = expected_output_tokens(prompt, route.input_tokens, max_output_tokens)
    return PreviewPrompt(route, output, score)


class PreviewInputs:
    """A prompt set measured once. Embeddings (for strategies that need one)
    are computed with `embed` on first use per (model, dimensions) and kept."""

    def __init__(self, items: Sequence[PreviewPrompt], label: str = "", embed: Embed | None = None) -> None:
        self.items = tuple(items)
        self.label = label
        self.embed = embed
        self._embedded: dict[tuple[str, int | None], tuple[PreviewPrompt, ...]] = {}

    @classmethod
    def measure(cls, prompts: Iterable[str], counter: TokenCounter, *, label: str = "",
                max_output_tokens: int = 1024, embed: Embed | None = None) -> PreviewInputs:
        return cls([measure_prompt(p, counter, max_output_tokens) for p in prompts], label, embed)

    def __len__(self) -> int:
        return len(self.items)

    def for_strategy(self, strategy: Strategy) -> tuple[PreviewPrompt, ...]:
        if not strategy.needs_embedding or self.embed is None:
            return self.items
        key = strategy.embedding_request
        if key not in self._embedded:
            vectors = self.embed([item.prompt for item in self.items], *key)
            self._embedded[key] = tuple(
                with_embedding(item, vector) for item, vector in zip(self.items, vectors, strict=True)
            )
        return self._embedded[key]


def with_embedding(item: PreviewPrompt, vector: Sequence[float]) -> PreviewPrompt:
    """The item with its prompt's embedding."""
    return replace(item, route=replace(item.route, embedding=np.asarray(vector, dtype=np.float32)))


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


def pick(strategy: Strategy, ctx: RoutingContext, item: PreviewPrompt, coster: Coster | None = None,
         embed: Embed | None = None) -> Pick:
    """What `strategy` would do with one measured prompt (no model is called).
    A strategy that needs the prompt's embedding gets it from `embed`."""
    coster = coster or make_coster(ctx.catalog)
    if strategy.needs_embedding and item.route.embedding is None and embed is not None:
        item = with_embedding(item, embed([item.prompt], *strategy.embedding_request)[0])
    try:
        if strategy.needs_embedding and item.route.embedding is None:
            raise UserError(f"{strategy.name}: the preview has no embedding function to embed the prompt with")
        decision = strategy.decide(item.route, ctx)
    except UserError as exc:
        return Pick(strategy.name, None, str(exc), error=str(exc))
    calls, lower = strategy.preview_calls(decision, item, coster)
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
    coster = make_coster(ctx.catalog)
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
