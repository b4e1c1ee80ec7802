"""Images as every layer needs them: the format and pixel size read from the
bytes (PNG, JPEG, GIF, WebP headers, standard library only), each provider's
size limit, the input tokens each provider bills for an image, and reading an
image file the user attaches.

Limits and token rules, as the providers document them:
- OpenAI (https://platform.openai.com/docs/guides/images-vision, "Calculating
  costs", GPT-4o family rule): `detail: low` costs 85 tokens; otherwise the
  image is scaled to fit in 2048x2048, then (if larger) so its shortest side
  is 768 px, and costs 85 + 170 per 512 px tile. PNG, JPEG, non-animated GIF
  and WebP; 20 MB per image.
- Anthropic (https://docs.anthropic.com/en/docs/build-with-claude/vision):
  tokens = width * height / 750, after scaling down an image whose long edge
  is over 1568 px or that would cost over ~1,600 tokens; images over
  8000x8000 px are rejected; 5 MB per image over the API; media types
  image/jpeg, image/png, image/gif, image/webp.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

from playground.core.errors import UserError
from playground.core.messages import ImageDetail, ImageInput

MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
OPENAI_MAX_IMAGE_BYTES = 20 * 1024 * 1024
ANTHROPIC_MAX_IMAGE_BYTES = 5 * 1024 * 1024
ANTHROPIC_MAX_SIDE_PX = 8000
# The largest image any supported provider takes: a bigger file is refused
# before routing (a smaller one may still rule out some providers).
MAX_IMAGE_BYTES = OPENAI_MAX_IMAGE_BYTES

_OPENAI_LOW_DETAIL = 85
_OPENAI_BASE = 85
_OPENAI_PER_TILE = 170
_ANTHROPIC_LONG_EDGE = 1568
_ANTHROPIC_MAX_TOKENS = 1600
_ANTHROPIC_PIXELS_PER_TOKEN = 750


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(media type, width, height) read from the bytes, or None when they
    are not a PNG, JPEG, GIF or WebP image."""
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


def openai_image_tokens(width: float, height: float, detail: str = "auto") -> int:
    """Input tokens of an image under OpenAI's tile rule (see the module docstring)."""
    if detail == "low":
        return _OPENAI_LOW_DETAIL
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return _OPENAI_BASE + _OPENAI_PER_TILE * math.ceil(width / 512) * math.ceil(height / 512)


def anthropic_image_tokens(width: float, height: float) -> int:
    """Input tokens of an image under Anthropic's rule (see the module docstring)."""
    scale = min(1.0, _ANTHROPIC_LONG_EDGE / max(width, height))
    width, height = width * scale, height * scale
    most = _ANTHROPIC_MAX_TOKENS * _ANTHROPIC_PIXELS_PER_TOKEN
    if width * height > most:
        shrink = math.sqrt(most / (width * height))
        width, height = width * shrink, height * shrink
    return max(1, math.ceil(width * height / _ANTHROPIC_PIXELS_PER_TOKEN))


def image_limit_problem(image: ImageInput, provider_kind: str) -> str:
    """Why a provider of this kind refuses the image ("" when it takes it)."""
    if provider_kind == "anthropic":
        if image.size_bytes > ANTHROPIC_MAX_IMAGE_BYTES:
            return f"image of {format_bytes(image.size_bytes)} is over Anthropic's 5 MB limit"
        if max(image.width, image.height) > ANTHROPIC_MAX_SIDE_PX:
            return f"image of {image.width}×{image.height} px is over Anthropic's 8000 px limit"
    elif image.size_bytes > OPENAI_MAX_IMAGE_BYTES:
        return f"image of {format_bytes(image.size_bytes)} is over the 20 MB limit"
    return ""


def format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe_image(image: ImageInput) -> str:
    """The preview line for an attached image: name, type, pixels, bytes."""
    kind = image.media_type.split("/")[-1].upper()
    return f"{image.name}: {kind} {image.width}×{image.height}, {format_bytes(image.size_bytes)}"


def load_image(path: str | Path, detail: ImageDetail = "auto") -> ImageInput:
    """Read an image file to attach, or a `UserError` naming the file and
    what is wrong: missing, unreadable, not an image, or too large."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise UserError(f"{file}: not a file; give the path of a PNG, JPEG, GIF or WebP image")
        if size > MAX_IMAGE_BYTES:
            raise UserError(f"{file}: the image is {format_bytes(size)}, over the 20 MB any provider accepts; "
                            "send a smaller image")
        data = file.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{file}: no such image file") from None
    except OSError as exc:
        raise UserError(f"{file}: cannot read the image ({exc.strerror or type(exc).__name__})") from None
    found = image_size(data)
    if found is None:
        raise UserError(f"{file}: not a PNG, JPEG, GIF or WebP image")
    media_type, width, height = found
    if width <= 0 or height <= 0:
        raise UserError(f"{file}: the image header gives no size ({width}×{height})")
    return ImageInput(media_type, data, width, height, name=file.name, detail=detail)
