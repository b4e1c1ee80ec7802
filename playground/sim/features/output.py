"""What a simulated model answers to a request, before pacing and
truncation: text (prose, a JSON document, or an answer built on tool
results, with a description of any images first) or tool calls.

Order: tool calls when the turn calls tools; otherwise the text, which is
the prose answer to the question (from `content.answers`), opened by the
tool results it uses and the images it was shown, and, in JSON mode,
wrapped or generated from the schema with that prose as the hint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from playground.core.catalog import ModelSpec
from playground.sim.content.answers import SimAnswer, answer_for
from playground.sim.content.prompt import key_terms
from playground.sim.features.capabilities import supports_parallel_tool_calls
from playground.sim.features.images import describe
from playground.sim.features.schema_values import Hints, generate
from playground.sim.features.tools import plan_calls, results_text
from playground.sim.features.types import Features, ToolCall


@dataclass(frozen=True, slots=True)
class Output:
    """`answer` carries the text to send ("" for a turn that only calls
    tools) and the prose's hedging and difficulty (which drive logprobs)."""

    answer: SimAnswer
    tool_calls: tuple[ToolCall, ...] = ()

    @property
    def text(self) -> str:
        return self.answer.text


def plan_output(model: ModelSpec, prompt: str, features: Features, *, call_id_prefix: str) -> Output:
    """A pure function of (model, prompt, features): the same request gets
    the same answer. Raises `SchemaError` for a schema it cannot satisfy."""
    answer = answer_for(model, prompt)
    parallel = features.parallel_tool_calls and supports_parallel_tool_calls(model)
    calls = plan_calls(features.tools, features.tool_choice, parallel, prompt, id_prefix=call_id_prefix,
                       answered=bool(features.tool_results))
    if calls:
        return Output(replace(answer, text=""), calls)
    text = answer.text
    if features.tool_results:
        text = results_text(features.tool_results) + "\n\n" + text
    if features.images:
        text = describe(features.images) + "\n\n" + text
    output = features.output
    if output.kind == "json_object":
        text = json.dumps({"answer": text}, ensure_ascii=False)
    elif output.kind == "json_schema" and output.schema is not None:
        value = generate(output.schema, Hints(text=text, terms=key_terms(prompt)))
        text = json.dumps(value, ensure_ascii=False)
    return Output(replace(answer, text=text) if text != answer.text else answer)
