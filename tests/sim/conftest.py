"""Fixtures for the simulator tests: official SDK clients pointed at the
session's `SimServer`, and tiny images built in memory (real headers, so
the simulator reads their format and size from the bytes)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import anthropic
import openai
import pytest

from tests.helpers.images import IMAGE_MAKERS


@pytest.fixture
def openai_sdk(sim_server: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim_server.base_url + "/v1", api_key="sim", max_retries=0)  # type: ignore[attr-defined]


@pytest.fixture
def anthropic_sdk(sim_server: object) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=sim_server.base_url, api_key="sim", max_retries=0)  # type: ignore[attr-defined]


@pytest.fixture
def make_image() -> Callable[[str, int, int], bytes]:
    """`make_image("png", 640, 480)` -> the bytes of such an image."""
    return lambda kind, width, height: IMAGE_MAKERS[kind](width, height)


@pytest.fixture
def data_url() -> Callable[[bytes, str], str]:
    return lambda data, media_type: f"data:{media_type};base64,{base64.b64encode(data).decode()}"
