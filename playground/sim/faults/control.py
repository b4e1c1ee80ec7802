"""The simulator's active fault plan, swappable from any thread while the
server runs on its own loop thread (the TUI's chaos panel sets faults from
the UI thread).

A new plan is built and validated by the caller, outside the lock; the swap
of (plan, request counter) is atomic, and each request takes its plan and
its index together, so a request never mixes two plans.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from playground.core.errors import UserError
from playground.sim.faults.plan import FaultPlan
from playground.sim.faults.spec import FaultSpec, parse_fault_spec
from playground.sim.faults.spec_plan import SpecFaultPlan

Faults = FaultSpec | str | FaultPlan
_NONE = FaultSpec()
SEED_MAX = 2**64 - 1


def check_seed(seed: object) -> int:
    """A seed is an integer in 0..2**64-1 (it seeds 64-bit generators)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        shown = repr(seed) if len(repr(seed)) <= 40 else repr(seed)[:37] + "..."
        raise UserError(f"fault seed must be an integer in 0..{SEED_MAX}, got {shown}")
    return seed


class FaultControl:
    """`known_models` maps every served model name to its canonical `sim-`
    name (a plain collection of names also works), so a spec may name a
    model either way and is keyed by the canonical name."""

    def __init__(
        self, known_models: Mapping[str, str] | frozenset[str], faults: Faults | None = None, seed: int = 0
    ) -> None:
        self.known_models: Mapping[str, str] = (
            known_models if isinstance(known_models, Mapping) else {name: name for name in known_models}
        )
        self._lock = threading.Lock()
        self._plan: FaultPlan = FaultPlan()
        self._spec = _NONE
        self._seed = seed
        self._next_index = 0
        self.set(faults if faults is not None else _NONE, seed)

    def build(self, faults: Faults, seed: int) -> tuple[FaultPlan, FaultSpec]:
        """The plan for `faults`, or a `UserError` naming what is wrong: the
        parser's message for the syntax, unknown models, probabilities > 1."""
        if isinstance(faults, FaultPlan):
            spec = faults.spec if isinstance(faults, SpecFaultPlan) else _NONE
            return faults, spec
        if isinstance(faults, FaultSpec):
            # Re-parse so a spec built without `known_models` is checked too.
            faults = faults.format()
        if not isinstance(faults, str):
            raise UserError(f"faults must be a fault spec string such as 'server_error=0.2', got {faults!r}")
        spec = parse_fault_spec(faults, known_models=self.known_models)
        return SpecFaultPlan(spec, seed), spec

    def set(self, faults: Faults, seed: int | None = None) -> None:
        """Replace the plan; the request index restarts at 0 so a run after a
        set is repeatable. `seed` None keeps the current seed."""
        seed = self._seed if seed is None else check_seed(seed)
        plan, spec = self.build(faults, seed)
        with self._lock:
            self._plan, self._spec, self._seed, self._next_index = plan, spec, seed, 0

    def clear(self) -> None:
        self.set(_NONE)

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    @property
    def spec(self) -> FaultSpec:
        return self._spec

    @property
    def seed(self) -> int:
        return self._seed

    def admit(self) -> tuple[FaultPlan, int]:
        """The plan for a new request and the request's index under it."""
        with self._lock:
            index, self._next_index = self._next_index, self._next_index + 1
            return self._plan, index

    def describe(self) -> dict[str, Any]:
        """`{"spec": formatted, "seed": S, "models": {served_name: settings}}`,
        listing only models with settings of their own."""
        with self._lock:
            spec, seed = self._spec, self._seed
        return {
            "spec": spec.format(),
            "seed": seed,
            "models": {model: asdict(spec.for_model(model)) for model in spec.models()},
        }
