"""Property: any value at any key of the configuration — in the file or in
a PLAYGROUND_* variable — gives a result or one line and exit 2, and a key
put there is never repeated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.cli import InProcessCli
from tests.helpers.hostile import SECRET, SHAPED, assert_result_or_one_line, values

KEYS = (("router", "strategy"), ("router", "columns"), ("strategies", "fixed", "model"),
        ("strategies", "complexity", "high_threshold"), ("strategies", "task", "rules"),
        ("providers", "openai", "base_url"), ("providers", "openai", "api_key_env"), ("providers", "box", "discover"),
        ("models", "gpt-4o", "input_per_mtok"),
        ("models", "mine", "context_window"), ("groups", "fast"), ("fallbacks", "chains", "gpt-4o"),
        ("retry", "max_attempts"), ("timeouts", "total_s"), ("breaker", "window_type"), ("cache", "ttl_s"),
        ("version",), ("strategies", "learned", "router_file"))

scalars = st.one_of(values(), st.integers(), st.floats(), st.booleans(), st.sampled_from([SECRET, SHAPED]))
toml_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=12)


def _nest(key: tuple[str, ...], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {key[-1]: value}
    for part in reversed(key[:-1]):
        data = {part: data}
    return data


@given(key=st.sampled_from(KEYS), value=toml_values)
def test_any_value_in_the_config_file(key: tuple[str, ...], value: Any, tmp_path: Path, run_cli: InProcessCli) -> None:
    try:
        text = tomli_w.dumps(_nest(key, value))
    except (TypeError, ValueError):  # not representable in TOML (a lone surrogate, None): nothing to write
        return
    config = tmp_path / "c.toml"
    config.write_bytes(text.encode("utf-8", "surrogatepass"))  # a lone surrogate makes the file invalid UTF-8
    for command in (("export", "-f", "litellm"), ("models", "--json")):
        proc = run_cli("--config", str(config), *command)
        assert_result_or_one_line(proc, Path(os.environ["HOME"]))


@given(key=st.sampled_from(KEYS), raw=values())
def test_any_value_in_a_playground_variable(key: tuple[str, ...], raw: str, run_cli: InProcessCli) -> None:
    if "\x00" in raw or any("\ud800" <= c <= "\udfff" for c in raw):
        raw = raw.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\x00", "")
    name = "PLAYGROUND_" + "__".join(part.upper().replace("-", "_") for part in key)
    proc = run_cli("export", "-f", "toml", **{name: raw})
    assert_result_or_one_line(proc, Path(os.environ["HOME"]))
