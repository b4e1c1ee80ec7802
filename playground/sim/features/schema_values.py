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

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from playground.sim.features.schema_checks import SchemaError
from playground.sim.features.schema_scalars import count, number_value, string_value

MAX_DEPTH = 24
MAX_ITEMS = 200
MAX_PROPERTIES = 200
DEFAULT_ITEMS = 2

_ANSWER_NAMES = frozenset(["answer", "response", "reply", "text", "content", "summary", "explanation", "reasoning",
                           "description", "message", "output", "result", "body", "details", "comment", "analysis"])
_TYPE_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")


@dataclass(frozen=True, slots=True)
class Hints:
    """Where string values come from: `text` for fields that hold an answer
    ("answer", "summary"...), `terms` (the prompt's key terms) for the rest."""

    text: str = ""
    terms: tuple[str, ...] = ()


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
            return string_value({}, name, variant, self.words_for)
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
            return number_value(schema, kind == "integer", variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return string_value(schema, name, variant, self.words_for)

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
        most = count(schema.get("maxProperties"), MAX_PROPERTIES)
        least = count(schema.get("minProperties"), 0)
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
        least = count(schema.get("minItems"), 0)
        most = count(schema.get("maxItems"), MAX_ITEMS)
        if least > MAX_ITEMS:
            raise SchemaError(f"minItems {least} at {name or 'the top level'} is more than the {MAX_ITEMS} items "
                              "the simulator builds")
        prefix = schema.get("prefixItems")
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        target = max(least, len(prefix) if least else 0, 0 if depth > 4 else DEFAULT_ITEMS)
        size = min(target, most)
        if items is False:
            size = min(size, len(prefix))
        element = _singular(name)
        values: list[Any] = []
        for index in range(size):
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
