"""Typed strategy parameters, and the one declaration layer generated from them.

Each strategy declares its parameters as a pydantic model (`Params`): types,
defaults, bounds (`Field(ge=..., le=...)`) and help (`description`) on the
fields, checks that need several fields in a `model_validator`. Everything
else is generated from that model:

- `declare(model)` gives one `Param` per field (name, editor kind, default,
  help, bounds, choices): the tuning editors, `playground strategies [--json]`,
  sweeps (they read the bounds) and config validation use it;
- `Param.coerce` turns one raw value (a CLI string such as "a,b",
  "model=3,other=1" or JSON rules, or a value from a TOML file) into plain
  data of the field's type, checked against the catalog;
- `parse_params` builds a strategy's typed values, `@flagship` resolved.

Errors are one line naming strategy, parameter, value and what is allowed,
e.g. "complexity.high_threshold: 1.5 is out of range; allowed 0.0..1.0".
Catalog checks (unknown models) read the catalog from the validation context.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
)
from pydantic.fields import FieldInfo

from playground.core.catalog import CAPABILITY_NAMES, Catalog
from playground.core.errors import UserError

ParamType = Literal[
    "int", "float", "bool", "str", "model", "optional_model", "models", "choice", "rules", "weights", "capabilities",
    "labels",
]

# Stands for the catalog's flagship model in any model parameter.
FLAGSHIP = "@flagship"
CAPABILITIES = CAPABILITY_NAMES


class Params(BaseModel):
    """Base of every strategy's parameter model."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


P = TypeVar("P", bound=Params)


@dataclass(frozen=True, slots=True)
class Kind:
    """A field's editor kind, where its Python type alone does not say it
    (a model id is a `str`, weights are a `dict[str, float]`...)."""

    name: ParamType


class ParamProblem(ValueError):
    """A validator's verdict. `at` follows the parameter's name (e.g. "[2] (code)"
    for the second rule); `field` names the parameter when a model-level check
    blames one."""

    def __init__(self, message: str, *, at: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.at = at
        self.field = field


# --- validation context -----------------------------------------------------------


def check_context(catalog: Catalog, *, resolve_flagship: bool) -> dict[str, Any]:
    return {"catalog": catalog, "resolve_flagship": resolve_flagship}


def catalog_of(info: ValidationInfo) -> Catalog | None:
    """The catalog a validation runs against (None: skip catalog checks)."""
    context = info.context
    return context.get("catalog") if isinstance(context, dict) else None


def _resolving(info: ValidationInfo) -> bool:
    context = info.context
    return bool(context.get("resolve_flagship")) if isinstance(context, dict) else False


# --- text forms the CLI and the editors give -----------------------------------------


def split_list(raw: Any) -> Any:
    """"a, b" -> ["a", "b"]; lists pass through with their items as text."""
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, (list, tuple)):
        return [str(item) for item in raw]
    return raw


def split_pairs(raw: Any) -> Any:
    """"a=3,b=1" -> {"a": "3", "b": "1"}; mappings pass through."""
    if not isinstance(raw, str):
        return raw
    pairs: dict[str, str] = {}
    for part in split_list(raw):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ParamProblem(f"{part!r} is not NAME=VALUE; give pairs separated by commas, e.g. a=3,b=1")
        pairs[key.strip()] = value.strip()
    return pairs


