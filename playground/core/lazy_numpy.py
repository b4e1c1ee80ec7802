"""`np`: numpy, imported on first use rather than when a module that uses it
is imported.

Numpy costs about 0.12 s of CPU to import (its C core and BLAS), and the
strategy and engine modules all use it, yet nothing the TUI draws in its
first frame needs it (the columns are empty, the picker lists names). So
those modules take `np` from here: the first attribute looked up imports
numpy (under a lock: the session opens in a worker thread while the screen
runs), copies its namespace into this stand-in and makes it a plain module,
so every later lookup is as fast as on numpy itself (numpy's own lazily
loaded submodules, `np.testing`, go through numpy's `__getattr__`). Type
checkers see numpy itself.
"""

from __future__ import annotations

import importlib
import threading
import types
from typing import TYPE_CHECKING, Any

_lock = threading.Lock()


class _LazyNumpy(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        """Called for a name not in the stand-in yet: its first use (or a
        lookup racing it from another thread, which waits for the import)."""
        with _lock:
            real = importlib.import_module("numpy")
            if type(self) is _LazyNumpy:
                self.__dict__.update((k, v) for k, v in vars(real).items() if k not in _OWN)
                object.__setattr__(self, "__class__", types.ModuleType)  # no hook on later lookups
        return getattr(real, name)


# What stays the stand-in's own (the rest is numpy's, `__getattr__` included).
_OWN = frozenset({"__name__", "__spec__", "__loader__", "__package__"})

if TYPE_CHECKING:
    import numpy as np
else:
    np = _LazyNumpy("numpy (loaded on first use)")

__all__ = ["np"]
