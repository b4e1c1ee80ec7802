"""The project's own policy file, self-contained: the router strategy with
every parameter spelled out, full [models.X] entries for every model it can
route or fall back to, their providers, the groups it uses and explicit
fallback chains, so it loads and routes the same on a machine whose catalog
differs. Loadable by `parse_policy_text` (and `playground --config FILE`)."""

from __future__ import annotations

from typing import Any

from playground.config.build import Settings
from playground.config.exporters.common import ExportResult
from playground.config.exporters.plan import build_plan, jsonable, router_strategy
from playground.config.schema import ModelSection, PolicyFile, ProviderSection
from playground.config.serialize import policy_to_toml
from playground.core.catalog import Catalog, ModelSpec

HEADER = (
    "# routing-playground policy, exported with `playground export --format toml`.\n"
    "# Self-contained: every model the router strategy can route or fall back to is\n"
    "# listed in full. Load it with `playground --config FILE` or `Router.from_file(FILE)`.\n"
    "# Keys are read from the environment variables named by api_key_env; no key is stored here.\n"
)


def export_toml(settings: Settings) -> ExportResult:
    return ExportResult(policy_to_toml(self_contained_policy(settings), header=HEADER), [], ".toml")


def self_contained_policy(settings: Settings) -> PolicyFile:
    policy = settings.policy
    catalog = settings.catalog
    # Every model, whatever keys are set here: the file's strategy re-decides
    # with the providers of the machine that loads it.
    plan = build_plan(settings, every_model=True)
    strategy = router_strategy(settings)
    # Every parameter spelled out, "@flagship" as the model it means here:
    # another catalog may have another flagship.
    values = jsonable(strategy.values)
    models = set(plan.all_models())
    # Models named by any strategy's configured values (columns), and by chains.
    for given in settings.strategy_values.values():
        models |= _models_in(given, catalog)
    models |= _models_in(values, catalog)
    for model_id, chain in policy.fallbacks.chains.items():
        models |= {model_id, *chain}
    groups = {**policy.groups, **plan.groups}
    for members in groups.values():
        models |= set(members)
    ordered = sorted(models)
    providers = {catalog.models[m].provider for m in ordered}
    chains = dict(policy.fallbacks.chains)
    if not plan.own_chain:  # the engine's chains, spelled out; a strategy's own order stays in its parameters
        for routed, chain in plan.chains.items():
            chains.setdefault(routed, list(chain))
    strategies = {**policy.strategies, strategy.name: values}
    return policy.model_copy(update={
        "strategies": strategies,
        "providers": {**{p: _provider_section(catalog, p) for p in sorted(providers)}, **policy.providers},
        "models": {**policy.models, **{m: _model_section(catalog.models[m]) for m in ordered}},
        "groups": groups,
        "fallbacks": policy.fallbacks.model_copy(update={"chains": chains}),
    })


def _models_in(values: dict[str, Any], catalog: Catalog) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if value in catalog.models:
                found.add(value)
            elif value == "@flagship":
                found.add(catalog.flagship)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(values)
    return found


def _provider_section(catalog: Catalog, name: str) -> ProviderSection:
    spec = catalog.providers[name]
    return ProviderSection(kind=spec.kind, base_url=spec.base_url, api_key_env=spec.api_key_env,
                           base_url_env=spec.base_url_env, local=spec.local)


def _model_section(spec: ModelSpec) -> ModelSection:
    data = spec.model_dump(exclude={"id"})
    return ModelSection.model_validate(data)
