"""Images in a request: decoding `data:` URLs and base64 sources, reading
the format and pixel size from the bytes (PNG, JPEG, GIF, WebP headers,
standard library only), the input tokens each provider bills for an image,
and the one-line description a simulated answer gives of it.

Limits and token rules, as the providers document them:
- OpenAI (https://platform.openai.com/docs/guides/images-vision, "Calculating
  costs"; rule for the GPT-4o family, which the simulator applies to every
  model it serves over OpenAI's rule): `detail: low` costs 85 tokens; otherwise
  the image is scaled to fit in 2048x2048, then (if larger) so its shortest
  side is 768 px, and costs 85 + 170 per 512 px tile. PNG, JPEG, non-animated
  GIF and WebP are accepted; the simulator refuses images over 20 MB.
- Anthropic (https://docs.anthropic.com/en/docs/build-with-claude/vision):
  tokens = width * height / 750, after scaling down an image whose long edge
  is over 1568 px or that would cost over ~1,600 tokens; images over
  8000x8000 px are rejected; 5 MB per image over the API; media types
  image/jpeg, image/png, image/gif, image/webp.
A remote image URL is never fetched (the simulator works offline): its size
is unknown and it is billed as a 1024x1024 image.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from playground.sim.features.types import ImagePart

MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
OPENAI_MAX_IMAGE_BYTES = 20 * 1024 * 1024
ANTHROPIC_MAX_IMAGE_BYTES = 5 * 1024 * 1024
ANTHROPIC_MAX_SIDE_PX = 8000
UNKNOWN_SIDE_PX = 1024  # a remote image's assumed size, for its token count

_OPENAI_LOW_DETAIL = 85
_OPENAI_BASE = 85
_OPENAI_PER_TILE = 170
_ANTHROPIC_LONG_EDGE = 1568
_ANTHROPIC_MAX_TOKENS = 1600
_ANTHROPIC_PIXELS_PER_TOKEN = 750
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
    found = _size(data)
    if found is None:
        raise ImageError(f"{where}: the data is not a PNG, JPEG, GIF or WebP image")
    media_type, width, height = found
    if declared is not None and declared != media_type:
        raise ImageError(f"{where}: the image was sent as {declared} but its bytes are {media_type}")
    return Decoded(media_type, width, height, len(data))


def _size(data: bytes) -> tuple[str, int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[str, int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return "image/webp", width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        bits = int.from_bytes(data[21:25], "little")
        return "image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return "image/webp", width, height
    return None


_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    """Walk the JPEG segments to the first start-of-frame marker."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker in _SOF_MARKERS and position + 9 <= len(data):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return "image/jpeg", width, height
        if length < 2:
            return None
        position += 2 + length
    return None


def openai_tokens(image: ImagePart) -> int:
    """Input tokens of an image under OpenAI's tile rule (see the module docstring)."""
    if image.detail == "low":
        return _OPENAI_LOW_DETAIL
    width, height = _known_size(image)
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return _OPENAI_BASE + _OPENAI_PER_TILE * math.ceil(width / 512) * math.ceil(height / 512)


def anthropic_tokens(image: ImagePart) -> int:
    """Input tokens of an image under Anthropic's rule (see the module docstring)."""
    width, height = _known_size(image)
    scale = min(1.0, _ANTHROPIC_LONG_EDGE / max(width, height))
    width, height = width * scale, height * scale
    most = _ANTHROPIC_MAX_TOKENS * _ANTHROPIC_PIXELS_PER_TOKEN
    if width * height > most:
        shrink = math.sqrt(most / (width * height))
        width, height = width * shrink, height * shrink
    return max(1, math.ceil(width * height / _ANTHROPIC_PIXELS_PER_TOKEN))


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
