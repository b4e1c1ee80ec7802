"""Named profiles: complete policy files in the user config dir that can be
saved, loaded, duplicated and compared."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.config import paths
from playground.config.build import Settings
from playground.config.files import write_private
from playground.config.load import parse_policy_text
from playground.config.schema import PolicyFile
from playground.config.serialize import policy_data, policy_to_toml
from playground.core.errors import UserError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise UserError(f"profile name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit")
    return name


def profile_path(name: str, directory: Path | None = None) -> Path:
    return (directory or paths.profiles_dir()) / f"{check_name(name)}.toml"


def list_profiles(directory: Path | None = None) -> list[str]:
    folder = directory or paths.profiles_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def save_profile(name: str, policy: PolicyFile, directory: Path | None = None, *, overwrite: bool = True) -> Path:
    path = profile_path(name, directory)
    if path.exists() and not overwrite:
        raise UserError(f"profile {name!r} already exists ({path}); choose another name")
    write_private(path, policy_to_toml(policy, header=f"# routing-playground profile {name!r}\n"))
    return path


def load_profile(name: str, directory: Path | None = None,
                 extra_models: Mapping[str, dict[str, Any]] | None = None) -> Settings:
    """`extra_models`: models discovered on local servers, which a profile may name."""
    path = profile_path(name, directory)
    if not path.exists():
        known = ", ".join(list_profiles(directory)) or "none saved yet"
        raise UserError(f"no profile named {name!r} (profiles: {known})")
    return parse_policy_text(path.read_text(encoding="utf-8"), str(path), extra_models=extra_models)


def duplicate_profile(source: str, target: str, directory: Path | None = None) -> Path:
    return save_profile(target, load_profile(source, directory).policy, directory, overwrite=False)


def delete_profile(name: str, directory: Path | None = None) -> None:
    path = profile_path(name, directory)
    if not path.exists():
        raise UserError(f"no profile named {name!r}")
    path.unlink()


@dataclass(frozen=True, slots=True)
class Difference:
    key: str
    left: Any
    right: Any


MISSING = "(unset)"


def diff_policies(left: PolicyFile, right: PolicyFile) -> list[Difference]:
    """Every leaf value that differs, by dotted key, sorted."""
    a, b = _flatten(policy_data(left)), _flatten(policy_data(right))
    return [Difference(k, a.get(k, MISSING), b.get(k, MISSING)) for k in sorted(a.keys() | b.keys())
            if a.get(k, MISSING) != b.get(k, MISSING)]


def diff_profiles(left: str, right: str, directory: Path | None = None) -> list[Difference]:
    return diff_policies(load_profile(left, directory).policy, load_profile(right, directory).policy)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat
