"""Open a session with the built-in simulator available: the one place
outside the CLI that starts it. The CLI, the TUI and the library open their
sessions here; the engine below only receives the function that starts a
simulator (`SessionOptions.simulator`), so it never imports `playground.sim`.

The simulator's server stack (Starlette, Uvicorn) is imported when a
simulator starts, not when this module is imported: `from playground
import Router` with real providers never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from playground.core.catalog import Catalog
from playground.engine.session import Session, SessionOptions, Simulator, SimulatorSpec

__all__ = ["open_session", "start_simulator", "with_simulator"]


def start_simulator(catalog: Catalog, spec: SimulatorSpec) -> Simulator:
    """Start the simulator on a loopback port (a `SimServer`, with fault
    control for the chaos panel); stopped by `Session.close`."""
    from playground.sim.runner import SimServer  # the server stack loads only to simulate

    server = SimServer(catalog=catalog, port=spec.port, speed=spec.speed, faults=spec.faults, seed=spec.seed)
    server.start()
    return server


def with_simulator(options: SessionOptions) -> SessionOptions:
    """`options` able to start the built-in simulator (unless they bring their own)."""
    return options if options.simulator is not None else replace(options, simulator=start_simulator)


def open_session(options: SessionOptions | None = None, env: Mapping[str, str] | None = None,
                 catalog: Catalog | None = None) -> Session:
    """`Session.open`, with the built-in simulator when no real provider is configured."""
    return Session.open(with_simulator(options or SessionOptions()), env=env, catalog=catalog)
