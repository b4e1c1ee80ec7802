"""The cyclic garbage collector, paused from the command's start to the
TUI's first frame, and whose it is afterwards.

Start-up allocates some 145,000 long-lived objects (modules, classes, the
stylesheet, the widgets) and almost no cyclic garbage, yet the collector's
full passes walk all of them again and again while they are created: about
a fifth of the CPU time to the first frame. So the `tui` command pauses the
collector before it imports the app, and the app resumes it on its first
frame, freezing what start-up built (`gc.freeze`: later collections,
during streaming too, skip those objects). The few unreachable start-up
objects (about 5,800, measured) are frozen with them rather than paying a
full collection at that moment (about 0.26 s on the loaded 2-core machine).

The command then owns the process's collector until it returns
(`owns_collector`), so the app may settle its heap between runs
(`widgets/columns_row.py`). An app started by a test or a library caller
does not: the collector (enabled or not, frozen or not) is theirs and is
left as it was found."""

from __future__ import annotations

import gc

_paused = False
_owned = False


def pause_collector() -> None:
    """Stop automatic collections until `resume_collector`, and take the
    collector for the app (no-op if someone else turned it off)."""
    global _paused, _owned
    if gc.isenabled():
        gc.disable()
        _paused = _owned = True


def resume_collector(*, freeze: bool = True) -> None:
    """Collect automatically again, if `pause_collector` stopped it, first
    freezing what start-up built (idempotent)."""
    global _paused
    if _paused:
        _paused = False
        if freeze:
            gc.freeze()
        gc.enable()


def release_collector() -> None:
    """The command is returning: give the collector back as it was taken
    (enabled, and nothing frozen if start-up never reached its first frame)."""
    global _owned
    resume_collector(freeze=False)
    _owned = False


def owns_collector() -> bool:
    """True while the `tui` command owns the process's collector."""
    return _owned
