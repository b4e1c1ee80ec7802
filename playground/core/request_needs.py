"""What a request needs from the model that serves it, measured from the
request itself: image input (and each image's size against the provider's
limit), tool calling, several tool calls in one turn, JSON mode or a JSON
schema, system prompts. Routing treats every need as a hard constraint, like
the context window: a model without it is ruled out, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.catalog import FEATURE_LABELS, ModelSpec
from playground.core.errors import NoRoute
from playground.core.images import image_limit_problem
from playground.core.messages import ChatRequest, ImageInput


class NoModelServes(NoRoute):
    """No available model has what the request needs (image input, tools,
    JSON output): one message naming each model's shortfall."""


@dataclass(frozen=True, slots=True)
class RequestNeeds:
    images: tuple[ImageInput, ...] = ()
    tools: int = 0
    parallel_tool_calls: bool = False
    json_mode: bool = False
    json_schema: bool = False
    system_prompt: bool = False

    @classmethod
    def of(cls, request: ChatRequest) -> RequestNeeds:
        output = request.response_format
        return cls(
            images=request.images,
            tools=len(request.tools),
            parallel_tool_calls=bool(request.tools) and request.parallel_tool_calls is True,
            json_mode=output is not None and output.kind == "json_object",
            json_schema=output is not None and output.kind == "json_schema",
            system_prompt=any(m.role == "system" for m in request.messages),
        )

    def beyond_text(self) -> bool:
        """True when the request carries images, tools or a JSON shape."""
        return bool(self.images or self.tools or self.json_mode or self.json_schema)

    def may_rule_out(self) -> bool:
        """True when any need could rule a model out (system prompts only
        rule out the rare model that declares it takes none)."""
        return bool(self.images or self.tools or self.json_mode or self.json_schema or self.system_prompt)

    def wanted(self) -> list[str]:
        """The catalog feature names this request needs."""
        flags = {"images": bool(self.images), "tools": bool(self.tools),
                 "parallel_tool_calls": self.parallel_tool_calls, "json_mode": self.json_mode,
                 "json_schema": self.json_schema, "system_prompt": self.system_prompt}
        return [name for name, needed in flags.items() if needed]

    def describe(self) -> str:
        """The needs in words ("" for a plain text request)."""
        parts: list[str] = []
        if self.images:
            parts.append(f"{len(self.images)} image{'s' if len(self.images) != 1 else ''}")
        if self.tools:
            parts.append(f"{self.tools} tool{'s' if self.tools != 1 else ''}"
                         + (" (parallel calls)" if self.parallel_tool_calls else ""))
        if self.json_schema:
            parts.append("JSON schema output")
        elif self.json_mode:
            parts.append("JSON mode")
        return ", ".join(parts)

    def problem(self, model: ModelSpec, provider_kind: str) -> str:
        """Why `model` (of a provider of `provider_kind`) cannot serve the
        request, or "" when it can."""
        features = model.features
        missing = [FEATURE_LABELS[name] for name in self.wanted() if not getattr(features, name)]
        if missing:
            return "no " + " or ".join(missing)
        for image in self.images:
            too_big = image_limit_problem(image, provider_kind)
            if too_big:
                return too_big
        return ""
