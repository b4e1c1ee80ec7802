"""The user's policy with every provider pointed at the simulator, so the
playground and the gateways run the same policy against the same upstream.

Only where requests go changes (each provider's base URL, each model's API
name as the simulator serves it); routing, retries, timeouts and breakers stay
the user's. Keys are dummies: a check never sends a real key anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.config.build import Settings, build_settings
from playground.config.schema import ModelSection, ProviderSection
from playground.providers.endpoints import SIM_API_KEY


@dataclass(frozen=True)
class SimPolicy:
    settings: Settings
    # The environment an export sees: every provider has a (dummy) key and
    # its base URL variable points at the simulator.
    env: dict[str, str]


def point_at_sim(settings: Settings, sim_base_url: str) -> SimPolicy:
    base = sim_base_url.rstrip("/")
    policy = settings.policy.model_copy(deep=True)
    env: dict[str, str] = {}
    for name, provider in settings.catalog.providers.items():
        url = base + "/v1" if provider.kind == "openai" else base
        own = policy.providers.get(name)
        fields = own.model_dump(exclude_unset=True) if own else {}
        policy.providers[name] = ProviderSection(**{**fields, "base_url": url})
        if provider.api_key_env:
            env[provider.api_key_env] = SIM_API_KEY
        if provider.base_url_env:
            env[provider.base_url_env] = url
    for model_id, model in settings.catalog.models.items():
        own_model = policy.models.get(model_id)
        fields = own_model.model_dump(exclude_unset=True) if own_model else {}
        policy.models[model_id] = ModelSection(**{**fields, "api_name": model.sim_name})
    rebuilt = build_settings(policy, "the policy pointed at the simulator", settings.extra_models)
    return SimPolicy(rebuilt, env)
