"""A slider-like number stepper: ←/→ (or -/+) change the value by a step,
Shift+←/→ (or PgUp/PgDn) by ten steps, Home/End jump to the bounds.

The stepper asks for a value (`Stepper.Requested`) and moves to it at once,
so a held key (several presses before the first is validated) keeps
stepping from where the knob is; its owner validates each request and, when
it refuses one, calls `show` with the value in effect, so a refused step
changes nothing.
"""

from __future__ import annotations

import math
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget


def nice_step(span: float, integer: bool) -> float:
    """A 1/2/5 × 10^k step close to span/100 (at least 1 for integers)."""
    if span <= 0 or not math.isfinite(span):
        return 1.0 if integer else 0.1
    raw = span / 100
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return max(1.0, round(step)) if integer else step


def step_decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


class Stepper(Widget, can_focus=True):
    """A one-line bar between the bounds (or arrows without bounds)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,minus", "step(-1)", "−step", show=False, id="stepper_down"),
        Binding("right,plus,equals_sign", "step(1)", "+step", show=False, id="stepper_up"),
        Binding("shift+left,pagedown", "step(-10)", "−10 steps", show=False, id="stepper_down_big"),
        Binding("shift+right,pageup", "step(10)", "+10 steps", show=False, id="stepper_up_big"),
        Binding("home", "bound(0)", "min", show=False, id="stepper_min"),
        Binding("end", "bound(1)", "max", show=False, id="stepper_max"),
    ]

    class Requested(Message):
        """The user asked for `value` (not yet validated)."""

        def __init__(self, stepper: Stepper, value: float) -> None:
            super().__init__()
            self.stepper = stepper
            self.value = value

        @property
        def control(self) -> Stepper:
            return self.stepper

    def __init__(self, value: float, *, minimum: float | None, maximum: float | None, integer: bool,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
        self.integer = integer
        span = (maximum - minimum) if minimum is not None and maximum is not None else (100.0 if integer else 10.0)
        self.step = nice_step(span, integer)

    def show(self, value: float) -> None:
        self.value = value
        self.refresh()

    def _clamp(self, value: float) -> float:
        if self.minimum is not None:
            value = max(self.minimum, value)
        if self.maximum is not None:
            value = min(self.maximum, value)
        return value

    def _request(self, value: float) -> None:
        if value != self.value:
            self.show(value)
            self.post_message(self.Requested(self, value))

    def action_step(self, steps: int) -> None:
        value = self._clamp(self.value + steps * self.step)
        self._request(round(value) if self.integer else round(value, step_decimals(self.step) + 1))

    def action_bound(self, which: int) -> None:
        bound = self.minimum if which == 0 else self.maximum
        if bound is not None:
            self._request(int(bound) if self.integer else bound)

    def render(self) -> Content:
        width = max(6, self.content_size.width - 4)
        if self.minimum is None or self.maximum is None or self.maximum <= self.minimum:
            return Content.from_markup("[$text-muted]◀[/] $bar [$text-muted]▶", bar="·" * width)
        share = (self.value - self.minimum) / (self.maximum - self.minimum)
        knob = min(width - 1, max(0, round(share * (width - 1))))
        return Content.from_markup(
            "[$text-muted]◀[/] [$accent]$done[/][b]●[/b][$text-muted]$rest ▶",
            done="━" * knob,
            rest="─" * (width - 1 - knob),
        )
