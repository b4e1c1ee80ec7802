"""Messages between the app and its screens.

The app keeps the session and the policy; the main screen keeps the layout,
the columns and the totals. They tell each other what changed with these
messages (and the app's reactive `engine`, `session` and `status`, which the
screens watch) rather than calling into each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message


class StrategiesChanged(Message):
    """App → screens: the instances of these strategies were rebuilt (tuning
    applied, a profile loaded); columns use them from their next run."""

    bubble = False

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__()
        self.names = tuple(names)


class ColumnsWanted(Message):
    """App → screens: show exactly these columns, in this order (a profile loaded)."""

    bubble = False

    def __init__(self, columns: Sequence[str]) -> None:
        super().__init__()
        self.columns = tuple(columns)


class ColumnsChanged(Message):
    """Main screen → app: the columns on screen now, in order."""

    def __init__(self, columns: Sequence[str]) -> None:
        super().__init__()
        self.columns = tuple(columns)
