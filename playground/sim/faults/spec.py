"""The one fault syntax shared by the control API, `playground sim --faults`
and `playground soak --faults`.

Comma-separated `KIND=VALUE` items, each optionally prefixed `MODEL:` to
target one simulated model, e.g.
`server_error=0.2,rate_limit=0.1,cut=0.05,stall=0.05,gpt-4o:down=1`.
Items without a model apply to every model; a model's own items override
them for that model. A model is named as `playground models --sim` lists it
(`gpt-4o`) or by its served `sim-` name (`sim-gpt-4o`): both mean the same
model, and the spec keys it by the `sim-` name.

Every value is checked: probabilities are finite and within 0..1,
`latency_ms` within 0..`LATENCY_MAX_MS`, `down` 1 or 0, and a kind may be
given once per model (a second `cut=` would silently replace the first).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields, replace

from playground.core.errors import UserError

PROBABILITY_KINDS = ("rate_limit", "server_error", "overloaded", "cut", "stall")
KINDS = (*PROBABILITY_KINDS, "latency_ms", "down")
# An injected delay longer than this would outlast any client timeout; the
# same cap bounds a stall (wire/delivery.STALL_CAP_S).
LATENCY_MAX_MS = 600_000
SYNTAX_HELP = (
    "expected comma-separated KIND=VALUE items, each optionally prefixed MODEL:, with KIND one of "
    + ", ".join(KINDS)
    + " (e.g. server_error=0.2,gpt-4o:down=1)"
)
MODEL_HINT = "models are named as `playground models --sim` lists them, e.g. gpt-4o (or sim-gpt-4o)"

Value = float | bool
Item = tuple[str | None, str, Value]  # (model or None for every model, kind, value)


@dataclass(frozen=True, slots=True)
class FaultSettings:
    rate_limit: float = 0.0
    server_error: float = 0.0
    overloaded: float = 0.0
    cut: float = 0.0
    stall: float = 0.0
    latency_ms: float = 0.0
    down: bool = False

    @property
    def active(self) -> bool:
        return self != FaultSettings()

    def items(self) -> list[tuple[str, Value]]:
        """Non-default settings, in the syntax's order."""
        default = FaultSettings()
        names = [f.name for f in fields(self)]
        return [(name, getattr(self, name)) for name in names if getattr(self, name) != getattr(default, name)]


@dataclass(frozen=True, slots=True)
class FaultSpec:
    everywhere: FaultSettings = FaultSettings()
    per_model: dict[str, FaultSettings] = field(default_factory=dict)
    # Items as written, per model (None = everywhere), so a model's own items
    # override only what they name.
    _overrides: dict[str, dict[str, Value]] = field(default_factory=dict, repr=False)
    # Other names of the models (catalog id -> sim- name), for lookups.
    _aliases: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def for_model(self, model_name: str) -> FaultSettings:
        return self.per_model.get(self._aliases.get(model_name, model_name), self.everywhere)

    def format(self) -> str:
        parts = [f"{kind}={_format_value(value)}" for kind, value in self.everywhere.items()]
        for model, items in sorted(self._overrides.items()):
            parts.extend(f"{model}:{kind}={_format_value(items[kind])}" for kind in KINDS if kind in items)
        return ",".join(parts)

    def with_item(self, model: str | None, kind: str, value: Value) -> FaultSpec:
        """A copy with one item set, replacing the same kind for the same
        model (used by the chaos panel's toggles); checked like parsed items."""
        where = f"fault item {(model + ':') if model else ''}{kind}={value!r}"
        if kind not in KINDS:
            raise UserError(f"{where}: unknown fault kind {kind!r}; kinds: {', '.join(KINDS)}")
        target = self._aliases.get(model, model) if model else None
        checked = _check_value(kind, float(value), where)
        items = [(m, k, v) for m, k, v in self.items() if (m, k) != (target, kind)]
        return _assemble([*items, (target, kind, checked)], self._aliases)

    def items(self) -> list[Item]:
        everywhere: list[Item] = [(None, kind, value) for kind, value in self.everywhere.items()]
        return everywhere + [(model, kind, value) for model, items in sorted(self._overrides.items())
                             for kind, value in items.items()]

    def models(self) -> list[str]:
        return sorted(self._overrides)


