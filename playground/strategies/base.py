"""What every strategy shares: declared parameters, the routing context and
helpers for context-window fit and availability.

Strategies are pure: `decide` reads the request and the context and returns a
`Decision`; it never performs I/O. Evaluation calls it millions of times.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from playground.core.catalog import CAPABILITY_NAMES, Catalog, ModelSpec
from playground.core.decision import Candidate, Decision
from playground.core.errors import NoModelFits, UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter

ParamType = Literal[
    "int", "float", "bool", "str", "model", "optional_model", "models", "choice", "rules", "weights", "capabilities", "labels"
]

CAPABILITIES = CAPABILITY_NAMES
# Stands for the catalog's flagship model in any model parameter.
FLAGSHIP = "@flagship"


@dataclass(frozen=True, slots=True)
class Param:
    """A tunable parameter; tuning screens and sweeps are generated from these."""

    name: str
    type: ParamType
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "help": self.help,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices),
        }

    def coerce(self, raw: Any, strategy: str, catalog: Catalog) -> Any:
        """Turn a value (possibly a CLI string) into this parameter's type, or
        raise a `UserError` naming the strategy, parameter, value and what is allowed."""
        where = f"{strategy}.{self.name}"
        try:
            if self.type == "int":
                value: Any = int(raw)
            elif self.type == "float":
                value = float(raw)
            elif self.type == "bool":
                value = _parse_bool(raw)
            elif self.type == "models":
                value = _parse_list(raw)
            elif self.type in ("weights", "capabilities"):
                value = _parse_weights(raw)
            elif self.type == "labels":
                value = _parse_labels(raw)
            elif self.type == "rules":
                # The CLI and text fields give JSON; files give a list.
                value = json.loads(raw) if isinstance(raw, str) else raw
            else:
                value = raw
        except json.JSONDecodeError as exc:
            raise UserError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        except (TypeError, ValueError):
            raise UserError(f"{where}: {raw!r} is not a valid {self.type}") from None
        if self.type == "float" and not math.isfinite(value):
            raise UserError(f"{where}: {raw!r} is not a finite number")
        if self.type in ("int", "float"):
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise UserError(f"{where}: {value} is out of range; allowed {self.min}..{self.max}")
        if self.type == "model" and value != FLAGSHIP and value not in catalog.models:
            raise UserError(f"{where}: unknown model {value!r}; known: {', '.join(sorted(catalog.models))}")
        if self.type == "models":
            unknown = [m for m in value if m not in catalog.models and m != FLAGSHIP]
            if unknown:
                raise UserError(f"{where}: unknown model(s) {', '.join(unknown)}; known: {', '.join(sorted(catalog.models))}")
        if self.type == "weights":
            unknown = [m for m in value if m not in catalog.models]
            if unknown:
                raise UserError(f"{where}: unknown model(s) {', '.join(unknown)}")
            if any(w < 0 for w in value.values()):
                raise UserError(f"{where}: weights must not be negative")
        if self.type == "optional_model" and value and value not in catalog.models:
            raise UserError(f"{where}: unknown model {value!r} (leave empty to turn it off)")
        if self.type == "labels":
            unknown = [m for m in value.values() if m not in catalog.models]
            if unknown:
                raise UserError(f"{where}: unknown model(s) {', '.join(unknown)}")
            if not value:
                raise UserError(f"{where}: needs at least one LABEL=MODEL pair")
        if self.type == "capabilities":
            unknown = [c for c in value if c not in CAPABILITIES]
            if unknown:
                raise UserError(f"{where}: unknown capability {', '.join(unknown)}; capabilities: {', '.join(CAPABILITIES)}")
            if any(w < 0 for w in value.values()):
                raise UserError(f"{where}: values must not be negative")
        if self.type == "choice" and value not in self.choices:
            raise UserError(f"{where}: {value!r} is not one of {', '.join(self.choices)}")
        return value


def _parse_list(raw: Any) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(x) for x in raw]
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def _parse_weights(raw: Any) -> dict[str, float]:
    """`{"a": 3}` or "a=3,b=1"."""
    if isinstance(raw, dict):
        return {str(k): float(v) for k, v in raw.items()}
    weights: dict[str, float] = {}
    for part in _parse_list(raw):
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(part)
        weights[name.strip()] = float(value)
    return weights


def _parse_labels(raw: Any) -> dict[str, str]:
    """`{"easy": "gpt-5-nano"}` or "easy=gpt-5-nano,hard=claude-opus-4-5"."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    pairs: dict[str, str] = {}
    for part in _parse_list(raw):
        label, sep, model = part.partition("=")
        if not sep or not label.strip() or not model.strip():
            raise ValueError(part)
        pairs[label.strip()] = model.strip()
    return pairs


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


