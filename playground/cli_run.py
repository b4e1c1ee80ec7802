"""`playground run`: one prompt through several strategies, headless."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from playground.cli_support import (
    MAX_OUTPUT_TOKENS_RANGE,
    add_param_flag,
    add_session_flags,
    bounded_int,
    load_settings,
    open_session,
    read_prompt,
    require_text,
    strategy_overrides,
)
from playground.cli_views.output import EXIT_OK, EXIT_REQUEST_FAILED, emit_json, out, say
from playground.core.errors import UserError

if TYPE_CHECKING:
    from playground.core.events import RequestResult
    from playground.core.messages import ChatRequest
    from playground.engine.session import Session

MAX_REPEAT = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from playground.strategies.registry import DEFAULT_STRATEGIES

    parser.add_argument("prompt", help="the prompt text, or - to read it from standard input")
    parser.add_argument("--strategy", "-s", action="append", metavar="NAME",
                        help=f"strategy to run (repeatable; default: {' '.join(DEFAULT_STRATEGIES)})")
    add_param_flag(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object per strategy per line")
    parser.add_argument("--system", default=None, help="system prompt")
    parser.add_argument("--max-tokens", type=bounded_int(*MAX_OUTPUT_TOKENS_RANGE), default=1024,
                        help="maximum output tokens (default 1024)")
    parser.add_argument("--repeat", type=bounded_int(1, MAX_REPEAT), default=1, metavar="N",
                        help="send the prompt N times per strategy (with --cache, later sends can hit the cache)")
    parser.add_argument("--cache", action="store_true",
                        help="use the semantic cache (exact, then embedding similarity)")
    parser.add_argument("--image", action="append", metavar="FILE", default=[],
                        help="attach a PNG, JPEG, GIF or WebP image (repeatable); only models with image input "
                             "are routed to")
    parser.add_argument("--tools", metavar="FILE",
                        help="JSON list of tool definitions (OpenAI or Anthropic format); only models with tool "
                             "calling are routed to")
    parser.add_argument("--tool-choice", metavar="MODE", default=None,
                        help="auto, none, required, or a tool's name (with --tools)")
    parser.add_argument("--schema", metavar="FILE",
                        help="JSON Schema the answer must match (structured output); only models that take a "
                             "schema are routed to")
    add_session_flags(parser)


async def _run_all(session: Session, names: list[str], values: dict[str, dict[str, object]], request: ChatRequest,
                   repeat: int = 1, cache: bool = False) -> list[RequestResult]:
    from playground.strategies.registry import make_strategy

    engine = session.make_engine()
    try:
        strategies = [make_strategy(name, session.catalog, values.get(name)) for name in names]
        results: list[RequestResult] = []
        for _ in range(repeat):
            results += await asyncio.gather(*(engine.run(s, request, use_cache=cache) for s in strategies))
        return results
    finally:
        await engine.pool.aclose()


def request_extras(args: argparse.Namespace) -> dict[str, Any]:
    """Images, tools and a response schema from `--image`, `--tools`,
    `--tool-choice` and `--schema`, read and checked (a `UserError` naming
    the file otherwise)."""
    from playground.core.images import load_image
    from playground.core.request_files import load_schema, load_tools, parse_tool_choice

    tools = load_tools(args.tools) if args.tools else ()
    if args.tool_choice is not None and not tools:
        raise UserError("--tool-choice needs --tools FILE (the tools it chooses among)")
    return {
        "images": tuple(load_image(path) for path in args.image),
        "tools": tools,
        "tool_choice": parse_tool_choice(args.tool_choice, tools) if args.tool_choice is not None else None,
        "response_format": load_schema(args.schema) if args.schema else None,
    }


def run(args: argparse.Namespace) -> int:
    from playground.core.messages import ChatRequest
    from playground.core.tokens import default_counter
    from playground.strategies.base import RouteInput
    from playground.strategies.registry import DEFAULT_STRATEGIES, make_strategy

    prompt = read_prompt(args.prompt)
    system = None if args.system is None else require_text(args.system, "--system")
    names = args.strategy or list(DEFAULT_STRATEGIES)
    overrides = strategy_overrides(args.param, names)
    settings = load_settings(args)
    values = {name: {**settings.values_for(name), **overrides.get(name, {})} for name in names}
    with open_session(args, settings) as session:
        # Validate everything before any call is made.
        for name in names:
            make_strategy(name, session.catalog, values[name])
        request = ChatRequest.from_prompt(prompt, system=system, max_output_tokens=args.max_tokens,
                                          **request_extras(args))
        route = RouteInput.measure(request, default_counter())
        session.context.ensure_some_fit(route)
        session.context.for_request(route.needs)  # no model has what it needs: one line, before any call
        results = asyncio.run(_run_all(session, names, values, request, args.repeat,
                                       args.cache or settings.cache.enabled))
        if args.json:
            for result in results:
                emit_json(result.to_dict())
        else:
            from playground.cli_views.summary import render_summary

            out(render_summary(results, session.mode_label))
    failed = [r for r in results if r.error is not None]
    for result in failed:
        assert result.error is not None
        say(f"playground: {result.strategy}: {result.error.kind}: {result.error.message}")
    return EXIT_REQUEST_FAILED if failed else EXIT_OK