def _shown(item: str) -> str:
    """An item as quoted in a message, cut short if someone pasted a novel."""
    return repr(item) if len(item) <= 60 else repr(item[:57] + "...")


def _format_value(value: Value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return f"{value:g}"


def _check_value(kind: str, number: float, where: str) -> Value:
    if kind in PROBABILITY_KINDS and not (math.isfinite(number) and 0 <= number <= 1):
        raise UserError(f"{where}: {kind} is a probability, allowed 0..1")
    if kind == "latency_ms" and not (math.isfinite(number) and 0 <= number <= LATENCY_MAX_MS):
        raise UserError(f"{where}: latency_ms must not be negative, infinite or NaN; allowed 0..{LATENCY_MAX_MS} "
                        "(milliseconds)")
    if kind == "down":
        if number not in (0, 1):
            raise UserError(f"{where}: down is 1 or 0")
        return number == 1
    return number


def _parse_value(kind: str, raw: str, where: str) -> Value:
    try:
        number = float(raw)
    except ValueError:
        raise UserError(f"{where}: {raw!r} is not a number") from None
    return _check_value(kind, number, where)


def parse_fault_spec(text: str, known_models: Collection[str] | Mapping[str, str] | None = None) -> FaultSpec:
    """Parse the syntax; errors name the item, its position and what is
    allowed. `known_models` (the served names, or a mapping of every served
    name to its canonical `sim-` name) rejects typos in model prefixes; with
    a mapping, a model's items are keyed by its canonical name."""
    aliases: Mapping[str, str] = known_models if isinstance(known_models, Mapping) else {}
    seen: dict[tuple[str | None, str], int] = {}
    items: list[Item] = []
    raw_items = [item.strip() for item in text.split(",")] if text.strip() else []
    for position, item in enumerate(raw_items, start=1):
        where = f"fault item {position} {_shown(item)}"
        if not item:
            raise UserError(f"{where}: empty item; {SYNTAX_HELP}")
        target, sep, raw = item.partition("=")
        if not sep:
            raise UserError(f"{where}: {SYNTAX_HELP}")
        model, colon, kind = target.rpartition(":")
        kind = kind.strip()
        model = model.strip()
        if kind not in KINDS:
            raise UserError(f"{where}: unknown fault kind {kind!r}; kinds: {', '.join(KINDS)}")
        if colon and not model:
            raise UserError(f"{where}: empty model before ':'")
        if model and known_models is not None and model not in known_models:
            raise UserError(f"{where}: unknown simulated model {model!r}; {MODEL_HINT}")
        key = aliases.get(model, model) if model else None
        if (key, kind) in seen:
            scope = f"for {key}" if key else "for every model"
            raise UserError(f"{where}: {kind} is already set {scope} by item {seen[key, kind]}; give each kind "
                            "once per model")
        seen[key, kind] = position
        items.append((key, kind, _parse_value(kind, raw.strip(), where)))
    return _assemble(items, aliases)


def _assemble(items: list[Item], aliases: Mapping[str, str]) -> FaultSpec:
    everywhere = {kind: value for model, kind, value in items if model is None}
    overrides: dict[str, dict[str, Value]] = {}
    for model, kind, value in items:
        if model is not None:
            overrides.setdefault(model, {})[kind] = value
    base = FaultSettings(**everywhere)  # type: ignore[arg-type]
    per_model = {model: replace(base, **values) for model, values in overrides.items()}  # type: ignore[arg-type]
    return FaultSpec(base, per_model, overrides, aliases)