@dataclass(frozen=True, slots=True)
class RouteInput:
    """A request plus what was measured about it before routing."""

    request: ChatRequest
    input_tokens: int
    token_method: str = "estimate"
    # The prompt's embedding, for strategies that declare `needs_embedding`.
    embedding: Sequence[float] | None = None

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

    def is_available(self, model_id: str) -> bool:
        return model_id in self._ids

    def usable(self, model_ids: list[str] | tuple[str, ...], route: RouteInput) -> tuple[list[str], list[Candidate]]:
        """Split models into those that can take the request and the others,
        with the reason for each, for plans that name several models."""
        ok: list[str] = []
        notes: list[Candidate] = []
        for model_id in model_ids:
            model = self.catalog.get(model_id)
            if not self.is_available(model_id):
                notes.append(Candidate(model_id, accepted=False, note=self.unavailable_reason))
            elif model.context_window < route.needed_tokens:
                notes.append(Candidate(model_id, accepted=False, note=f"window {model.context_window:,} < {route.needed_tokens:,} needed"))
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

    def resolve(self, model_id: str, route: RouteInput) -> tuple[ModelSpec, str]:
        """The configured model if it is available and fits; otherwise the
        closest substitute (same tier first, then larger windows), with a note
        saying why, so the trace never hides a substitution."""
        wanted = self.catalog.get(model_id)
        needed = route.needed_tokens
        if self.is_available(model_id) and wanted.context_window >= needed:
            return wanted, ""
        why = (
            f"{model_id} is {self.unavailable_reason}"
            if not self.is_available(model_id)
            else f"{model_id}'s window ({wanted.context_window:,}) cannot hold {needed:,} tokens"
        )
        fitting = self.fitting(needed)
        if not fitting:
            self.ensure_some_fit(route)
        same_tier = [m for m in fitting if m.tier == wanted.tier]
        pool = same_tier or fitting
        wanted_quality = _mean_capability(wanted)
        substitute = min(pool, key=lambda m: (abs(_mean_capability(m) - wanted_quality), m.input_per_mtok, m.id))
        return substitute, f"{why} → substituted {substitute.id}"


def _mean_capability(model: ModelSpec) -> float:
    keys = ("reasoning", "coding", "creative")
    return sum(model.capability(k) for k in keys) / len(keys)


def general_quality(model: ModelSpec) -> float:
    """Mean of reasoning, coding and creative scores: a coarse quality bar."""
    return _mean_capability(model)


class Strategy(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]]
    # The engine embeds the prompt (a costed call) before `decide` when set.
    needs_embedding: ClassVar[bool] = False

    @property
    def embedding_request(self) -> tuple[str, int | None]:
        """(embedding model id, dimensions) wanted for `RouteInput.embedding`."""
        return "text-embedding-3-small", None

    def __init__(self, catalog: Catalog, values: Mapping[str, Any] | None = None) -> None:
        self.catalog = catalog
        declared = {p.name: p for p in self.params}
        self.values: dict[str, Any] = {p.name: p.default for p in self.params}
        for key, raw in (values or {}).items():
            param = declared.get(key)
            if param is None:
                allowed = ", ".join(declared) or "none"
                raise UserError(f"{self.name}: unknown parameter {key!r}; parameters: {allowed}")
            self.values[key] = param.coerce(raw, self.name, catalog)
        self.values = {k: self._default_model(k, v) for k, v in self.values.items()}
        self.validate()

    def _default_model(self, key: str, value: Any) -> Any:
        """`@flagship` (alone or in a list of models) is the catalog's flagship."""
        if isinstance(value, list):
            return [self.catalog.flagship if item == FLAGSHIP else item for item in value]
        return self.catalog.flagship if value == FLAGSHIP else value

    def validate(self) -> None:
        """Cross-parameter checks; raise `UserError` with the reason."""

    def default_model(self) -> str:
        """What answers when the engine cannot give `decide` its input (the
        learned router's embedding failed): a `default_model` parameter if
        the strategy declares one, else the catalog's flagship."""
        return str(self.values.get("default_model") or self.catalog.flagship)

    @abstractmethod
    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision: ...

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {"name": cls.name, "summary": cls.summary, "params": [p.to_dict() for p in cls.params]}


def model_params(names: Sequence[tuple[str, str, str]]) -> tuple[Param, ...]:
    return tuple(Param(name, "model", default, help) for name, default, help in names)
