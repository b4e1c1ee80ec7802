"""The simulator checks request schemas exactly as the playground does
before sending them (core/json_schema.py)."""

from __future__ import annotations

from playground.core.json_schema import SchemaError, check_schema

__all__ = ["SchemaError", "check_schema"]
