"""The request a user sends, independent of any provider's wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: tuple[Message, ...]
    max_output_tokens: int = 1024
    temperature: float | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Ask for token logprobs (used as a confidence signal where providers return them).
    logprobs: bool = False

    @classmethod
    def from_prompt(cls, prompt: str, *, system: str | None = None, max_output_tokens: int = 1024) -> ChatRequest:
        messages: list[Message] = []
        if system:
            messages.append(Message("system", system))
        messages.append(Message("user", prompt))
        return cls(messages=tuple(messages), max_output_tokens=max_output_tokens)

    def text_problem(self) -> str:
        """Why the text cannot be sent ("" when it can): a lone surrogate
        (from undecodable input) has no UTF-8 encoding, so no provider can
        receive it."""
        for index, message in enumerate(self.messages):
            try:
                message.content.encode("utf-8")
            except UnicodeEncodeError as exc:
                return (f"the {message.role} message (#{index + 1}) is not valid Unicode text: {exc.reason} at "
                        f"character {exc.start}; send UTF-8 text")
        return ""

    @property
    def prompt_text(self) -> str:
        """The text strategies score: the last user message."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    @property
    def all_text(self) -> str:
        return "\n".join(m.content for m in self.messages)