def parse_json(raw: Any) -> Any:
    """JSON text (the CLI, a text field) -> data; data passes through."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ParamProblem(f"not valid JSON ({exc.msg} at column {exc.colno})") from None


# --- catalog checks ---------------------------------------------------------------


def _known_model(value: str, info: ValidationInfo) -> str:
    catalog = catalog_of(info)
    if catalog is None:
        return value
    if value == FLAGSHIP:
        return catalog.flagship if _resolving(info) else value
    if value not in catalog.models:
        raise ParamProblem(f"unknown model {value!r}; known: {', '.join(sorted(catalog.models))}")
    return value


def _known_optional_model(value: str, info: ValidationInfo) -> str:
    catalog = catalog_of(info)
    if catalog is not None and value and value not in catalog.models:
        raise ParamProblem(f"unknown model {value!r} (leave empty to turn it off)")
    return value


def _known_models(values: list[str], info: ValidationInfo) -> list[str]:
    catalog = catalog_of(info)
    if catalog is None:
        return values
    unknown = [m for m in values if m not in catalog.models and m != FLAGSHIP]
    if unknown:
        raise ParamProblem(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(sorted(catalog.models))}")
    resolve = _resolving(info)
    return [catalog.flagship if resolve and m == FLAGSHIP else m for m in values]


def _model_weights(weights: dict[str, float], info: ValidationInfo) -> dict[str, float]:
    catalog = catalog_of(info)
    unknown = [m for m in weights if catalog is not None and m not in catalog.models]
    if unknown:
        raise ParamProblem(f"unknown model(s) {', '.join(unknown)}")
    if any(w < 0 for w in weights.values()):
        raise ParamProblem("weights must not be negative")
    return weights


def _capability_weights(weights: dict[str, float]) -> dict[str, float]:
    unknown = [c for c in weights if c not in CAPABILITIES]
    if unknown:
        raise ParamProblem(f"unknown capability {', '.join(unknown)}; capabilities: {', '.join(CAPABILITIES)}")
    if any(w < 0 for w in weights.values()):
        raise ParamProblem("values must not be negative")
    return weights


def _label_routes(routes: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    if not routes:
        raise ParamProblem("needs at least one LABEL=MODEL pair")
    catalog = catalog_of(info)
    unknown = [m for m in routes.values() if catalog is not None and m not in catalog.models]
    if unknown:
        raise ParamProblem(f"unknown model(s) {', '.join(unknown)}")
    return routes


# Field types by editor kind. Bounds and help go on the field with `Field(...)`.
ModelId = Annotated[str, Kind("model"), AfterValidator(_known_model)]
OptionalModelId = Annotated[str, Kind("optional_model"), AfterValidator(_known_optional_model)]
ModelIds = Annotated[list[str], Kind("models"), BeforeValidator(split_list), AfterValidator(_known_models)]
ModelWeights = Annotated[
    dict[str, float], Kind("weights"), BeforeValidator(split_pairs), AfterValidator(_model_weights)
]
CapabilityWeights = Annotated[dict[str, float], Kind("capabilities"), BeforeValidator(split_pairs),
                              AfterValidator(_capability_weights)]
LabelRoutes = Annotated[dict[str, str], Kind("labels"), BeforeValidator(split_pairs), AfterValidator(_label_routes)]


# --- the declaration layer ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    """One declared parameter, as the tuning editors, the `strategies` listing,
    sweeps and config validation see it. Generated from a `Params` field."""

    name: str
    type: ParamType
    default: Any  # plain data, as a config file holds it ("@flagship" kept)
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    adapter: TypeAdapter[Any] | None = field(default=None, compare=False, repr=False)

    @property
    def numeric(self) -> bool:
        """Sweeps and steppers move numeric parameters between their bounds."""
        return self.type in ("int", "float")

    def listing(self) -> str:
        """One line for `playground strategies`: kind, bounds or choices, default, help."""
        bounds = f" [{self.min}..{self.max}]" if self.min is not None and self.max is not None else ""
        choices = f", one of {' | '.join(self.choices)}" if self.choices else ""
        default = self.default
        if isinstance(default, list) and default and isinstance(default[0], dict):
            default = f"{len(default)} {self.type}"
        return f"{self.name} ({self.type}{bounds}{choices}, default {default}): {self.help}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default, "help": self.help, "min": self.min,
                "max": self.max, "choices": list(self.choices)}

    def coerce(self, raw: Any, strategy: str, catalog: Catalog) -> Any:
        """`raw` (possibly a CLI string) as plain data of this parameter's type,
        checked against the catalog ("@flagship" kept as given), or a
        `UserError` naming the strategy, parameter, value and what is allowed."""
        assert self.adapter is not None
        try:
            value = self.adapter.validate_python(raw, context=check_context(catalog, resolve_flagship=False))
        except ValidationError as exc:
            raise UserError(explain(strategy, exc, lambda _: raw, {self.name: self}, field=self.name)) from None
        return self.adapter.dump_python(value)


def declare(model: type[Params]) -> tuple[Param, ...]:
    """One `Param` per field of a strategy's parameter model, in field order,
    named by the field's alias where it has one (a field cannot be called
    `json` on a pydantic model, a parameter can)."""
    return tuple(_param(info.alias or name, info) for name, info in model.model_fields.items())


def _param(name: str, info: FieldInfo) -> Param:
    kind = _kind(info)
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    choices = tuple(str(c) for c in get_args(info.annotation)) if kind == "choice" else ()
    # The field's type with its checks, to validate one value on its own.
    annotated: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(annotated, config=ConfigDict(allow_inf_nan=False))
    default = info.get_default(call_default_factory=True)
    return Param(name, kind, adapter.dump_python(default), info.description or "", low, high, choices, adapter)


def _kind(info: FieldInfo) -> ParamType:
    for item in info.metadata:
        if isinstance(item, Kind):
            return item.name
    annotation = info.annotation
    if get_origin(annotation) is Literal:
        return "choice"
    simple: dict[Any, ParamType] = {bool: "bool", int: "int", float: "float", str: "str"}
    if annotation not in simple:
        raise TypeError(f"parameter type {annotation!r} needs a Kind(...) marker")
    return simple[annotation]


def parse_params(model: type[P], strategy: str, values: Mapping[str, Any], catalog: Catalog) -> P:
    """A strategy's typed values from raw ones (defaults for the rest),
    `@flagship` resolved; a `UserError` with the first problem otherwise."""
    fields = [info.alias or name for name, info in model.model_fields.items()]
    unknown = [key for key in values if key not in fields]
    if unknown:
        raise UserError(f"{strategy}: unknown parameter {unknown[0]!r}; parameters: {', '.join(fields) or 'none'}")
    try:
        return model.model_validate(dict(values), context=check_context(catalog, resolve_flagship=True))
    except ValidationError as exc:
        declared = {p.name: p for p in declare(model)}
        raise UserError(
            explain(strategy, exc, lambda name: values.get(name, declared[name].default), declared)
        ) from None


def explain(strategy: str, exc: ValidationError, raw_of: Callable[[str], Any], params: Mapping[str, Param],
            field: str | None = None) -> str:
    """The first validation error as one line: "strategy.parameter: value
    and what is allowed". `field` names the parameter when one value was
    validated on its own."""
    error = exc.errors()[0]
    loc = (field, *error["loc"]) if field else error["loc"]
    problem = (error.get("ctx") or {}).get("error")
    if isinstance(problem, ParamProblem):
        name = problem.field or (str(loc[0]) if loc else None)
        return f"{strategy}.{name}{problem.at}: {problem}" if name else f"{strategy}: {problem}"
    if not loc or str(loc[0]) not in params:
        return f"{strategy}: {problem if problem is not None else error['msg']}"
    name = str(loc[0])
    param, raw = params[name], raw_of(name)
    where = f"{strategy}.{name}"
    kind = error["type"]
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low = "" if param.min is None else param.min
        high = "" if param.max is None else param.max
        return f"{where}: {_as_number(raw, param.type)} is out of range; allowed {low}..{high}"
    if kind == "finite_number":
        return f"{where}: {raw!r} is not a finite number"
    if kind == "literal_error":
        return f"{where}: {raw!r} is not one of {', '.join(param.choices)}"
    if problem is not None:
        return f"{where}: {problem}"
    return f"{where}: {raw!r} is not a valid {param.type}"


def _as_number(raw: Any, kind: ParamType) -> Any:
    """A numeric value as the check saw it (the CLI gives text)."""
    try:
        number = int(raw) if kind == "int" else float(raw)
    except (TypeError, ValueError):
        return raw
    return number if not isinstance(number, float) or math.isfinite(number) else raw
