import pytest

from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter


def test_offline_copy_counts_real_tokens() -> None:
    counter = TokenCounter()
    count = counter.count_text("hello world")
    # Either the cached o200k_base or the offline cl100k copy: both are exact BPE
    # encodings, and "hello world" is two tokens in each.
    assert count.method.startswith("tiktoken")
    assert count.tokens == 2
    assert not count.estimated


def test_estimate_fallback_is_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_TOKENIZER", "estimate")
    counter = TokenCounter()
    count = counter.count_text("x" * 41)
    assert count.estimated
    assert count.method.startswith("estimate")
    assert count.tokens == 11  # ceil(41 / 4)


def test_request_count_adds_message_overhead() -> None:
    counter = TokenCounter()
    bare = counter.count_text("hello world").tokens
    request = ChatRequest.from_prompt("hello world", system="be brief")
    total = counter.count_request(request).tokens
    assert total == bare + counter.count_text("be brief").tokens + 2 * 3 + 3


def test_no_network_attempt_without_cache(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """With an empty tiktoken cache we must not try to download o200k_base."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    import tiktoken.load

    real_read_file = tiktoken.load.read_file
    downloads: list[str] = []

    def no_downloads(blobpath: str) -> bytes:
        if "://" in blobpath:
            downloads.append(blobpath)
            raise OSError("network disabled in this test")
        return real_read_file(blobpath)

    monkeypatch.setattr(tiktoken.load, "read_file", no_downloads)
    counter = TokenCounter()
    assert counter.count_text("offline please").tokens > 0
    assert counter.method == "tiktoken cl100k_base (offline copy)"
    assert downloads == []
