"""What a decision reads: the request as measured (`RouteInput`) and the
models it may route to (`RoutingContext`), with the helpers every strategy
uses for context-window fit and visible substitution.

A request that needs more than text (images, tools, JSON output) is routed
through `RoutingContext.for_request`, a context whose available models are
only those that can serve it: every strategy, fallback chain, cascade tier,
ensemble member and load-balance group then respects the needs without
knowing about them, and `excluded` says which models were ruled out and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from playground.core.catalog import Catalog, ModelSpec
from playground.core.decision import Candidate
from playground.core.errors import NoModelFits
from playground.core.lazy_numpy import np
from playground.core.messages import ChatRequest
from playground.core.request_needs import NoModelServes, RequestNeeds
from playground.core.tokens import TokenCounter


@dataclass(frozen=True, slots=True)
class RouteInput:
    """A request plus what was measured about it before routing."""

    request: ChatRequest
    input_tokens: int
    token_method: str = "estimate"
    # The prompt's embedding, for strategies that declare `needs_embedding`.
    embedding: Sequence[float] | np.ndarray | None = None

    @classmethod
    def measure(cls, request: ChatRequest, counter: TokenCounter) -> RouteInput:
        count = counter.count_request(request)
        return cls(request, count.tokens, count.method)

    @property
    def prompt(self) -> str:
        return self.request.prompt_text

    @property
    def needed_tokens(self) -> int:
        return self.input_tokens + self.request.max_output_tokens

    @property
    def needs(self) -> RequestNeeds:
        return RequestNeeds.of(self.request)


def neutral_route() -> RouteInput:
    """A short, plain request: what a strategy picks when nothing about the
    prompt pushes it anywhere (exports of per-prompt strategies use it)."""
    return RouteInput(ChatRequest.from_prompt("hello", max_output_tokens=256), input_tokens=8)


class HealthView(Protocol):
    """Live endpoint health, read (never changed) by strategies such as
    load balancing. The engine's `HealthBoard` implements it."""

    def in_flight(self, model_id: str) -> int: ...

    def ewma_ttft_ms(self, model_id: str) -> float | None: ...

    def success_rate(self, model_id: str) -> float: ...

    def circuit_state(self, model_id: str) -> str: ...


