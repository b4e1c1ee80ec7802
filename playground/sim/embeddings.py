"""Old import path of the offline embeddings; use `playground.sim.content.embeddings`."""

from playground.sim.content.embeddings import cosine, embed_text, embed_tokens

__all__ = ["cosine", "embed_text", "embed_tokens"]
