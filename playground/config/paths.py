"""The one module that knows where user files live (via platformdirs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_state_path

APP_NAME = "routing-playground"
CONFIG_ENV = "PLAYGROUND_CONFIG"


def config_dir() -> Path:
    return user_config_path(APP_NAME, appauthor=False)


def profiles_dir() -> Path:
    return config_dir() / "profiles"


def state_dir() -> Path:
    return user_state_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Derived data that can be rebuilt at any time (evaluation feature caches)."""
    return user_cache_path(APP_NAME, appauthor=False)


def last_good_file(config_file: Path) -> Path:
    """Where the last configuration that validated is kept, one per config file."""
    resolved = str(config_file.resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:16]
    return state_dir() / "last-good" / f"{config_file.stem}-{digest}.toml"


def themes_dir() -> Path:
    """User themes (same format as the built-ins in the checkout's themes/)."""
    return config_dir() / "themes"


def data_dir() -> Path:
    """History and other data the app keeps (not configuration)."""
    return user_data_path(APP_NAME, appauthor=False)


def exports_dir() -> Path:
    """Where the TUI writes exports (the CLI writes where --out says)."""
    return data_dir() / "exports"
