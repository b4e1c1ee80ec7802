"""Every hostile test runs in its own folder (nothing lands in the work tree)
with the fake key set in the environment, as a user's key would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.hostile import SECRET_ENV


@pytest.fixture(autouse=True)
def hostile_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
