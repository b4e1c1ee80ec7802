"""Image input: OpenAI `image_url` parts (data URLs and remote URLs) and
Anthropic `image` blocks (base64 and url sources), through the official
SDKs. The answer describes the image (type and size read from its bytes),
the usage counts it by each provider's published rule, and a model without
image input answers the real APIs' 400."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anthropic
import openai
import pytest

from playground.core.catalog import default_catalog
from playground.sim.features import images
from playground.sim.features.capabilities import supports_images
from playground.sim.features.types import ImagePart

MakeImage = Callable[[str, int, int], bytes]
DataUrl = Callable[[bytes, str], str]


def test_image_support_is_what_the_catalog_entry_declares() -> None:
    catalog = default_catalog()
    gpt, deepseek = catalog.get("gpt-4o"), catalog.get("deepseek-chat")
    assert supports_images(gpt) and not supports_images(deepseek)
    assert not supports_images(gpt.model_copy(update={"features": gpt.features.model_copy(update={"images": False})}))
    assert supports_images(deepseek.model_copy(
        update={"features": deepseek.features.model_copy(update={"images": True})}))


@pytest.mark.parametrize(("kind", "media_type"), [("png", "image/png"), ("gif", "image/gif"),
                                                  ("jpeg", "image/jpeg"), ("webp", "image/webp")])
def test_format_and_size_are_read_from_the_bytes(make_image: MakeImage, kind: str, media_type: str) -> None:
    decoded = images.inspect(make_image(kind, 321, 123), "image")
    assert (decoded.media_type, decoded.width, decoded.height) == (media_type, 321, 123)


def test_bytes_that_are_not_an_image_are_refused() -> None:
    with pytest.raises(images.ImageError, match="not a PNG, JPEG, GIF or WebP image"):
        images.inspect(b"%PDF-1.7 not an image", "image")


@pytest.mark.parametrize(
    ("width", "height", "detail", "tokens"),
    [
        (1024, 1024, "high", 765),  # the guide's worked example: 768x768 -> 4 tiles
        (2048, 4096, "high", 1105),  # -> 1024x2048 -> 768x1536 -> 6 tiles
        (4096, 8192, "low", 85),
        (200, 100, "auto", 255),  # small images are not scaled up: one tile
    ],
)
def test_openai_tile_rule(width: int, height: int, detail: str, tokens: int) -> None:
    part = ImagePart("data", "image/png", width, height, 1, "x", detail)
    assert images.openai_tokens(part) == tokens


@pytest.mark.parametrize(("width", "height"), [(200, 200), (1000, 1000), (1092, 1092), (4000, 3000)])
def test_anthropic_pixels_rule(width: int, height: int) -> None:
    tokens = images.anthropic_tokens(ImagePart("data", "image/png", width, height, 1, "x"))
    if max(width, height) <= 1568 and width * height <= 1600 * 750:
        assert tokens == math.ceil(width * height / 750)
    else:
        assert tokens <= 1600  # scaled down first


def test_openai_data_url_image(openai_sdk: openai.OpenAI, make_image: MakeImage, data_url: DataUrl) -> None:
    url = data_url(make_image("png", 640, 480), "image/png")
    question = "What is in this picture?"
    with_image: Any = [{"role": "user", "content": [{"type": "text", "text": question},
                                                    {"type": "image_url", "image_url": {"url": url}}]}]
    answer = openai_sdk.chat.completions.create(model="gpt-4o", messages=with_image)
    text = answer.choices[0].message.content or ""
    assert text.startswith("The image is a 640×480 PNG (landscape")
    plain = openai_sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    assert answer.usage is not None and plain.usage is not None
    expected = images.openai_tokens(ImagePart("data", "image/png", 640, 480, 1, "x"))
    assert answer.usage.prompt_tokens - plain.usage.prompt_tokens == expected == 85 + 170 * 2
    streamed = openai_sdk.chat.completions.create(model="gpt-4o", messages=with_image, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == text


def test_openai_low_detail_and_remote_url(openai_sdk: openai.OpenAI, make_image: MakeImage, data_url: DataUrl) -> None:
    content: Any = [{"type": "text", "text": "Compare these."},
                    {"type": "image_url", "image_url": {"url": data_url(make_image("jpeg", 3000, 2000), "image/jpeg"),
                                                        "detail": "low"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    answer = openai_sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": content}])
    text = answer.choices[0].message.content or ""
    assert text.startswith("I see 2 images: image 1 is a 3000×2000 JPEG")
    assert "remote image from example.com (not fetched" in text


def test_openai_model_without_image_input_is_a_400(openai_sdk: openai.OpenAI, make_image: MakeImage,
                                                   data_url: DataUrl) -> None:
    content: Any = [{"type": "text", "text": "Describe"},
                    {"type": "image_url", "image_url": {"url": data_url(make_image("png", 8, 8), "image/png")}}]
    with pytest.raises(openai.BadRequestError) as error:
        openai_sdk.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": content}])
    body: Any = error.value.body
    assert body["message"] == "Invalid content type. image_url is only supported by certain models."
    assert error.value.param == "messages.[0].content.[1].type"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:image/png;base64,!!!not-base64!!!", "not valid base64"),
        ("data:image/png;base64,JVBERi0xLjcK", "not a PNG, JPEG, GIF or WebP image"),
        ("ftp://example.com/x.png", r"expected a URL \(http or https\) or a base64 data URL"),
    ],
)
def test_openai_bad_image_data_is_a_400(openai_sdk: openai.OpenAI, url: str, message: str) -> None:
    content: Any = [{"type": "image_url", "image_url": {"url": url}}]
    with pytest.raises(openai.BadRequestError, match=message):
        openai_sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": content}])


def test_anthropic_base64_and_url_images(anthropic_sdk: anthropic.Anthropic, make_image: MakeImage) -> None:
    import base64

    data = base64.b64encode(make_image("webp", 1000, 1000)).decode()
    content: Any = [{"type": "image", "source": {"type": "base64", "media_type": "image/webp", "data": data}},
                    {"type": "text", "text": "Describe this image."}]
    message = anthropic_sdk.messages.create(model="claude-haiku-4-5", max_tokens=512,
                                            messages=[{"role": "user", "content": content}])
    text = "".join(b.text for b in message.content if b.type == "text")
    assert text.startswith("The image is a 1000×1000 WEBP (square")
    plain = anthropic_sdk.messages.count_tokens(model="claude-haiku-4-5",
                                                messages=[{"role": "user", "content": "Describe this image."}])
    counted = anthropic_sdk.messages.count_tokens(model="claude-haiku-4-5", messages=[{"role": "user",
                                                  "content": content}])
    assert message.usage.input_tokens == counted.input_tokens == plain.input_tokens + math.ceil(1000 * 1000 / 750)
    remote: Any = [{"type": "image", "source": {"type": "url", "url": "https://upload.example.org/ant.jpg"}},
                   {"type": "text", "text": "What is it?"}]
    with anthropic_sdk.messages.stream(model="claude-sonnet-4-5", max_tokens=512,
                                       messages=[{"role": "user", "content": remote}]) as stream:
        streamed = "".join(stream.text_stream)
    assert streamed.startswith("The image is a remote image from upload.example.org")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"type": "base64", "media_type": "image/bmp", "data": "AAAA"}, "media_type: Input should be 'image/jpeg'"),
        ({"type": "base64", "media_type": "image/jpeg", "data": None}, "data: Field required"),
        ({"type": "file", "file_id": "file_1"}, "the simulator has no Files API"),
    ],
)
def test_anthropic_bad_image_blocks_are_400s(anthropic_sdk: anthropic.Anthropic, source: dict[str, Any],
                                             message: str) -> None:
    content: Any = [{"type": "image", "source": source}, {"type": "text", "text": "hi"}]
    with pytest.raises(anthropic.BadRequestError, match=message) as error:
        anthropic_sdk.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user",
                                      "content": content}])
    assert error.value.type == "invalid_request_error"  # type: ignore[attr-defined]


def test_anthropic_media_type_must_match_the_bytes(anthropic_sdk: anthropic.Anthropic, make_image: MakeImage) -> None:
    import base64

    data = base64.b64encode(make_image("png", 10, 10)).decode()
    content: Any = [{"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": data}}]
    with pytest.raises(anthropic.BadRequestError, match="sent as image/jpeg but its bytes are image/png"):
        anthropic_sdk.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user",
                                      "content": content}])


def test_anthropic_protocol_model_without_image_input(anthropic_sdk: anthropic.Anthropic,
                                                      make_image: MakeImage) -> None:
    import base64

    data = base64.b64encode(make_image("gif", 4, 4)).decode()
    content: Any = [{"type": "image", "source": {"type": "base64", "media_type": "image/gif", "data": data}}]
    with pytest.raises(anthropic.BadRequestError, match="does not accept image input"):
        anthropic_sdk.messages.create(model="ollama-llama3-2", max_tokens=64, messages=[{"role": "user",
                                      "content": content}])
