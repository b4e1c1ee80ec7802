"""How the two chat APIs differ on the request side: parsing, where the key
is, the request-id header, the tool-call id prefix, how errors look and
which dialect renders the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from playground.core.catalog import ModelSpec
from playground.sim.errors import SimError, SimErrorKind
from playground.sim.faults.plan import Api
from playground.sim.features import images
from playground.sim.features.types import ImagePart
from playground.sim.wire import anthropic_messages, anthropic_request, openai_chat, openai_request
from playground.sim.wire.anthropic_messages import AnthropicDialect
from playground.sim.wire.dialect import Dialect, SimRequest, random_id
from playground.sim.wire.openai_chat import OpenAIDialect


@dataclass(frozen=True, slots=True)
class ApiSpec:
    api: Api
    parse: Callable[[Any], SimRequest]
    api_key: Callable[[Any], str | None]
    request_id_header: str
    call_id_prefix: str
    image_tokens: Callable[[ImagePart], int]  # the provider's published rule (features/images.py)

    def error_body(self, error: SimError) -> dict[str, Any]:
        return error.openai_body() if self.api == "openai" else error.anthropic_body()

    def dialect(self, request: SimRequest, model: ModelSpec) -> Dialect:
        if self.api == "openai":
            return OpenAIDialect(request.model, request.include_usage, request.top_logprobs, model.sim.quality)
        return AnthropicDialect(request.model)

    def no_images(self, request: SimRequest) -> SimError:
        """The 400 for an image sent to a model without image input."""
        where = request.features.images[0].where
        if self.api == "openai":  # the real API's words, see openai_request.py
            return SimError(SimErrorKind.INVALID_REQUEST,
                            "Invalid content type. image_url is only supported by certain models.", param=where)
        return SimError(SimErrorKind.INVALID_REQUEST, f"{where}: the model {request.model} does not accept image "
                        "input; send text only or choose a model that supports vision")


OPENAI = ApiSpec("openai", openai_request.parse_request, openai_chat.bearer_token, "x-request-id",
                 openai_chat.TOOL_CALL_ID_PREFIX, images.openai_tokens)
ANTHROPIC = ApiSpec("anthropic", anthropic_request.parse_request, anthropic_request.api_key, "request-id",
                    anthropic_messages.TOOL_CALL_ID_PREFIX, images.anthropic_tokens)


def ids(api: ApiSpec) -> dict[str, str]:
    return {api.request_id_header: random_id("req_sim_")}


def error_response(api: ApiSpec, error: SimError) -> JSONResponse:
    return JSONResponse(api.error_body(error), status_code=error.status, headers={**error.headers, **ids(api)})
