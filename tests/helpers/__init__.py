"""Helpers shared by the tests of every layer (one place; test files never import each other)."""
