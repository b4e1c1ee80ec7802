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


# What a start-up that only parses arguments must not pay for (seconds on a small machine).
HEAVY = ("pydantic", "numpy", "openai", "anthropic", "httpx2", "textual", "starlette", "uvicorn", "tiktoken", "yaml",
         "playground.config", "playground.engine", "playground.strategies", "playground.providers")


def _loaded_after(code: str) -> list[str]:
    probe = (code + "\nimport sys\n"
             f"heavy = {HEAVY!r}\n"
             "print(','.join(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_help_and_version_load_nothing_heavy() -> None:
    for argv in (["--help"], ["--version"], ["sim", "--help"]):
        code = ("import contextlib, io\nfrom playground.cli import main\n"
                f"with contextlib.redirect_stdout(io.StringIO()):\n    main({argv!r})")
        assert _loaded_after(code) == [], argv


def test_command_modules_defer_their_imports_until_they_run() -> None:
    from playground.cli import COMMANDS

    modules = "".join(f"import {c.module}\n" for c in COMMANDS)
    assert _loaded_after(modules) == []


def test_a_pool_preloads_the_sdks_of_the_kinds_it_serves_and_no_other() -> None:
    """A UI preloads in a worker thread so the first send imports nothing on its event loop."""
    code = (
        "import sys\n"
        "from playground.core.catalog import default_catalog\n"
        "from playground.providers.endpoints import simulated_endpoints\n"
        "from playground.providers.pool import ProviderPool\n"
        "endpoints = simulated_endpoints(default_catalog(), 'http://127.0.0.1:9')\n"
        "before = [m for m in ('openai', 'anthropic') if m in sys.modules]\n"
        "only_openai = {n: e for n, e in endpoints.items() if e.kind == 'openai'}\n"
        "ProviderPool(only_openai).preload()\n"
        "middle = [m for m in ('openai', 'anthropic') if m in sys.modules]\n"
        "ProviderPool(endpoints).preload()\n"
        "after = [m for m in ('openai', 'anthropic') if m in sys.modules]\n"
        "print(before, middle, after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] ['openai'] ['openai', 'anthropic']"
