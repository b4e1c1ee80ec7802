"""Sweeps and calibration targets as the CLI gives them.

`--sweep NAME.KEY=START:STOP:STEP` varies one declared numeric parameter
(checked against its declared bounds); `--calibrate strong_share=0.3`,
`budget_per_1k=2.5` or `quality_floor=0.8` names what a calibration aims at.
A strategy's calibration knob — the parameter that trades quality for cost —
is its `calibration_param` when it declares one, else the table below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.errors import UserError
from playground.strategies.base import Param, Strategy
from playground.strategies.registry import strategy_class

MAX_STEPS = 1000
# (knob, parameters set to the same value): moving complexity's two
# thresholds together makes it a two-tier strong/weak router.
KNOBS: dict[str, tuple[str, tuple[str, ...]]] = {
    "threshold": ("threshold", ()),
    "complexity": ("high_threshold", ("low_threshold",)),
}
TARGETS = ("strong_share", "budget_per_1k", "quality_floor")


def numeric_params(cls: type[Strategy[Any]]) -> dict[str, Param]:
    """A strategy's declared int/float parameters, with their bounds: what a sweep may vary."""
    return {p.name: p for p in cls.params if p.numeric}


@dataclass(frozen=True, slots=True)
class Knob:
    param: Param
    tied: tuple[str, ...] = ()

    def values(self, value: float) -> dict[str, float]:
        typed = round(value) if self.param.type == "int" else float(value)
        return {self.param.name: typed, **{name: typed for name in self.tied}}

    @property
    def bounds(self) -> tuple[float, float]:
        low = self.param.min if self.param.min is not None else min(0.0, self.param.default)
        high = self.param.max if self.param.max is not None else max(1.0, self.param.default * 2)
        return float(low), float(high)


def knob_for(cls: type[Strategy[Any]]) -> Knob | None:
    declared = numeric_params(cls)
    name = getattr(cls, "calibration_param", None)
    tied: tuple[str, ...] = ()
    if name is None and cls.name in KNOBS:
        name, tied = KNOBS[cls.name]
    if name is None or name not in declared:
        return None
    return Knob(declared[name], tuple(t for t in tied if t in declared))


@dataclass(frozen=True, slots=True)
class SweepSpec:
    strategy: str
    knob: Knob
    values: tuple[float, ...]

    @property
    def label(self) -> str:
        return f"{self.strategy}.{self.knob.param.name}"


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UserError(f"{where}: {text!r} is not a finite number")
    return value


def parse_sweep(text: str) -> SweepSpec:
    where = f"--sweep {text!r}"
    target, sep, spec = text.partition("=")
    name, dot, key = target.partition(".")
    parts = spec.split(":")
    if not sep or not dot or len(parts) != 3:
        raise UserError(f"{where}: expected NAME.KEY=START:STOP:STEP, e.g. threshold.threshold=0.1:0.9:0.05")
    try:
        cls = strategy_class(name.strip())
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    declared = numeric_params(cls)
    key = key.strip()
    if key not in declared:
        numeric = ", ".join(declared) or "none"
        raise UserError(f"{where}: {cls.name} has no numeric parameter {key!r}; numeric parameters: {numeric}")
    param = declared[key]
    start, stop, step = (_number(p, where) for p in parts)
    if step <= 0:
        raise UserError(f"{where}: STEP must be positive")
    if stop < start:
        raise UserError(f"{where}: STOP ({stop:g}) is below START ({start:g})")
    low = param.min if param.min is not None else -math.inf
    high = param.max if param.max is not None else math.inf
    if start < low or stop > high:
        raise UserError(
            f"{where}: {start:g}..{stop:g} is outside {cls.name}.{key}'s bounds {param.min:g}..{param.max:g}"
        )
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_STEPS:
        raise UserError(f"{where}: {count} steps; at most {MAX_STEPS} (raise STEP)")
    values = [round(start + step * i, 10) for i in range(count)]
    if param.type == "int":
        values = sorted({round(v) for v in values})
    knob = knob_for(cls)
    tied = knob.tied if knob is not None and knob.param.name == key else ()
    return SweepSpec(cls.name, Knob(param, tied), tuple(values))


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    value: float

    @property
    def label(self) -> str:
        return f"{self.kind}={self.value:g}"


def parse_target(text: str) -> Target:
    kind, sep, raw = text.partition("=")
    kind = kind.strip()
    if not sep or kind not in TARGETS:
        raise UserError(f"--calibrate {text!r}: expected one of strong_share=0.3, budget_per_1k=2.5, quality_floor=0.8")
    value = _number(raw.strip(), f"--calibrate {text!r}")
    if kind == "strong_share" and not 0.0 <= value <= 1.0:
        raise UserError(f"--calibrate {text!r}: a share lies between 0 and 1")
    if kind == "budget_per_1k" and value < 0:
        raise UserError(f"--calibrate {text!r}: a budget cannot be negative")
    return Target(kind, value)


def grid(low: float, high: float, count: int, is_int: bool) -> list[float]:
    values = np.linspace(low, high, count).tolist()
    return sorted({round(v) for v in values}) if is_int else [round(v, 10) for v in values]