@dataclass(frozen=True)
class RoutingContext:
    catalog: Catalog
    available: tuple[ModelSpec, ...]
    unavailable_reason: str = "not configured"
    health: HealthView | None = field(default=None, compare=False)
    # Models ruled out for this request's needs (id -> why); see `for_request`.
    excluded: Mapping[str, str] = field(default_factory=dict, compare=False)
    _ids: frozenset[str] = field(init=False, repr=False)
    # The widest available window: `ensure_some_fit` runs on every decision,
    # and one comparison beats filtering every model each time.
    _widest: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", frozenset(m.id for m in self.available))
        object.__setattr__(self, "_widest", max((m.context_window for m in self.available), default=-1))

    @classmethod
    def for_all(cls, catalog: Catalog) -> RoutingContext:
        return cls(catalog, tuple(catalog.models.values()))

    @property
    def widest_window(self) -> int:
        """The largest context window among the available models (-1 with none)."""
        return self._widest

    def is_available(self, model_id: str) -> bool:
        return model_id in self._ids

    def why_unavailable(self, model_id: str) -> str:
        """Why a model is not available: ruled out for the request's needs,
        or not configured."""
        return self.excluded.get(model_id) or self.unavailable_reason

    def for_request(self, needs: RequestNeeds) -> RoutingContext:
        """This context with only the models that can serve a request with
        these needs (itself when all can). Raises `NoModelServes` naming what
        is needed when no available model has it."""
        if not needs.may_rule_out():
            return self
        excluded = dict(self.excluded)
        kept: list[ModelSpec] = []
        for model in self.available:
            problem = needs.problem(model, self.catalog.providers[model.provider].kind)
            if problem:
                excluded[model.id] = problem
            else:
                kept.append(model)
        if len(kept) == len(self.available):
            return self
        if not kept:
            capable = [m.id for m in self.catalog.models.values()
                       if not needs.problem(m, self.catalog.providers[m.provider].kind)]
            hint = (f"models that could serve it but are {self.unavailable_reason}: {', '.join(capable)}" if capable
                    else "no model in the catalog has it; declare the feature for a model in the config")
            raise NoModelServes(f"no available model can serve this request ({needs.describe() or 'its needs'}): "
                              + "; ".join(sorted({f'{m.id}: {excluded[m.id]}' for m in self.available}))
                              + f"; {hint}")
        return replace(self, available=tuple(kept), excluded=excluded)

    def usable(self, model_ids: Sequence[str], route: RouteInput) -> tuple[list[str], list[Candidate]]:
        """Split models into those that can take the request and the others,
        with the reason for each, for plans that name several models."""
        ok: list[str] = []
        notes: list[Candidate] = []
        for model_id in model_ids:
            model = self.catalog.get(model_id)
            if not self.is_available(model_id):
                notes.append(Candidate(model_id, accepted=False, note=self.why_unavailable(model_id)))
            elif model.context_window < route.needed_tokens:
                notes.append(Candidate(model_id, accepted=False,
                                       note=f"window {model.context_window:,} < {route.needed_tokens:,} needed"))
            else:
                ok.append(model_id)
        return ok, notes

    def fitting(self, needed_tokens: int) -> list[ModelSpec]:
        return [m for m in self.available if m.context_window >= needed_tokens]

    def ensure_some_fit(self, route: RouteInput) -> None:
        if route.needed_tokens > self._widest:
            largest = max(self.available, key=lambda m: m.context_window, default=None)
            detail = f"; the largest is {largest.id} with {largest.context_window:,}" if largest else ""
            raise NoModelFits(
                f"the request needs {route.needed_tokens:,} tokens ({route.input_tokens:,} prompt + "
                f"{route.request.max_output_tokens:,} output), more than any available model's context window{detail}"
            )

    def fits_as_is(self, model_id: str, needed_tokens: int) -> bool:
        """True when `resolve` would return the model itself, without a note."""
        return self.is_available(model_id) and self.catalog.get(model_id).context_window >= needed_tokens

    def resolve(self, model_id: str, route: RouteInput) -> tuple[ModelSpec, str]:
        """The configured model if it is available and fits; otherwise the
        closest substitute (same tier first, then larger windows), with a note
        saying why, so the trace never hides a substitution."""
        wanted = self.catalog.get(model_id)
        needed = route.needed_tokens
        if self.is_available(model_id) and wanted.context_window >= needed:
            return wanted, ""
        why = (
            self._unavailable_note(model_id)
            if not self.is_available(model_id)
            else f"{model_id}'s window ({wanted.context_window:,}) cannot hold {needed:,} tokens"
        )
        fitting = self.fitting(needed)
        if not fitting:
            self.ensure_some_fit(route)
        same_tier = [m for m in fitting if m.tier == wanted.tier]
        pool = same_tier or fitting
        wanted_quality = general_quality(wanted)
        substitute = min(pool, key=lambda m: (abs(general_quality(m) - wanted_quality), m.input_per_mtok, m.id))
        return substitute, f"{why} → substituted {substitute.id}"


    def _unavailable_note(self, model_id: str) -> str:
        """"gpt-4o is not configured" or "deepseek-chat: no image input"."""
        if model_id in self.excluded:
            return f"{model_id}: {self.excluded[model_id]}"
        return f"{model_id} is {self.unavailable_reason}"


def general_quality(model: ModelSpec) -> float:
    """Mean of reasoning, coding and creative scores: a coarse quality bar."""
    return (model.capability("reasoning") + model.capability("coding") + model.capability("creative")) / 3
