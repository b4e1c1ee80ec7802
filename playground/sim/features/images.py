"""Images in a request: decoding `data:` URLs and base64 sources, reading
the format and pixel size from the bytes (PNG, JPEG, GIF, WebP headers,
standard library only), the input tokens each provider bills for an image,
and the one-line description a simulated answer gives of it.

The providers' limits and token rules live in core/images.py (shared with
routing and the adapters), with their sources.
A remote image URL is never fetched (the simulator works offline): its size
is unknown and it is billed as a 1024x1024 image.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from playground.core.images import (
    ANTHROPIC_MAX_IMAGE_BYTES,
    ANTHROPIC_MAX_SIDE_PX,
    MEDIA_TYPES,
    OPENAI_MAX_IMAGE_BYTES,
    anthropic_image_tokens,
    image_size,
    openai_image_tokens,
)
from playground.sim.features.types import ImagePart

__all__ = ["ANTHROPIC_MAX_IMAGE_BYTES", "ANTHROPIC_MAX_SIDE_PX", "MEDIA_TYPES", "OPENAI_MAX_IMAGE_BYTES", "ImageError",
           "anthropic_tokens", "describe", "inspect", "openai_tokens", "parse_data_url"]

UNKNOWN_SIDE_PX = 1024  # a remote image's assumed size, for its token count
_DATA_URL_RE = re.compile(r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[^;,]*)*)(;base64)?,(.*)", re.DOTALL)


class ImageError(ValueError):
    """The image cannot be used; the message says why (for a 400)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    media_type: str  # read from the bytes
    width: int
    height: int
    size_bytes: int


def decode_base64(data: str, where: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError(f"{where}: the image data is not valid base64") from None


def parse_data_url(url: str, where: str) -> tuple[str | None, bytes]:
    """The declared media type and the bytes of a `data:` URL."""
    match = _DATA_URL_RE.fullmatch(url)
    if match is None or not match.group(3):
        raise ImageError(f"{where}: a data URL must look like data:image/png;base64,<base64 data>")
    return match.group(1), decode_base64(match.group(4), where)


def inspect(data: bytes, where: str, declared: str | None = None) -> Decoded:
    """The format and size of image bytes, or an `ImageError` if they are
    not a PNG, JPEG, GIF or WebP image (or not the `declared` type)."""
    found = image_size(data)
    if found is None:
        raise ImageError(f"{where}: the data is not a PNG, JPEG, GIF or WebP image")
    media_type, width, height = found
    if declared is not None and declared != media_type:
        raise ImageError(f"{where}: the image was sent as {declared} but its bytes are {media_type}")
    return Decoded(media_type, width, height, len(data))


def openai_tokens(image: ImagePart) -> int:
    """Input tokens of an image under OpenAI's tile rule (see core/images.py)."""
    return openai_image_tokens(*_known_size(image), image.detail)


def anthropic_tokens(image: ImagePart) -> int:
    """Input tokens of an image under Anthropic's rule (see core/images.py)."""
    return anthropic_image_tokens(*_known_size(image))


def _known_size(image: ImagePart) -> tuple[float, float]:
    if image.width and image.height:
        return float(image.width), float(image.height)
    return float(UNKNOWN_SIDE_PX), float(UNKNOWN_SIDE_PX)


def describe(images: tuple[ImagePart, ...]) -> str:
    """What the simulated model "sees": each image's type and size."""
    parts = [_describe_one(image) for image in images]
    if len(parts) == 1:
        return f"The image is {parts[0]}."
    listed = "; ".join(f"image {i} is {text}" for i, text in enumerate(parts, start=1))
    return f"I see {len(parts)} images: {listed}."


def _describe_one(image: ImagePart) -> str:
    if image.width is None or image.height is None:
        host = urlsplit(image.url).hostname or "the web"
        return f"a remote image from {host} (not fetched by the simulator, so its size is unknown)"
    kind = (image.media_type or "image/?").split("/")[-1].upper()
    size = f", {_format_bytes(image.size_bytes)}" if image.size_bytes is not None else ""
    shape = "square" if image.width == image.height else "landscape" if image.width > image.height else "portrait"
    return f"a {image.width}×{image.height} {kind} ({shape}{size})"


def _format_bytes(size: int | None) -> str:
    if size is None:
        return "unknown size"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
