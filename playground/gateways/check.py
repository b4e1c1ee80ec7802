"""`playground export --check`: the user's policy through the playground and
through the real gateways it exports to, under the same faults, as one
side-by-side table. Gateways missing from the cache are installed first (with
a note that this downloads them)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from playground.config.build import Settings
from playground.gateways.install import NAMES, Installed, ensure, find


def gateways_for(fmt: str) -> tuple[str, ...]:
    """The gateways a format is checked against: its own, or every gateway
    for the project's TOML (the policy the playground itself runs)."""
    return (fmt,) if fmt in NAMES else NAMES


def run_check(settings: Settings, fmt: str, say: Callable[[str], None] | None = None) -> int:
    from playground.gateways.compare import Comparison
    from playground.gateways.table import render

    def tell(line: str) -> None:
        (say or (lambda text: print(text, file=sys.stderr, flush=True)))(f"playground: export --check: {line}")

    installed: dict[str, Installed] = {}
    for name in gateways_for(fmt):
        found = find(name)
        installed[name] = found if found is not None else ensure(name, say=tell)
        if installed[name].fresh:
            tell(f"installed {name} {installed[name].version} in {installed[name].install_s:.0f} s")
    started = time.monotonic()
    tell(f"running strategy {settings.router_strategy} through the playground and "
         f"{', '.join(f'{i.name} {i.version}' for i in installed.values())} on a loopback simulator")
    with Comparison(settings, installed) as comparison:
        run = comparison.run([settings.router_strategy])[0]
    sys.stdout.write(render(run, {name: i.version for name, i in installed.items()}))
    tell(f"done in {time.monotonic() - started:.0f} s")
    return 0
