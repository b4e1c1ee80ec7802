"""Numbers and strings for a JSON Schema: inside minimum/maximum (exclusive
too) and multipleOf; within min/maxLength, matching `pattern` (see
`regex_sample`) or a `format`. Used by `schema_values`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from playground.sim.features.regex_sample import sample
from playground.sim.features.schema_checks import SchemaError

MAX_STRING = 20_000
_FORMATS = {
    "date-time": "2026-01-15T09:30:00Z",
    "date": "2026-01-15",
    "time": "09:30:00Z",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "iri": "https://example.com/resource",
    "uri-reference": "https://example.com/resource",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",
    "duration": "P1D",
    "regex": "^[a-z]+$",
}


def number_value(schema: dict[str, Any], integer: bool, variant: int) -> int | float:
    """A number inside the schema's bounds (and a multiple of multipleOf);
    `variant` moves it, so items of one array can differ."""
    low, high = _bounds(schema, integer)
    if low is not None and high is not None and low > high:
        raise SchemaError(f"no number fits between {low} and {high}")
    if low is not None and high is not None:
        span = high / 2 - low / 2  # halves: the full span may overflow a float
        if integer and span < 2**52:
            target = low + (math.floor(span) + variant) % (math.floor(2 * span) + 1)
        else:
            target = low + span * (1 + (variant * 0.2) % 1.0) if variant else low + span
    elif low is not None:
        target = low + 1 + variant
    elif high is not None:
        target = high - 1 - variant
    else:
        target = 1 + variant if integer else 1.5 + variant
    if low is not None:
        target = max(target, low)
    if high is not None:
        target = min(target, high)
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
        return _multiple(step, target, low, high, integer)
    if integer:
        value = math.floor(target)
        if low is not None and value < low:
            value = math.ceil(low)
        return int(value)
    return float(target)


def string_value(schema: dict[str, Any], name: str, variant: int, words: Callable[[str], str]) -> str:
    """A string within the schema's length, pattern or format; otherwise
    `words(name)` (the hints), numbered by `variant` after the first."""
    least = count(schema.get("minLength"), 0)
    most = count(schema.get("maxLength"), MAX_STRING)
    if least > MAX_STRING:
        raise SchemaError(f"minLength {least} at {name or 'the top level'} is more than the {MAX_STRING} "
                          "characters the simulator builds")
    if least > most:
        raise SchemaError(f"minLength {least} is more than maxLength {most} at {name or 'the top level'}")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        for stretch in (0, least, max(1, least // 2)):
            text = sample(pattern, min_repeat=stretch, variant=variant)
            if text is not None and least <= len(text) <= most:
                return text
        raise SchemaError(f"could not build a string matching pattern {pattern!r} "
                          f"of length {least}..{most} at {name or 'the top level'}")
    fmt = schema.get("format")
    text = _FORMATS.get(fmt, "") if isinstance(fmt, str) else ""
    if not text:
        text = words(name)
        if variant:
            text = f"{text} {variant + 1}"
    return _fit(text, least, most)


def count(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return max(0, int(value))


def _bounds(schema: dict[str, Any], integer: bool) -> tuple[float | None, float | None]:
    def number(key: str) -> float | None:
        value = schema.get(key)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    low, high = number("minimum"), number("maximum")
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if exclusive_low is True and low is not None:  # draft 4 booleans
        exclusive_low, low = low, None
    if exclusive_high is True and high is not None:
        exclusive_high, high = high, None
    low_edge = exclusive_low if _is_number(exclusive_low) else None
    high_edge = exclusive_high if _is_number(exclusive_high) else None
    if low_edge is not None:
        other = high_edge if high_edge is not None else high
        nudged = math.floor(low_edge) + 1 if integer else low_edge + _gap(low_edge, other)
        low = nudged if low is None else max(low, nudged)
    if high_edge is not None:
        other = low_edge if low_edge is not None else low
        nudged = math.ceil(high_edge) - 1 if integer else high_edge - _gap(high_edge, other)
        high = nudged if high is None else min(high, nudged)
    if integer:
        low = None if low is None else math.ceil(low)
        high = None if high is None else math.floor(high)
    return low, high


def _gap(edge: float, other: float | None) -> float:
    """How far inside an exclusive bound to stay: a quarter of the way to
    the other bound, or a hair when there is none."""
    if other is not None and other != edge:
        return abs(other - edge) / 4
    return max(1e-6, abs(edge) * 1e-9)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _multiple(step: float, target: float, low: float | None, high: float | None, integer: bool) -> int | float:
    count = math.ceil(target / step)
    if high is not None and count * step > high:
        count = math.floor(high / step)
    value = count * step
    if (low is not None and value < low) or (high is not None and value > high):
        raise SchemaError(f"no multiple of {step:g} lies within the bounds")
    if integer or (float(step).is_integer() and float(value).is_integer()):
        return round(value)
    return float(value)


def _fit(text: str, least: int, most: int) -> str:
    """`text` cut or padded to least..most characters (least <= most)."""
    if len(text) > most:
        text = text[:most].rstrip() or text[:most]
    while len(text) < least:
        text += " and more" if text else "example"
    return text[:most]
