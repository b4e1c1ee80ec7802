"""Score once, decide many: a dataset's per-prompt features are computed
once and kept in the user cache dir, keyed by a hash of the prompt texts, the
token counter and the strategy code that computes them.

One NPZ per key (plain arrays, loaded with `allow_pickle=False`) and a JSON
note of which features it holds; asking for a feature not yet computed
computes only that one and rewrites the file. Files are owner-only and
written whole (temp file + rename): a crash never leaves half a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from playground.config.files import write_private
from playground.config.paths import cache_dir
from playground.core.errors import UserError
from playground.core.tokens import TokenCounter
from playground.strategies.features import Embed, FeatureTable

FORMAT_VERSION = 1


def features_dir() -> Path:
    return cache_dir() / "features"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of the strategies package's source: a change to how a feature is
    computed invalidates every cached table."""
    import playground.strategies as strategies

    digest = hashlib.sha256()
    root = Path(strategies.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prompts_hash(prompts: Sequence[str]) -> str:
    """Identifies the prompt list: every prompt's length (characters), then
    their text joined (together they say where each prompt ends)."""
    digest = hashlib.sha256(np.array([len(p) for p in prompts], dtype="<i8").tobytes())
    digest.update("".join(prompts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cache_key(prompts_digest: str, counter: TokenCounter, embed_key: str = "") -> str:
    material = json.dumps([FORMAT_VERSION, prompts_digest, counter.method, _code_fingerprint(), embed_key])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Binary sibling of `config.files.write_private`: owner-only, temp file then rename."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(npz: Path, note: Path, prompts: Sequence[str]) -> tuple[FeatureTable, set[str]] | None:
    try:
        meta = json.loads(note.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, json.JSONDecodeError):
        return None  # missing or damaged: recompute
    if meta.get("n") != len(prompts):
        return None
    for name in meta.get("object_columns", []):
        if name in arrays:
            arrays[name] = arrays[name].astype(object)
    return FeatureTable.from_arrays(prompts, arrays), set(meta.get("names", []))


def _save(npz: Path, note: Path, table: FeatureTable, names: set[str]) -> None:
    arrays = table.to_arrays()
    stored: dict[str, np.ndarray] = {}
    object_columns = []
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype == object:  # e.g. labels: stored as text, never pickled
            object_columns.append(name)
            array = array.astype(str)
        stored[name] = array
    _write_npz(npz, stored)
    meta = {
        "version": FORMAT_VERSION,
        "n": len(table.prompts),
        "names": sorted(names),
        "object_columns": object_columns,
    }
    write_private(note, json.dumps(meta))


def cached_features(
    prompts: Sequence[str],
    names: Iterable[str],
    counter: TokenCounter,
    *,
    embed: Embed | None = None,
    embed_key: str = "",
    use_cache: bool = True,
) -> tuple[FeatureTable, bool]:
    """(FeatureTable with at least `names`, whether it came whole from the cache)."""
    wanted = set(names)
    if embed is None:
        wanted.discard("embedding")
    if not use_cache:
        return FeatureTable.compute(prompts, counter, sorted(wanted), embed=embed), False
    key = cache_key(prompts_hash(prompts), counter, embed_key if "embedding" in wanted else "")
    npz, note = features_dir() / f"{key}.npz", features_dir() / f"{key}.json"
    loaded = _load(npz, note, prompts)
    if loaded is not None:
        table, have = loaded
        missing = wanted - have
        if not missing:
            return table, True
        extra = FeatureTable.compute(prompts, counter, sorted(missing), embed=embed)
        table = FeatureTable.from_arrays(prompts, {**table.to_arrays(), **extra.to_arrays()})
        have |= missing
    else:
        table, have = FeatureTable.compute(prompts, counter, sorted(wanted), embed=embed), set(wanted)
    with contextlib.suppress(OSError, UserError):  # a read-only cache dir costs speed, never the result
        _save(npz, note, table, have)
    return table, False
