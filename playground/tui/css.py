"""Each widget's styles live in a `.tcss` file beside its module and are
loaded into the widget's `DEFAULT_CSS`, so a widget carries its own look
wherever it is mounted (no list of style files in the App)."""

from __future__ import annotations

from pathlib import Path


def css_beside(module_file: str, name: str) -> str:
    """The text of the style file `name` in the module's folder."""
    return Path(module_file).with_name(name).read_text(encoding="utf-8")
