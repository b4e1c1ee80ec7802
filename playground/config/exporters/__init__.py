"""Export a policy to the project's own TOML and to the gateways users deploy.

`export_policy(settings, fmt, env)` returns the text, one line per feature the
format cannot express, and the file suffix. `env` (default os.environ) only
says which providers have a key, as the playground decides what it can call;
only environment variable NAMES ever appear in an export: no format is given a
key value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from playground.config.build import Settings
from playground.config.exporters.common import ExportResult
from playground.core.errors import UserError

Format = Literal["toml", "litellm", "portkey"]
FORMATS: tuple[str, ...] = ("toml", "litellm", "portkey")


def export_policy(settings: Settings, fmt: Format, env: Mapping[str, str] | None = None) -> ExportResult:
    if fmt == "toml":
        from playground.config.exporters.export_toml import export_toml

        return export_toml(settings)
    if fmt == "litellm":
        from playground.config.exporters.export_litellm import export_litellm

        return export_litellm(settings, env)
    if fmt == "portkey":
        from playground.config.exporters.export_portkey import export_portkey

        return export_portkey(settings, env)
    raise UserError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ExportResult", "Format", "export_policy"]
