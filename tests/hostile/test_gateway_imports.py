"""Property: any LiteLLM config `import` is given — values of every type at
the keys it reads, keys in its api_key and api_base fields — is imported or
refused in one line, and the key reaches neither a message nor the profile."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.cli import InProcessCli
from tests.helpers.hostile import SECRET, SHAPED, assert_result_or_one_line, values

scalars = st.one_of(values(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.one_of(st.text(max_size=6), st.integers()),
                                                                         inner, max_size=3)), max_leaves=8)


@st.composite
def gateway_configs(draw: st.DrawFn) -> dict[str, Any]:
    params = {"model": draw(st.one_of(st.sampled_from(["openai/gpt-4o", "anthropic/claude-x", "ollama_chat/q"]),
                                      anything)),
              "api_key": draw(st.sampled_from([SECRET, SHAPED, f"os.environ/{SECRET}", "os.environ/OPENAI_API_KEY"])),
              "api_base": draw(st.sampled_from([None, f"https://u:{SECRET}@llm.example.com/v1", "http://127.0.0.1:1/v1"])),
              "weight": draw(anything)}
    info = draw(st.dictionaries(st.sampled_from(["input_cost_per_token", "output_cost_per_token", "max_input_tokens",
                                                 "max_output_tokens", "id"]), anything, max_size=4))
    router = draw(st.dictionaries(st.sampled_from(["routing_strategy", "num_retries", "timeout", "fallbacks",
                                                   "cooldown_time", "allowed_fails", "max_fallbacks"]), anything,
                                  max_size=4))
    return {"model_list": [{"model_name": draw(st.one_of(st.just("a"), anything)), "litellm_params": params,
                            "model_info": info}],
            "router_settings": router,
            "litellm_settings": draw(st.one_of(st.none(), st.fixed_dictionaries({"cache": st.booleans(),
                                                                                "cache_params": anything})))}


@given(config=gateway_configs())
def test_any_gateway_config(config: dict[str, Any], tmp_path: Path, run_cli: InProcessCli) -> None:
    source = tmp_path / "gateway.yaml"
    try:
        source.write_text(yaml.safe_dump(config), encoding="utf-8")
    except UnicodeEncodeError:
        return
    proc = run_cli("import", "-f", "litellm", str(source), "--profile", "hostile", "--force")
    assert_result_or_one_line(proc, Path(os.environ["HOME"]))
