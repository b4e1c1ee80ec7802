"""Which dataset model is which catalog model.

Public benchmarks name models their own way ("gpt-4-1106-preview",
"mistralai/Mixtral-8x7B-Instruct-v0.1"); costs and routing need catalog ids.
A mapping comes from `--map DATASET_MODEL=CATALOG_MODEL` flags and/or a
sidecar TOML next to the dataset (`NAME.mapping.toml`):

    [models]
    "gpt-4-1106-preview" = "gpt-5-1"
    "mistralai/Mixtral-8x7B-Instruct-v0.1" = "gpt-5-mini"
    "some-other-model" = "-"          # "-" leaves that column out

    pair = ["gpt-5-1", "gpt-5-mini"]  # optional: the strong/weak pair for APGR and training

Flags win over the sidecar. Columns already named after catalog models need
no entry.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from playground.core.errors import UserError

IGNORE = "-"


def sidecar_path(dataset: Path) -> Path:
    return dataset.with_name(dataset.name.split(".")[0] + ".mapping.toml")


def parse_map_flags(items: Iterable[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        name, sep, target = item.rpartition("=")
        if not sep or not name.strip() or not target.strip():
            raise UserError(
                f"--map {item!r}: expected DATASET_MODEL=CATALOG_MODEL (or DATASET_MODEL=- to leave it out)"
            )
        mapping[name.strip()] = target.strip()
    return mapping


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the model mapping ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise UserError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None


def load_sidecar(path: Path) -> dict[str, str]:
    models = _read(path).get("models", {})
    if not isinstance(models, dict) or not all(isinstance(v, str) for v in models.values()):
        raise UserError(f'{path}: expected a [models] table of "dataset name" = "catalog model" strings')
    return {str(k): v for k, v in models.items()}


def sidecar_pair(dataset: Path, mapping_file: Path | None = None) -> list[str] | None:
    """The `pair = [STRONG, WEAK]` the sidecar names, if any."""
    source = mapping_file or sidecar_path(dataset)
    if not source.is_file():
        return None
    pair = _read(source).get("pair")
    if pair is None:
        return None
    if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
        raise UserError(f'{source}: pair must be two model ids, e.g. pair = ["gpt-5-1", "gpt-5-mini"]')
    return [str(p) for p in pair]


def resolve_mapping(dataset: Path, flags: Mapping[str, str], mapping_file: Path | None = None) -> dict[str, str]:
    """The sidecar (or `mapping_file`) overlaid with the flags."""
    source = mapping_file or sidecar_path(dataset)
    base = load_sidecar(source) if mapping_file is not None or source.is_file() else {}
    return {**base, **flags}


def map_models(
    names: Iterable[str], mapping: Mapping[str, str], catalog_ids: Iterable[str], origin: str, what: str = "column"
) -> dict[str, str]:
    """{dataset name: catalog id} for the names to keep; a name neither in the
    catalog nor mapped is an error that says how to map it."""
    known = set(catalog_ids)
    result: dict[str, str] = {}
    for name in names:
        target = mapping.get(name, name)
        if target == IGNORE:
            continue
        if target not in known:
            hint = (
                f"the mapping sends it to {target!r}, which is not a catalog model"
                if name in mapping
                else "it is not a catalog model and the mapping does not name it"
            )
            raise UserError(
                f"{origin}: model {what} {name!r}: {hint}; add --map '{name}=CATALOG_MODEL' "
                f"(or --map '{name}=-' to leave it out, or declare it under [models.{target}] in the configuration); "
                f"catalog models: {', '.join(sorted(known))}"
            )
        result[name] = target
    taken: dict[str, str] = {}
    for name, target in result.items():
        if target in taken:
            raise UserError(
                f"{origin}: model {what}s {taken[target]!r} and {name!r} both map to {target!r}; "
                "map each to a different catalog model"
            )
        taken[target] = name
    return result
