"""Every Textual worker the app starts names its description.

Without one, Textual's `@work` builds it from `repr()` of every argument, on
the event loop, each time the worker starts: a column's stream worker got the
engine, the request and the run state, so a send spent about 40 ms of CPU
(eight columns) repr-ing them while keys and frames waited, and more with a
long prompt in the request."""

from __future__ import annotations

import ast
from pathlib import Path

import playground.tui

TUI = Path(playground.tui.__file__).parent


def work_decorators() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(target, ast.Name) and target.id == "work":
                        found.append((f"{path.relative_to(TUI)}:{node.name}", node.lineno, decorator))
    return found


def test_the_scan_sees_the_column_stream_worker() -> None:
    assert any(where == "widgets/column.py:_stream" for where, _, _ in work_decorators())


def test_every_worker_names_its_description() -> None:
    unnamed = [f"{where} (line {line})" for where, line, decorator in work_decorators()
               if not (isinstance(decorator, ast.Call) and any(k.arg == "description" for k in decorator.keywords))]
    assert not unnamed, f"@work without description= (Textual would repr its arguments on every start): {unnamed}"
