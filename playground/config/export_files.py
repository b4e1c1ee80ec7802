"""Write an export to a file: atomically, owner-only, named after what it
describes when no name is given; into a pipe or device as it is."""

from __future__ import annotations

from pathlib import Path

from playground.config import paths
from playground.config.build import Settings
from playground.config.exporters import ExportResult, Format, export_policy
from playground.config.files import write_output
from playground.core.errors import UserError


def default_export_path(settings: Settings, fmt: Format, suffix: str) -> Path:
    return paths.exports_dir() / f"policy-{settings.router_strategy}-{fmt}{suffix}"


def write_export(settings: Settings, fmt: Format, out: Path | None = None, *,
                 parents: bool | None = None) -> tuple[Path, ExportResult]:
    """`out` None: the exports dir (created as needed). An explicit `out`
    whose directory is missing is refused unless `parents`: a typo must not
    silently grow a directory tree."""
    result = export_policy(settings, fmt)
    path = Path(out).expanduser() if out is not None else default_export_path(settings, fmt, result.suffix)
    create = out is None if parents is None else parents
    if not create and not path.parent.is_dir() and not path.exists():
        raise UserError(f"cannot write {path}: directory {path.parent} does not exist "
                        "(create it, or pass --parents to create it with mode 0700)")
    write_output(path, result.text, parents=create)
    return path, result
