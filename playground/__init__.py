"""routing-playground: compare LLM routing strategies side by side.

Run a tuned policy in your own code with `from playground import Router`
(see `playground.library`). The names below are imported on first use, so
`import playground` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "Router": "playground.library",
    "Completion": "playground.library",
    "RoutingError": "playground.library",
    "RouterClosed": "playground.library",
    "ConfigError": "playground.config.problems",
    "UserError": "playground.core.errors",
}
__all__ = ["Completion", "ConfigError", "Router", "RouterClosed", "RoutingError", "UserError", "__version__"]

if TYPE_CHECKING:
    from playground.config.problems import ConfigError
    from playground.core.errors import UserError
    from playground.library import Completion, Router, RouterClosed, RoutingError


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'playground' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
