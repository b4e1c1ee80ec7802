"""The one fault syntax shared by the control API, `playground sim --faults`
and `playground soak --faults`.

Comma-separated `KIND=VALUE` items, each optionally prefixed `MODEL:` to
target one simulated model, e.g.
`server_error=0.2,rate_limit=0.1,cut=0.05,stall=0.05,sim-gpt-4o:down=1`.
Items without a model apply to every model; a model's own items override
them for that model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from playground.core.errors import UserError

PROBABILITY_KINDS = ("rate_limit", "server_error", "overloaded", "cut", "stall")
KINDS = (*PROBABILITY_KINDS, "latency_ms", "down")
SYNTAX_HELP = (
    "expected comma-separated KIND=VALUE items, each optionally prefixed MODEL:, with KIND one of "
    + ", ".join(KINDS)
    + " (e.g. server_error=0.2,sim-gpt-4o:down=1)"
)


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

    def items(self) -> list[tuple[str, float | bool]]:
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
    _overrides: dict[str, dict[str, float | bool]] = field(default_factory=dict, repr=False)

    def for_model(self, model_name: str) -> FaultSettings:
        return self.per_model.get(model_name, self.everywhere)

    def format(self) -> str:
        parts = [f"{kind}={_format_value(value)}" for kind, value in self.everywhere.items()]
        for model, items in sorted(self._overrides.items()):
            parts.extend(f"{model}:{kind}={_format_value(value)}" for kind, value in items.items())
        return ",".join(parts)

    def with_item(self, model: str | None, kind: str, value: float | bool) -> FaultSpec:
        """A copy with one item set (used by the chaos panel's toggles)."""
        text = self.format()
        item = f"{model + ':' if model else ''}{kind}={_format_value(value)}"
        return parse_fault_spec(f"{text},{item}" if text else item)

    def models(self) -> list[str]:
        return sorted(self._overrides)


def _format_value(value: float | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return f"{value:g}"


def _parse_value(kind: str, raw: str, where: str) -> float | bool:
    try:
        number = float(raw)
    except ValueError:
        raise UserError(f"{where}: {raw!r} is not a number") from None
    if kind in PROBABILITY_KINDS and not 0 <= number <= 1:
        raise UserError(f"{where}: {kind} is a probability, allowed 0..1")
    if kind == "latency_ms" and number < 0:
        raise UserError(f"{where}: latency_ms must not be negative")
    if kind == "down":
        if number not in (0, 1):
            raise UserError(f"{where}: down is 1 or 0")
        return number == 1
    return number


def parse_fault_spec(text: str, known_models: set[str] | None = None) -> FaultSpec:
    """Parse the syntax; errors name the item, its position and what is allowed.
    `known_models` (served names) rejects typos in model prefixes."""
    everywhere: dict[str, float | bool] = {}
    overrides: dict[str, dict[str, float | bool]] = {}
    items = [item.strip() for item in text.split(",")] if text.strip() else []
    for position, item in enumerate(items, start=1):
        where = f"fault item {position} {item!r}"
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
            raise UserError(f"{where}: unknown simulated model {model!r}; models look like sim-gpt-4o "
                            "(see `playground models --sim`)")
        value = _parse_value(kind, raw.strip(), where)
        (overrides.setdefault(model, {}) if model else everywhere)[kind] = value
    base = FaultSettings(**everywhere)  # type: ignore[arg-type]
    per_model = {model: replace(base, **items) for model, items in overrides.items()}  # type: ignore[arg-type]
    return FaultSpec(base, per_model, overrides)
