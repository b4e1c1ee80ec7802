"""The installer's bad states, without downloading anything: a half-finished
install is not used, a missing Node.js and an unreachable registry are one
clear line (and `export --check` exits 2 with it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.gateways import install
from playground.gateways.install import MARKER, GatewayUnavailable, ensure, find
from tests.helpers.cli import assert_one_line_error, cli


def test_a_folder_without_its_marker_is_not_an_install(tmp_path: Path) -> None:
    path = tmp_path / f"portkey-{install.PORTKEY_VERSION}"
    entry = path / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"
    entry.parent.mkdir(parents=True)
    entry.write_text("// half-finished")
    assert find("portkey", tmp_path) is None
    (path / MARKER).write_text(json.dumps({"install_s": 12.5}))
    found = find("portkey", tmp_path)
    assert found is not None and found.install_s == 12.5 and not found.fresh
    assert found.command[-1] == str(entry)


def test_without_node_the_portkey_install_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GatewayUnavailable, match="node not found on PATH") as caught:
        ensure("portkey", tmp_path / "cache")
    assert not caught.value.registry_unreachable
    assert caught.value.tool_missing  # the suite skips with this reason on a machine with only Python
    assert not (tmp_path / "cache").exists()  # nothing half-made


def test_an_unreachable_registry_is_reported_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if install.shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    # A closed loopback port stands in for a registry that cannot be reached.
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    with pytest.raises(GatewayUnavailable, match="unreachable") as caught:
        ensure("portkey", tmp_path / "cache")
    assert caught.value.registry_unreachable
    assert find("portkey", tmp_path / "cache") is None
    assert not (tmp_path / "cache" / f"portkey-{install.PORTKEY_VERSION}").exists()


def test_export_check_without_node_is_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = cli("export", "--format", "portkey", "--check", PATH=str(empty),
               PLAYGROUND_GATEWAYS_DIR=str(tmp_path / "gateways"))
    assert_one_line_error(proc, 2, "node not found on PATH")
