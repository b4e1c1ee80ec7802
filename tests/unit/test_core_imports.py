"""The core must stay free of Textual: the CLI, evaluation and library users
run it without a terminal UI."""

import subprocess
import sys

CORE_MODULES = [
    "playground.core.catalog", "playground.core.events", "playground.core.tokens", "playground.core.pricing",
    "playground.providers.pool", "playground.strategies.registry", "playground.engine.session",
    "playground.engine.runner", "playground.sim.runner", "playground.cli",
    "playground.eval.preview", "playground.eval.prompt_sets", "playground.eval.tuning",
]


def test_core_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "print(','.join(leaked))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported Textual modules: {out.stdout.strip()}"


def test_tui_does_import_textual() -> None:
    """Guards the test above against passing vacuously (e.g. a broken probe)."""
    code = "import sys, playground.tui.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
