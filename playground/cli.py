"""Command line entry: `playground [tui|run|models|strategies|sim]`.

Everything the TUI can do, the CLI can do headless. User mistakes end in a
one-line error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from playground import __version__
from playground.cli_eval import EVAL_COMMANDS, add_eval_parsers
from playground.cli_export import add_export_parsers, cmd_export, cmd_import
from playground.cli_serve import add_serve_parser, cmd_serve
from playground.config.build import Settings
from playground.core.errors import UserError
from playground.core.events import RequestResult
from playground.core.messages import ChatRequest
from playground.core.tokens import default_counter
from playground.engine.session import Session
from playground.launch import start_simulator
from playground.providers.endpoints import real_endpoints
from playground.strategies.base import RouteInput
from playground.strategies.registry import (
    DEFAULT_STRATEGIES,
    STRATEGIES,
    make_strategy,
    parse_param_overrides,
    strategy_class,
)

EXIT_USER_ERROR = 2
EXIT_REQUEST_FAILED = 1


FAULTS_HELP = ("comma-separated KIND=VALUE items, each optionally prefixed MODEL: (e.g. "
               "server_error=0.2,rate_limit=0.1,cut=0.05,stall=0.05,sim-gpt-4o:down=1); kinds: rate_limit, "
               "server_error, overloaded, cut, stall (probabilities), latency_ms, down (1/0)")


def _add_config_flag(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # Accepted before or after the command; SUPPRESS keeps a later default
    # from erasing a value given earlier.
    parser.add_argument("--config", metavar="FILE", default=None if top else argparse.SUPPRESS,
                        help="configuration file (default: config.toml in the user config dir, or $PLAYGROUND_CONFIG)")


def _add_session_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sim", action="store_true", help="use the built-in simulator even if API keys are set")
    parser.add_argument("--sim-speed", type=float, default=None, metavar="X",
                        help="simulator time factor (2 = twice as fast); default $PLAYGROUND_SIM_SPEED or 1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="Compare LLM routing strategies side by side. With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"routing-playground {__version__}")
    _add_config_flag(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tui = sub.add_parser("tui", help="open the terminal UI (the default)")
    tui.add_argument("--strategy", "-s", action="append", metavar="NAME", help="strategy column to show (repeatable)")
    tui.add_argument("--prompt", default=None, help="prefill the prompt box")
    tui.add_argument("--send", action="store_true", help="send the --prompt as soon as the app is ready")
    tui.add_argument("--param", "-p", action="append", default=[], metavar="STRATEGY.KEY=VALUE",
                     help="override a strategy parameter")
    tui.add_argument("--prompts", default=None, metavar="FILE",
                     help="prompt set the tuning preview routes: one prompt per line, or JSON Lines with a \"prompt\" "
                          "field (default: the built-in set)")
    _add_session_flags(tui)

    run = sub.add_parser("run", help="send one prompt through strategies headless")
    run.add_argument("prompt", help="the prompt text, or - to read it from standard input")
    run.add_argument("--strategy", "-s", action="append", metavar="NAME",
                     help=f"strategy to run (repeatable; default: {' '.join(DEFAULT_STRATEGIES)})")
    run.add_argument("--param", "-p", action="append", default=[], metavar="STRATEGY.KEY=VALUE",
                     help="override a strategy parameter, e.g. complexity.high_threshold=0.6")
    run.add_argument("--json", action="store_true", help="print one JSON object per strategy per line")
    run.add_argument("--system", default=None, help="system prompt")
    run.add_argument("--max-tokens", type=int, default=1024, help="maximum output tokens (default 1024)")
    run.add_argument("--repeat", type=int, default=1, metavar="N",
                     help="send the prompt N times per strategy (with --cache, later sends can hit the cache)")
    run.add_argument("--cache", action="store_true", help="use the semantic cache (exact, then embedding similarity)")
    _add_session_flags(run)

    models = sub.add_parser("models", help="list the models the current configuration can reach")
    models.add_argument("--json", action="store_true", help="print JSON")
    _add_session_flags(models)

    strategies = sub.add_parser("strategies", help="list strategies and their parameters")
    strategies.add_argument("--json", action="store_true", help="print JSON")

    sim = sub.add_parser("sim", help="run the simulator (OpenAI + Anthropic compatible) in the foreground")
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    sim.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    sim.add_argument("--api-key", dest="require_key", default=None, metavar="KEY", help="reject requests without this API key (401)")
    sim.add_argument("--speed", type=float, default=None, metavar="X", help="time factor (2 = twice as fast)")
    sim.add_argument("--faults", default=None, metavar="SPEC", help=FAULTS_HELP)
    sim.add_argument("--seed", type=int, default=0, help="seed for fault draws (repeatable runs)")

    train = sub.add_parser("train-router", help="train the learned router from labelled examples (JSON Lines)")
    train.add_argument("examples", help='JSON Lines file: {"prompt", "best_model"} or {"prompt", "quality": {model: score}} per line')
    train.add_argument("--out", required=True, help="where to write the trained router (JSON)")
    train.add_argument("--dimensions", type=int, default=256, help="embedding dimensions (default 256)")
    train.add_argument("--embedding-model", default="text-embedding-3-small", help="embedding model (default text-embedding-3-small)")
    _add_session_flags(train)

    soak = sub.add_parser("soak", help="drive many requests through a strategy against the simulator with faults")
    soak.add_argument("--requests", "-n", type=int, default=200, help="number of requests (default 200)")
    soak.add_argument("--concurrency", "-c", type=int, default=20, help="requests in flight at once (default 20)")
    soak.add_argument("--strategy", "-s", default="fallback", metavar="NAME", help="strategy to drive (default fallback)")
    soak.add_argument("--param", "-p", action="append", default=[], metavar="STRATEGY.KEY=VALUE", help="override a parameter")
    soak.add_argument("--faults", default="", metavar="SPEC", help=FAULTS_HELP)
    soak.add_argument("--seed", type=int, default=0, help="seed for faults and retry jitter (repeatable runs)")
    soak.add_argument("--max-tokens", type=int, default=200, help="maximum output tokens per request (default 200)")
    soak.add_argument("--sim-speed", type=float, default=10.0, metavar="X",
                      help="simulator time factor (default 10: ten times faster than the real models)")
    soak.add_argument("--idle-timeout", type=float, default=None, metavar="S", help="stalled-stream timeout in seconds")
    soak.add_argument("--total-timeout", type=float, default=None, metavar="S", help="per-request total timeout in seconds")
    soak.add_argument("--json", action="store_true", help="print one JSON summary")
    add_export_parsers(sub)
    add_eval_parsers(sub)
    add_serve_parser(sub)
    for command in sub.choices.values():
        if command.prog.split()[-1] != "sim":
            _add_config_flag(command)
    return parser


def _settings(args: argparse.Namespace, *, strict: bool = False) -> Settings:
    """The user's configuration; its notices (file created, values ignored,
    models discovered) go to standard error so --json output stays clean.
    `strict`: a broken file is an error instead of falling back to the last
    good configuration (an export must describe the file, not an older one)."""
    from playground.config.discover import load_user_config
    from playground.config.problems import ConfigError

    loaded = load_user_config(Path(args.config) if getattr(args, "config", None) else None)
    if strict and loaded.problems:
        raise ConfigError(loaded.problems)
    for notice in loaded.notices():
        print(f"playground: config: {notice}", file=sys.stderr)
    args.notices = loaded.notices()
    return loaded.settings


def _session(args: argparse.Namespace, settings: Settings | None = None) -> Session:
    settings = settings or _settings(args)
    return settings.open_session(force_sim=args.sim, sim_speed=args.sim_speed, simulator=start_simulator)


def _read_prompt(raw: str) -> str:
    text = sys.stdin.read() if raw == "-" else raw
    if not text.strip():
        raise UserError("the prompt is empty; pass some text (or - to read it from standard input)")
    return text


async def _run_all(session: Session, names: list[str], values: dict[str, dict[str, object]], request: ChatRequest,
                   repeat: int = 1, cache: bool = False) -> list[RequestResult]:
    engine = session.make_engine()
    try:
        strategies = [make_strategy(name, session.catalog, values.get(name)) for name in names]
        results: list[RequestResult] = []
        for _ in range(repeat):
            results += await asyncio.gather(*(engine.run(s, request, use_cache=cache) for s in strategies))
        return results
    finally:
        await engine.pool.aclose()


def cmd_run(args: argparse.Namespace) -> int:
    prompt = _read_prompt(args.prompt)
    names = args.strategy or list(DEFAULT_STRATEGIES)
    overrides = parse_param_overrides(args.param)
    unused = [name for name in overrides if name not in names]
    if unused:
        raise UserError(f"--param given for {', '.join(unused)}, which is not run; add -s {unused[0]}")
    settings = _settings(args)
    values = {name: {**settings.values_for(name), **overrides.get(name, {})} for name in names}
    with _session(args, settings) as session:
        # Validate everything before any call is made.
        for name in names:
            make_strategy(name, session.catalog, values[name])
        request = ChatRequest.from_prompt(prompt, system=args.system, max_output_tokens=args.max_tokens)
        session.context.ensure_some_fit(RouteInput.measure(request, default_counter()))
        if not 1 <= args.repeat <= 100:
            raise UserError("--repeat must be between 1 and 100")
        results = asyncio.run(_run_all(session, names, values, request, args.repeat,
                                       args.cache or settings.cache.enabled))
        if args.json:
            for result in results:
                print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            from playground.cli_views.summary import render_summary

            sys.stdout.write(render_summary(results, session.mode_label))
    failed = [r for r in results if r.error is not None]
    for result in failed:
        print(f"playground: {result.strategy}: {result.error.kind}: {result.error.message}", file=sys.stderr)
    return EXIT_REQUEST_FAILED if failed else 0


def cmd_models(args: argparse.Namespace) -> int:
    settings = _settings(args)
    catalog = settings.catalog
    endpoints = {} if args.sim else real_endpoints(catalog, os.environ, settings.keyless_providers)
    simulated = not endpoints
    rows = []
    for model in catalog.models.values():
        if simulated:
            via = "simulator"
        elif model.provider in endpoints:
            via = endpoints[model.provider].shown_url  # user-info (user:key@) hidden
        else:
            continue
        rows.append({
            "id": model.id,
            "api_name": model.sim_name if simulated else model.api_name,
            "provider": model.provider,
            "tier": model.tier,
            "input_per_mtok": model.input_per_mtok,
            "output_per_mtok": model.output_per_mtok,
            "context_window": model.context_window,
            "simulated": simulated,
            "via": via,
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    header = "SIMULATED (no API keys set): every model is served by the built-in simulator" if simulated else \
        f"LIVE: models of configured providers ({', '.join(sorted(endpoints))})"
    print(header)
    print(f"{'model':<28}{'provider':<12}{'tier':<10}{'$/M in':>9}{'$/M out':>9}{'context':>11}  via")
    for r in rows:
        print(f"{r['id']:<28}{r['provider']:<12}{r['tier']:<10}{r['input_per_mtok']:>9.2f}{r['output_per_mtok']:>9.2f}"
              f"{r['context_window']:>11,}  {r['via']}")
    return 0


def cmd_strategies(args: argparse.Namespace) -> int:
    described = [cls.describe() for cls in STRATEGIES.values()]
    if args.json:
        print(json.dumps(described, indent=2))
        return 0
    for item in described:
        print(f"{item['name']}: {item['summary']}")
        for p in item["params"]:
            bounds = f" [{p['min']}..{p['max']}]" if p["min"] is not None else ""
            default = p["default"] if p["type"] != "rules" else f"{len(p['default'])} rules"
            print(f"    {p['name']} ({p['type']}{bounds}, default {default}): {p['help']}")
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from playground.sim.runner import serve_forever

    serve_forever(args.host, args.port, require_api_key=args.require_key, speed=args.speed, faults=args.faults,
                  seed=args.seed)
    return 0


def cmd_train_router(args: argparse.Namespace) -> int:
    from playground.strategies.learned import load_examples, save_router, train

    examples = load_examples(args.examples)
    settings = _settings(args)
    unknown = sorted({m for e in examples for m in e.scores() if m not in settings.catalog.models})
    if unknown:
        raise UserError(f"{args.examples}: examples name unknown model(s) {', '.join(unknown)}")
    with _session(args, settings) as session:
        spec = session.catalog.embedding_models.get(args.embedding_model)
        if spec is None:
            raise UserError(f"unknown embedding model {args.embedding_model!r}; known: {', '.join(session.catalog.embedding_models)}")
        endpoint = session.endpoints.get(spec.provider)
        if endpoint is None:
            raise UserError(f"embedding model {spec.id} needs provider {spec.provider!r}; set {spec.provider.upper()}_API_KEY or use --sim")

        async def embed_all() -> tuple[list[list[float]], int]:
            pool = session.make_engine().pool
            try:
                provider = pool.provider_for_endpoint(endpoint)
                api_model = spec.sim_name if endpoint.simulated else spec.api_name
                vectors: list[list[float]] = []
                tokens = 0
                for start in range(0, len(examples), 256):
                    batch = [e.prompt for e in examples[start:start + 256]]
                    got, used = await provider.embed(api_model, batch, args.dimensions)  # type: ignore[attr-defined]
                    vectors.extend(got)
                    tokens += used
                return vectors, tokens
            finally:
                await pool.aclose()

        vectors, tokens = asyncio.run(embed_all())
        router = train(examples, lambda _: vectors, embedding_model=spec.id, dimensions=args.dimensions,
                       simulated=endpoint.simulated)
        save_router(router, args.out)
    cost = tokens * spec.input_per_mtok / 1_000_000
    print(f"trained on {len(examples)} examples ({tokens:,} tokens embedded, ${cost:.6f}"
          f"{', simulated' if endpoint.simulated else ''}); wrote {args.out}")
    print(f"use it: playground run PROMPT -s learned -p learned.router_file={args.out}")
    return 0


def cmd_soak(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from playground.engine.timeouts import Timeouts
    from playground.eval.soak import soak

    if args.requests < 1 or args.concurrency < 1:
        raise UserError("--requests and --concurrency must be at least 1")
    if args.requests > 100_000:
        raise UserError("--requests is capped at 100000 to keep a soak bounded")
    timeouts = Timeouts()
    if args.idle_timeout is not None:
        timeouts = replace(timeouts, idle_s=args.idle_timeout)
    if args.total_timeout is not None:
        timeouts = replace(timeouts, total_s=args.total_timeout)
    overrides = parse_param_overrides(args.param)
    settings = _settings(args)
    if args.idle_timeout is None and args.total_timeout is None:
        timeouts = settings.timeouts
    with settings.open_session(force_sim=True, sim_speed=args.sim_speed, sim_faults=args.faults, seed=args.seed,
                               timeouts=timeouts, simulator=start_simulator) as session:
        values = {**settings.values_for(args.strategy), **overrides.get(args.strategy, {})}
        strategy = make_strategy(args.strategy, session.catalog, values)

        async def go() -> object:
            engine = session.make_engine()
            try:
                return await soak(engine, strategy, requests=args.requests, concurrency=args.concurrency,
                                  seed=args.seed, max_output_tokens=args.max_tokens)
            finally:
                await engine.pool.aclose()

        report = asyncio.run(go())
    data = report.to_dict()  # type: ignore[attr-defined]
    data.update({"strategy": args.strategy, "faults": args.faults, "seed": args.seed, "concurrency": args.concurrency})
    if args.json:
        print(json.dumps(data))
    else:
        for key, value in data.items():
            print(f"{key:>16}: {value}")
    return 0 if data["hung"] == 0 and data["lost"] == 0 else EXIT_REQUEST_FAILED


def cmd_tui(args: argparse.Namespace) -> int:
    from playground.eval.prompt_sets import load_prompt_set
    from playground.tui.app import run_tui

    settings = _settings(args)
    names = getattr(args, "strategy", None) or settings.columns
    for name in names:
        strategy_class(name)  # an unknown name fails here, before the screen opens
    overrides = parse_param_overrides(getattr(args, "param", []) or [])
    prompts_file = getattr(args, "prompts", None)
    prompts = load_prompt_set(prompts_file) if prompts_file else None  # a bad file fails before the screen opens
    session = settings.open_session(force_sim=getattr(args, "sim", False), sim_speed=getattr(args, "sim_speed", None),
                                    simulator=start_simulator)
    return run_tui(session=session, strategies=names, strategy_values=overrides, initial_prompt=getattr(args, "prompt", None),
                   send_initial_prompt=getattr(args, "send", False), settings=settings,
                   notices=getattr(args, "notices", []), prompts=prompts) or 0


def _policy_settings(args: argparse.Namespace) -> Settings:
    """The policy a command describes: the profile named by --profile, else the loaded config."""
    from playground.config.profiles import load_profile

    if getattr(args, "profile", None):
        return load_profile(args.profile, extra_models=_settings(args).extra_models)
    return _settings(args, strict=True)


def cmd_export_policy(args: argparse.Namespace) -> int:
    return cmd_export(args, _policy_settings(args))


COMMANDS = {
    "run": cmd_run,
    "models": cmd_models,
    "strategies": cmd_strategies,
    "sim": cmd_sim,
    "soak": cmd_soak,
    "train-router": cmd_train_router,
    "tui": cmd_tui,
    "export": cmd_export_policy,
    "import": cmd_import,
    **EVAL_COMMANDS,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "tui"])
    command = COMMANDS[args.command]
    try:
        return command(args)
    except UserError as exc:
        print(f"playground: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
