"""Decide which providers are reachable: real ones from the environment, or
every catalog provider served by the simulator."""

from __future__ import annotations

from collections.abc import Mapping

from playground.core.catalog import Catalog, ModelSpec, ProviderSpec
from playground.core.errors import UserError
from playground.providers.base import Endpoint

SIM_API_KEY = "sim-key"


def read_setting(env: Mapping[str, str], name: str) -> str:
    """A key or base URL from the environment, stripped of surrounding white
    space (a key pasted from a Windows-edited file ends in \\r). Anything
    that is not printable ASCII inside it would be sent in a header or URL:
    refused, naming the variable and never showing the value."""
    if not name:
        return ""
    value = env.get(name, "").strip()
    if any(not (" " < ch < "\x7f") for ch in value):
        raise UserError(f"{name} contains a control, space or non-ASCII character; set it to the key or URL "
                        f"alone, on one line, without quotes")
    return value


def _real_endpoint(spec: ProviderSpec, env: Mapping[str, str], keyless: bool = False) -> Endpoint | None:
    key = read_setting(env, spec.api_key_env)
    base_override = read_setting(env, spec.base_url_env)
    # A provider is configured when its key is set, when the user pointed its
    # base URL somewhere, or when their config file sets it up without a key
    # (a local or self-hosted compatible server).
    if not key and not base_override and not keyless:
        return None
    return Endpoint(
        name=spec.name,
        kind=spec.kind,
        base_url=(base_override or spec.base_url).rstrip("/"),
        api_key=key,
        api_key_env=spec.api_key_env,
        simulated=False,
    )


def real_endpoints(catalog: Catalog, env: Mapping[str, str],
                   keyless: frozenset[str] = frozenset()) -> dict[str, Endpoint]:
    found = {}
    for name, spec in catalog.providers.items():
        endpoint = _real_endpoint(spec, env, name in keyless)
        if endpoint is not None:
            found[name] = endpoint
    return found


def simulated_endpoints(catalog: Catalog, sim_base_url: str) -> dict[str, Endpoint]:
    base = sim_base_url.rstrip("/")
    return {
        name: Endpoint(
            name=name,
            kind=spec.kind,
            base_url=base + "/v1" if spec.kind == "openai" else base,
            api_key=SIM_API_KEY,
            api_key_env="",
            simulated=True,
        )
        for name, spec in catalog.providers.items()
    }


def api_model_name(model: ModelSpec, endpoint: Endpoint) -> str:
    return model.sim_name if endpoint.simulated else model.api_name
