"""A progress bar on standard error for long commands (soak, train-router),
drawn only when standard error is a terminal: pipes, logs and `--json` runs
get nothing from it."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator


class Progress(Protocol):
    def update(self, done: int, detail: str = "") -> None: ...


class _Silent:
    def update(self, done: int, detail: str = "") -> None:
        return None


class _Bar:
    def __init__(self, bar: object, task: object) -> None:
        self._bar = bar
        self._task = task

    def update(self, done: int, detail: str = "") -> None:
        self._bar.update(self._task, completed=done, detail=detail)  # type: ignore[attr-defined]


def wanted(quiet: bool = False) -> bool:
    stream = sys.stderr
    return not quiet and stream is not None and hasattr(stream, "isatty") and stream.isatty()


@contextmanager
def progress_bar(label: str, total: int, *, quiet: bool = False) -> Iterator[Progress]:
    """`quiet` (e.g. with --json) or no terminal: a no-op bar."""
    if not wanted(quiet):
        yield _Silent()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    console = Console(file=sys.stderr, force_terminal=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn())
    with RichProgress(*columns, console=console, transient=False, refresh_per_second=5) as bar:
        task = bar.add_task(label, total=total, detail="")
        yield _Bar(bar, task)
