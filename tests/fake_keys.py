"""Fake API keys for tests that check keys are never shown or written.

Built at run time from parts so the source holds nothing shaped like a real
key (secret scanners flag such literals); the values are still key-shaped,
which is what the redaction under test looks for."""

from __future__ import annotations


def fake_key(prefix: str, body: str) -> str:
    """`fake_key("sk-proj", "ABC")` -> a key-shaped string `<prefix>-<body>`."""
    return f"{prefix}-{body}"
