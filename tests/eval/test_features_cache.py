"""Score once, decide many: features are cached by content, owner-only, and reused."""

from __future__ import annotations

import numpy as np

from playground.core.tokens import default_counter
from playground.eval import features_cache
from playground.eval.features_cache import cached_features, features_dir


def test_second_load_comes_from_the_cache_and_matches() -> None:
    prompts = [f"prompt number {i} about databases" for i in range(50)]
    first, cached = cached_features(prompts, (), default_counter())
    assert not cached
    second, cached = cached_features(prompts, (), default_counter())
    assert cached
    assert np.array_equal(first.tokens, second.tokens)
    files = sorted(features_dir().iterdir())
    assert files and all(oct(f.stat().st_mode & 0o777) == "0o600" for f in files)
    assert oct(features_dir().stat().st_mode & 0o777) == "0o700"
    _changed, cached = cached_features([*prompts[:-1], "something else"], (), default_counter())
    assert not cached  # another content, another key


def test_a_new_feature_is_added_to_the_cached_table() -> None:
    prompts = ["alpha", "beta gamma"]
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return np.ones((len(texts), 4), dtype=np.float32)

    cached_features(prompts, (), default_counter())
    table, cached = cached_features(prompts, ("embedding",), default_counter(), embed=embed, embed_key="test")
    assert not cached and calls == [2]
    table, cached = cached_features(prompts, ("embedding",), default_counter(), embed=embed, embed_key="test")
    assert cached and calls == [2]
    assert table.columns["embedding"].shape == (2, 4)


def test_a_damaged_cache_file_is_recomputed() -> None:
    prompts = ["one", "two"]
    cached_features(prompts, (), default_counter())
    for path in features_dir().glob("*.npz"):
        path.write_bytes(b"garbage")
    table, cached = cached_features(prompts, (), default_counter())
    assert not cached and len(table.tokens) == 2
    assert features_cache.prompts_hash(prompts) != features_cache.prompts_hash(["one", "two "])
