"""Let go of the rendered lines of widgets that are gone.

Textual memoises `StylesCache.get_inner_outer` with an `lru_cache` on the
method (Textualize/textual#6665, open), so the cache's keys keep up to 1,024
widgets' `StylesCache`s alive after their widgets are removed, each with every
line that widget last drew: each opening and closing of the tuning screen
kept about 15,500 more objects alive, for the collector to walk on every full
pass (and a closed app's whole screen). Clearing the cache when widgets have
gone frees them; it refills with two styles per live widget on the next frame."""

from __future__ import annotations

from textual._styles_cache import StylesCache


def forget_removed_widgets() -> None:
    """Clear Textual's style memo (a no-op once Textual no longer memoises it this way)."""
    cache_clear = getattr(StylesCache.get_inner_outer, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()
