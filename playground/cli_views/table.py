"""Plain-text tables whose columns never run together: each column is as
wide as its widest cell, with two spaces between columns."""

from __future__ import annotations

from collections.abc import Sequence

GAP = "  "


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """`right`: indexes of right-aligned (numeric) columns. The last column
    is not padded, so lines carry no trailing spaces."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in (header, *rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append(GAP.join(cells).rstrip())
    return "\n".join(lines) + "\n"
