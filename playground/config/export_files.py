"""Write an export to a file: atomically, owner-only, named after what it
describes when no name is given."""

from __future__ import annotations

from pathlib import Path

from playground.config import paths
from playground.config.build import Settings
from playground.config.exporters import ExportResult, Format, export_policy
from playground.config.files import write_private


def default_export_path(settings: Settings, fmt: Format, suffix: str) -> Path:
    return paths.exports_dir() / f"policy-{settings.router_strategy}-{fmt}{suffix}"


def write_export(settings: Settings, fmt: Format, out: Path | None = None) -> tuple[Path, ExportResult]:
    result = export_policy(settings, fmt)
    path = Path(out).expanduser() if out is not None else default_export_path(settings, fmt, result.suffix)
    write_private(path, result.text)
    return path, result
