"""Count a prompt once, off the event loop.

The engine counts the request's tokens synchronously at the start of every
run; with four columns and a pasted 100k-token document that is four counts
on the UI thread. The app counts once in a thread (to show the size and check
the fit) and hands the engine this counter, which answers the columns' counts
of the same messages from a small cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from playground.core.messages import ChatRequest, Message
from playground.core.tokens import TokenCount, TokenCounter

_CACHE_SIZE = 4


class CachedCounter(TokenCounter):
    def __init__(self, inner: TokenCounter) -> None:
        super().__init__()
        self._inner = inner
        self._cache: OrderedDict[tuple[Message, ...], TokenCount] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def method(self) -> str:
        return self._inner.method

    def count_text(self, text: str) -> TokenCount:
        return self._inner.count_text(text)

    def count_request(self, request: ChatRequest) -> TokenCount:
        key = request.messages
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        count = self._inner.count_request(request)
        with self._cache_lock:
            self._cache[key] = count
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return count
