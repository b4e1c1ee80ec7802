import pytest

from playground.engine.cache import CacheConfig, SemanticCache, cosine


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(**config: object) -> tuple[SemanticCache, Clock]:
    clock = Clock()
    return SemanticCache(CacheConfig(enabled=True, **config), clock), clock  # type: ignore[arg-type]


def test_exact_match_ignores_case_and_spacing_and_is_per_strategy() -> None:
    cache, _ = make()
    cache.store("fixed", "What is  Rust?", [1.0, 0.0], "A language.", "gpt-4o")
    hit = cache.exact("fixed", "what is rust?")
    assert hit and hit.kind == "exact" and hit.entry.text == "A language."
    assert cache.exact("cost", "what is rust?") is None


def test_semantic_hit_above_threshold_only() -> None:
    cache, _ = make(similarity_threshold=0.9)
    cache.store("s", "reset my password", [1.0, 0.1, 0.0], "Click 'forgot'.", "m")
    hit, best = cache.similar("s", [1.0, 0.12, 0.0])
    assert hit and hit.kind == "semantic" and hit.similarity == pytest.approx(best) and best > 0.99
    miss, best = cache.similar("s", [0.0, 1.0, 0.0])
    assert miss is None and best == pytest.approx(cosine([1.0, 0.1, 0.0], [0.0, 1.0, 0.0]))


def test_entries_expire_after_ttl() -> None:
    cache, clock = make(ttl_s=10)
    cache.store("s", "p", [1.0], "t", "m")
    clock.now = 9.9
    assert cache.exact("s", "p")
    clock.now = 10.0
    assert cache.exact("s", "p") is None and len(cache) == 0


def test_size_bound_evicts_oldest() -> None:
    cache, _ = make(max_entries=2)
    for i in range(3):
        cache.store("s", f"p{i}", [float(i)], "t", "m")
    assert len(cache) == 2 and cache.exact("s", "p0") is None and cache.exact("s", "p2")


def test_invalid_config() -> None:
    with pytest.raises(ValueError):
        CacheConfig(similarity_threshold=0)
