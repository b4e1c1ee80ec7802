"""What a strategy's decision would cost, without calling any model: the
calls it plans for one measured prompt, priced from the catalog. The preview
(`eval/preview.py`) tallies these; each strategy says how its own plan is
costed (`Strategy.preview_calls`).

Every figure is an estimate: input tokens are measured, output tokens come
from `PreviewPrompt.output_tokens` (estimated from the prompt), side requests
(judges, routers) add their template's length around the prompt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from playground.core.catalog import Catalog
from playground.core.tokens import CHARS_PER_TOKEN
from playground.strategies.routing import RouteInput

# Replies of classification calls (a label, a score) and their max_tokens in the engine.
ROUTER_REPLY_TOKENS = 4
JUDGE_REPLY_TOKENS = 4
EMBEDDING_ROLE = "embedding"
# Names of the engine's side-request templates the coster knows the length of.
JUDGE_BEST = "judge_best"
JUDGE_SCORE = "judge_score"
# "Answer 3:\n" headers around each member's answer in a judge's prompt.
PER_ANSWER_OVERHEAD = 5


@dataclass(frozen=True, slots=True)
class PreviewPrompt:
    """One prompt measured for previews."""

    route: RouteInput
    output_tokens: int  # estimated answer length
    complexity: float  # the complexity score behind the estimate (0..1)

    @property
    def prompt(self) -> str:
        return self.route.prompt


@dataclass(frozen=True, slots=True)
class PlannedCall:
    model: str
    role: str
    input_tokens: int
    output_tokens: int
    cost_usd: float


def template_tokens(template: str) -> int:
    """Tokens a side-request template adds around the prompt (estimated)."""
    bare = template
    for slot in ("{prompt}", "{answers}", "{answer}", "{labels}"):
        bare = bare.replace(slot, "")
    return math.ceil(len(bare) / CHARS_PER_TOKEN)


class Coster:
    """Per-call cost with the catalog's prices looked up once. `templates`
    are the engine's side-request templates by name (JUDGE_BEST, ...)."""

    def __init__(self, catalog: Catalog, templates: Mapping[str, str] | None = None) -> None:
        self.catalog = catalog
        self._prices: dict[str, tuple[float, float, int]] = {
            m.id: (m.input_per_mtok / 1e6, m.output_per_mtok / 1e6, m.max_output_tokens)
            for m in catalog.models.values()
        }
        self._overheads = {name: template_tokens(text) for name, text in (templates or {}).items()}

    def call(self, model: str, role: str, input_tokens: int, output_tokens: int) -> PlannedCall:
        in_price, out_price, max_out = self._prices.get(model) or self._load(model)
        output = min(output_tokens, max_out)
        return PlannedCall(model, role, input_tokens, output, input_tokens * in_price + output * out_price)

    def _load(self, model: str) -> tuple[float, float, int]:
        spec = self.catalog.get(model)
        self._prices[model] = (spec.input_per_mtok / 1e6, spec.output_per_mtok / 1e6, spec.max_output_tokens)
        return self._prices[model]

    def overhead(self, template: str) -> int:
        """Tokens the named side-request template adds (0 when not given)."""
        return self._overheads.get(template, 0)

    def embedding(self, model: str, input_tokens: int) -> PlannedCall | None:
        spec = self.catalog.embedding_models.get(model)
        if spec is None:
            return None
        return PlannedCall(spec.id, EMBEDDING_ROLE, input_tokens, 0, input_tokens * spec.input_per_mtok / 1e6)
