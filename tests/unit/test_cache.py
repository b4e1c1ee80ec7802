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


def test_the_vectorised_lookup_finds_what_a_plain_cosine_scan_finds() -> None:
    import random

    rng = random.Random(5)
    cache, _ = make(similarity_threshold=0.5, max_entries=500)
    vectors = {f"p{i}": [rng.gauss(0, 1) for _ in range(24)] for i in range(300)}
    for prompt, vector in vectors.items():
        cache.store("s", prompt, vector, f"answer to {prompt}", "m")
    for _ in range(20):
        query = [rng.gauss(0, 1) for _ in range(24)]
        expected_prompt, expected = max(((p, cosine(query, v)) for p, v in vectors.items()), key=lambda pv: pv[1])
        hit, best = cache.similar("s", query)
        assert best == pytest.approx(expected, abs=1e-5)
        assert (hit is not None) == (expected >= 0.5)
        if hit is not None:
            assert hit.entry.prompt == expected_prompt


def test_evicted_and_expired_rows_are_never_matched_and_are_reused() -> None:
    cache, clock = make(max_entries=2, ttl_s=10)
    cache.store("s", "a", [1.0, 0.0], "A", "m")
    cache.store("s", "b", [0.0, 1.0], "B", "m")
    cache.store("s", "c", [0.7, 0.7], "C", "m")  # evicts "a"
    hit, _ = cache.similar("s", [1.0, 0.0])
    assert hit is None or hit.entry.prompt != "a"
    clock.now = 20  # everything expired
    assert cache.similar("s", [0.0, 1.0]) == (None, 0.0) and len(cache) == 0
    cache.store("s", "d", [0.0, 1.0], "D", "m")
    hit, _ = cache.similar("s", [0.0, 1.0])
    assert hit is not None and hit.entry.text == "D"


def test_vectors_of_another_width_match_exactly_only() -> None:
    cache, _ = make()
    cache.store("s", "wide", [1.0, 0.0, 0.0], "W", "m")
    cache.store("s", "narrow", [1.0, 0.0], "N", "m")  # the embedding model changed width
    assert cache.similar("s", [1.0, 0.0]) == (None, 0.0)
    assert cache.exact("s", "narrow") is not None


def test_max_entries_is_bounded_with_a_clear_limit() -> None:
    from playground.core.errors import UserError
    from playground.engine.cache import MAX_ENTRIES

    with pytest.raises(UserError, match=r"cache.max_entries must be within 1..50,000"):
        CacheConfig(max_entries=MAX_ENTRIES + 1)
    assert CacheConfig(max_entries=MAX_ENTRIES).max_entries == MAX_ENTRIES


def test_the_config_file_refuses_what_the_cache_refuses() -> None:
    from annotated_types import Le

    from playground.config.schema import CacheSection
    from playground.engine.cache import MAX_ENTRIES

    bounds = [m.le for m in CacheSection.model_fields["max_entries"].metadata if isinstance(m, Le)]
    assert bounds == [MAX_ENTRIES]
