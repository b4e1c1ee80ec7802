"""OpenAI Embeddings on the wire: request validation and the `list` of
`embedding` objects, as floats or as base64.

The `openai` SDK asks for `encoding_format: "base64"` unless the caller names
a format, and decodes the base64 string as little-endian float32; floats are
rounded to float32 here too, so both formats carry identical vectors.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.sim.content.embedding_models import MAX_INPUTS, MAX_REQUEST_TOKENS, EmbeddingModel
from playground.sim.content.embeddings import embed_text, embed_tokens
from playground.sim.errors import SimError, SimErrorKind, bad_request
from playground.sim.wire.dialect import validate

EncodingFormat = Literal["float", "base64"]
Input = str | tuple[int, ...]  # text, or token ids


class EmbeddingsBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str
    input: Any  # str | list[str] | list[int] | list[list[int]], checked by hand for clearer messages
    encoding_format: EncodingFormat | None = None
    dimensions: int | None = Field(default=None, ge=1)


@dataclass(frozen=True, slots=True)
class EmbeddingRequest:
    model: str
    inputs: tuple[Input, ...]
    encoding_format: EncodingFormat
    dimensions: int | None


def parse_request(raw: Any) -> EmbeddingRequest:
    body = validate(EmbeddingsBody, raw)
    return EmbeddingRequest(body.model, _inputs(body.input), body.encoding_format or "float", body.dimensions)


def _inputs(value: Any) -> tuple[Input, ...]:
    """One string, a list of strings, one token array or a list of token
    arrays, as the API accepts; empty strings and arrays are refused."""
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list) and value and all(_is_token(v) for v in value):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise _invalid_input("must be a string, an array of strings, or an array of token arrays")
    if not items:
        raise _invalid_input("must not be an empty array")
    if len(items) > MAX_INPUTS:
        raise _invalid_input(f"must have at most {MAX_INPUTS} items, got {len(items)}")
    inputs: list[Input] = []
    for index, item in enumerate(items):
        if isinstance(item, str) and item:
            inputs.append(item)
        elif isinstance(item, list) and item and all(_is_token(t) for t in item):
            inputs.append(tuple(item))
        else:
            raise _invalid_input(f"item {index} must be a non-empty string or array of token ids")
    return tuple(inputs)


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _invalid_input(why: str) -> SimError:
    return bad_request(f"'$.input' is invalid: it {why}.", param="input")


def check_request(request: EmbeddingRequest, model: EmbeddingModel, tokens: Sequence[int]) -> int:
    """The dimensions to return, or the 400 the real API gives; `tokens` are
    the inputs' token counts."""
    if request.dimensions is not None and not model.supports_dimensions:
        raise bad_request("This model does not support specifying dimensions.", param="dimensions")
    if request.dimensions is not None and request.dimensions > model.dimensions:
        raise bad_request(f"Invalid value for 'dimensions' = {request.dimensions}. Must be less than or equal to "
                          f"{model.dimensions}.", param="dimensions")
    for count in tokens:
        if count > model.max_input_tokens:
            raise SimError(SimErrorKind.CONTEXT_TOO_LONG,
                           f"This model's maximum context length is {model.max_input_tokens} tokens, however you "
                           f"requested {count} tokens ({count} in your prompt; 0 for the completion). Please "
                           "reduce your prompt; or completion length.", param="input")
    if sum(tokens) > MAX_REQUEST_TOKENS:
        raise bad_request(f"Requested {sum(tokens)} tokens, max {MAX_REQUEST_TOKENS} tokens per request.",
                          param="input")
    return request.dimensions or model.dimensions


def embed_input(item: Input, dimensions: int, model: str) -> list[float]:
    if isinstance(item, tuple):
        return embed_tokens(item, dimensions, model=model)
    return embed_text(item, dimensions, model=model)


def to_float32(vector: Sequence[float]) -> list[float]:
    """The vector as float32 values (what the base64 format can carry)."""
    return list(struct.unpack(f"<{len(vector)}f", struct.pack(f"<{len(vector)}f", *vector)))


def encode_base64(vector: Sequence[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def response(model_name: str, vectors: Sequence[Sequence[float]], encoding_format: EncodingFormat,
             prompt_tokens: int) -> dict[str, Any]:
    render = encode_base64 if encoding_format == "base64" else to_float32
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": render(v)} for i, v in enumerate(vectors)],
        "model": model_name,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }
