"""Checking that a request's JSON Schema (tool parameters, a response
format) is valid JSON Schema, with `jsonschema` under the draft the schema
declares (2020-12 by default). The playground checks before sending and the
simulator checks what it receives, with the same function and error."""

from __future__ import annotations

from typing import Any

from jsonschema import SchemaError as _JsonSchemaError
from jsonschema.validators import validator_for


class SchemaError(ValueError):
    """The schema is not valid JSON Schema; the message says where."""


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
