"""TUI tests: the apps of one module share their simulators (see
`tests.helpers.tui.sim_app`); they stop when the module is done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.tui import stop_shared_simulators


@pytest.fixture(autouse=True, scope="module")
def shared_simulators() -> Iterator[None]:
    yield
    stop_shared_simulators()
