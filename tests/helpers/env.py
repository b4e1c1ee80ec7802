"""The environment tests run in: no provider keys, a fast simulator, fake keys built at run time."""

from __future__ import annotations

import os

PROVIDER_ENV = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GROQ_API_KEY",
    "DEEPSEEK_API_KEY", "OPENROUTER_API_KEY", "OLLAMA_BASE_URL",
)
# Fast enough for a 2-core CI box, slow enough that streams have many chunks.
TEST_SIM_SPEED = "40"


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV}
    env.update(extra)
    return env


def fake_key(prefix: str, body: str) -> str:
    """`fake_key("sk-proj", "ABC")` -> a key-shaped string `<prefix>-<body>`."""
    return f"{prefix}-{body}"
