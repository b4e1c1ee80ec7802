"""A value valid against a JSON Schema, for tool-call arguments and JSON
mode answers: deterministic (the same schema and hints give the same value),
plausible (strings come from the prompt's key terms or the answer's text,
numbers sit inside their bounds) and checked with `jsonschema` before use.

Supported: type (and type lists), properties / required /
additionalProperties / patternProperties / min-maxProperties, items /
prefixItems / min-maxItems / uniqueItems / contains, enum, const, string
min-maxLength / pattern / format, number and integer bounds (exclusive
too) and multipleOf, anyOf / oneOf / allOf, local $ref ($defs, definitions,
recursive schemas). A schema that asks for more than the simulator will
build (thousands of items, megabyte strings, endless required recursion)
is refused with a `SchemaError` rather than answered slowly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import SchemaError as _JsonSchemaError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from playground.sim.features.regex_sample import sample

MAX_DEPTH = 24
MAX_ITEMS = 200
MAX_PROPERTIES = 200
MAX_STRING = 20_000
DEFAULT_ITEMS = 2

_ANSWER_NAMES = frozenset(["answer", "response", "reply", "text", "content", "summary", "explanation", "reasoning",
                           "description", "message", "output", "result", "body", "details", "comment", "analysis"])
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
_TYPE_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")


class SchemaError(ValueError):
    """The schema is not valid JSON Schema, or asks for more than the
    simulator builds; the message says which (for a 400)."""


@dataclass(frozen=True, slots=True)
class Hints:
    """Where string values come from: `text` for fields that hold an answer
    ("answer", "summary"...), `terms` (the prompt's key terms) for the rest."""

    text: str = ""
    terms: tuple[str, ...] = ()


def check_schema(schema: Any) -> None:
    """A `SchemaError` naming the first problem if `schema` is not valid
    JSON Schema (under the draft it declares, 2020-12 by default)."""
    if not isinstance(schema, dict | bool):
        raise SchemaError("the schema must be a JSON object")
    cls: Any = validator_for(schema)
    try:
        cls.check_schema(schema)
    except _JsonSchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(top level)"
        raise SchemaError(f"{exc.message} at {where}") from None
    except RecursionError:
        raise SchemaError("the schema is nested too deeply") from None


def is_valid(schema: Any, instance: Any) -> bool:
    try:
        return validator_for(schema)(schema).is_valid(instance)
    except (Unresolvable, RecursionError, ValueError, TypeError):
        return False


def first_error(schema: Any, instance: Any) -> str | None:
    """The most relevant validation error's message, or None if valid."""
    try:
        error = best_match(validator_for(schema)(schema).iter_errors(instance))
    except (Unresolvable, RecursionError, ValueError, TypeError) as exc:
        return str(exc)
    return None if error is None else error.message


def generate(schema: Any, hints: Hints | None = None) -> Any:
    """A value for `schema`; raises `SchemaError` if it cannot build one."""
    return _Builder(schema, hints or Hints()).value(schema, "", 0, 0)


@dataclass(slots=True)
class _Builder:
    root: Any
    hints: Hints
    _terms_used: int = 0
    _validator: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._validator = validator_for(self.root)(self.root) if isinstance(self.root, dict | bool) else None

    def valid(self, schema: Any, instance: Any) -> bool:
        if self._validator is None:
            return False
        try:
            return self._validator.evolve(schema=schema).is_valid(instance)
        except (Unresolvable, RecursionError, ValueError, TypeError):
            return False

    # --- dispatch ----------------------------------------------------------

    def value(self, schema: Any, name: str, depth: int, variant: int) -> Any:
        if depth > MAX_DEPTH:
            raise SchemaError(f"the schema nests (or recurses) deeper than {MAX_DEPTH} levels where values are "
                              "required")
        if schema is True or schema == {}:
            return self.string({}, name, variant)
        if schema is False:
            raise SchemaError(f"no value is allowed for {name or 'the top level'} (schema false)")
        if not isinstance(schema, dict):
            raise SchemaError(f"a schema must be an object or a boolean, got {type(schema).__name__}")
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.enum(schema["enum"], variant)
        if isinstance(schema.get("allOf"), list):
            merged = dict(schema)
            parts = merged.pop("allOf")
            for part in parts:
                merged = _merge(merged, self.resolve(part) if isinstance(part, dict) else {})
            return self.value(merged, name, depth + 1, variant)
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self.choose(schema, key, options, name, depth, variant)
        kind = _type_of(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind in ("integer", "number"):
            return self.number(schema, kind == "integer", variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return self.string(schema, name, variant)

    def resolve(self, schema: dict[str, Any], seen: int = 0) -> dict[str, Any]:
        """`schema` with a local `$ref` replaced by its target (siblings kept)."""
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        if seen > MAX_DEPTH:
            raise SchemaError(f"$ref {ref!r} does not lead to a schema (a cycle of references)")
        target = _pointer(self.root, ref)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if target is True:
            target = {}
        if not isinstance(target, dict):
            raise SchemaError(f"$ref {ref!r} does not point to a schema object")
        return self.resolve({**target, **rest}, seen + 1)

    def choose(self, schema: dict[str, Any], key: str, options: list[Any], name: str, depth: int, variant: int) -> Any:
        base = {k: v for k, v in schema.items() if k != key}
        last_error: SchemaError | None = None
        for option in options:
            branch = _merge(base, self.resolve(option)) if isinstance(option, dict) else base
            try:
                candidate = self.value(branch, name, depth + 1, variant)
            except SchemaError as error:
                last_error = error
                continue
            if self.valid(schema, candidate):
                return candidate
        if last_error is not None:
            raise last_error
        raise SchemaError(f"no option of {key} at {name or 'the top level'} could be satisfied")

    def enum(self, values: list[Any], variant: int) -> Any:
        """The option the hints mention, else the `variant`-th."""
        text = " ".join((self.hints.text[:2000], *self.hints.terms)).lower()
        for option in values:
            if isinstance(option, str) and option and re.search(rf"\b{re.escape(option.lower())}\b", text):
                return values[(values.index(option) + variant) % len(values)]
        return values[variant % len(values)]

    # --- kinds -------------------------------------------------------------

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        most = _count(schema.get("maxProperties"), MAX_PROPERTIES)
        least = _count(schema.get("minProperties"), 0)
        if least > MAX_PROPERTIES or len(required) > MAX_PROPERTIES:
            raise SchemaError(f"the schema asks for more than {MAX_PROPERTIES} properties")
        names = list(dict.fromkeys([*required, *properties]))
        # Optional properties are filled while the object stays small and the
        # recursion shallow (recursive schemas end on required fields only).
        if depth > 4:
            names = required
        names = names[: max(most, len(required))]
        result: dict[str, Any] = {}
        for key in names:
            result[key] = self.value(self.property_schema(schema, key), key, depth + 1, 0)
        extra = schema.get("additionalProperties", True)
        index = 1
        while len(result) < least:
            if extra is False:
                raise SchemaError("minProperties cannot be met: additionalProperties is false")
            key = f"field_{index}"
            index += 1
            if key not in result:
                result[key] = self.value(extra if isinstance(extra, dict) else {}, key, depth + 1, 0)
        return result

    def property_schema(self, schema: dict[str, Any], key: str) -> Any:
        properties = schema.get("properties")
        if isinstance(properties, dict) and key in properties:
            return properties[key]
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, sub in patterns.items():
                try:
                    if re.search(pattern, key):
                        return sub
                except re.error:
                    continue
        extra = schema.get("additionalProperties", True)
        return extra if isinstance(extra, dict) else {}

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        least = _count(schema.get("minItems"), 0)
        most = _count(schema.get("maxItems"), MAX_ITEMS)
        if least > MAX_ITEMS:
            raise SchemaError(f"minItems {least} at {name or 'the top level'} is more than the {MAX_ITEMS} items "
                              "the simulator builds")
        prefix = schema.get("prefixItems")
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        target = max(least, len(prefix) if least else 0, 0 if depth > 4 else DEFAULT_ITEMS)
        count = min(target, most)
        if items is False:
            count = min(count, len(prefix))
        element = _singular(name)
        values: list[Any] = []
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            values.append(self.value(sub, element, depth + 1, index))
        if schema.get("uniqueItems"):
            values = _unique(values)
            if len(values) < least:
                raise SchemaError(f"uniqueItems at {name or 'the top level'}: could not build {least} distinct items")
        contains = schema.get("contains")
        needs_match = isinstance(contains, dict | bool) and contains is not True
        if needs_match and not any(self.valid(contains, v) for v in values):
            wanted = self.value(contains, element, depth + 1, 0)
            values = [wanted, *values[1:]] if values else [wanted]
        return values

    def number(self, schema: dict[str, Any], integer: bool, variant: int) -> int | float:
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

    def string(self, schema: dict[str, Any], name: str, variant: int) -> str:
        least = _count(schema.get("minLength"), 0)
        most = _count(schema.get("maxLength"), MAX_STRING)
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
            text = self.words_for(name)
            if variant:
                text = f"{text} {variant + 1}"
        return _fit(text, least, most)

    def words_for(self, name: str) -> str:
        low = name.lower()
        if self.hints.text and (low in _ANSWER_NAMES or not self.hints.terms):
            return self.hints.text
        if self.hints.terms:
            term = self.hints.terms[self._terms_used % len(self.hints.terms)]
            self._terms_used += 1
            return term
        return f"example {name.replace('_', ' ')}".strip() if name else "example"


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list) and kind:
        named = [k for k in _TYPE_ORDER if k in kind]
        non_null = [k for k in named if k != "null"]
        return (non_null or named or ["string"])[0]
    if any(k in schema for k in ("properties", "required", "additionalProperties", "minProperties")):
        return "object"
    if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains")):
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def _pointer(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        raise SchemaError(f"$ref {ref!r} is not local; the simulator resolves only #/... references")
    node = root
    for raw in [p for p in ref[1:].split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SchemaError(f"$ref {ref!r} points to nothing in the schema")
    return node


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Both schemas' constraints (properties and required combined)."""
    merged = {**base, **extra}
    if isinstance(base.get("properties"), dict) and isinstance(extra.get("properties"), dict):
        merged["properties"] = {**base["properties"], **extra["properties"]}
    if isinstance(base.get("required"), list) and isinstance(extra.get("required"), list):
        merged["required"] = list(dict.fromkeys([*base["required"], *extra["required"]]))
    for key, pick in (("minimum", max), ("minLength", max), ("minItems", max), ("maximum", min), ("maxLength", min),
                      ("maxItems", min)):
        if key in base and key in extra:
            merged[key] = pick(base[key], extra[key])
    return merged


def _count(value: Any, default: int) -> int:
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


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if not any(value == other and type(value) is type(other) for other in seen):
            seen.append(value)
    return seen
