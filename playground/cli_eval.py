"""`playground eval` and `playground train`: quality measured on data.

eval --replay (the default): strategies replayed over a dataset of recorded
outcomes, with sweeps and calibration, beside the random, best-single and
oracle baselines. eval --live: a prompt set sent through strategies via the
engine, scored by reference or a judge, stored in SQLite as it goes.
train: the `threshold` win-rate model from a dataset, fitted on one split and
reported on the other.

Without --dataset (or --prompts for --live) the example data shipped with the
app is used, so everything works offline.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from playground.core.errors import UserError
from playground.eval.example_data import EXAMPLE_DATASET, EXAMPLE_PROMPTS, example_path


def add_eval_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ev = sub.add_parser(
        "eval", help="measure strategies' quality and cost on a dataset (replay) or a prompt set (live)"
    )
    ev.add_argument(
        "--dataset",
        "-d",
        default=None,
        metavar="FILE",
        help="replay dataset: wide or long CSV, JSON Lines or Parquet (default: the shipped example)",
    )
    mode = ev.add_mutually_exclusive_group()
    mode.add_argument("--replay", action="store_true", help="replay recorded outcomes, no model call (the default)")
    mode.add_argument("--live", action="store_true", help="send a prompt set through the strategies via the engine")
    ev.add_argument(
        "--strategy",
        "-s",
        action="append",
        default=[],
        metavar="NAME",
        help="strategy to evaluate (repeatable; default: every strategy)",
    )
    ev.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="STRATEGY.KEY=VALUE",
        help="override a parameter, e.g. threshold.model=model.json",
    )
    ev.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="NAME.KEY=START:STOP:STEP",
        help="vary a numeric parameter (one row per step)",
    )
    ev.add_argument(
        "--calibrate",
        action="append",
        default=[],
        metavar="TARGET=VALUE",
        help="strong_share=0.3, budget_per_1k=2.5 or quality_floor=0.8: fit on one split, report the other",
    )
    ev.add_argument("--split", type=float, default=0.5, metavar="F", help="share of prompts to fit on (default 0.5)")
    ev.add_argument("--seed", type=int, default=0, help="seed of the split and of the random baseline (default 0)")
    _add_dataset_flags(ev)
    ev.add_argument(
        "--pair-only",
        action="store_true",
        help="strategies choose between the pair's two models only (RouteLLM's setting)",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object per strategy and setting")
    ev.add_argument("--no-cache", action="store_true", help="recompute prompt features instead of using the cache")
    live = ev.add_argument_group("live runs")
    live.add_argument(
        "--prompts",
        default=None,
        metavar="FILE",
        help="prompt set: JSON Lines (prompt, reference, tags), CSV or plain text (default: the shipped set)",
    )
    live.add_argument("--judge", default=None, metavar="MODEL", help="score answers with this model (a costed call)")
    live.add_argument(
        "--match",
        default="auto",
        choices=("auto", "exact", "normalised", "regex", "numeric"),
        help="how answers are compared with references (default auto)",
    )
    live.add_argument("--concurrency", "-c", type=int, default=8, help="requests in flight at once (default 8)")
    live.add_argument("--max-tokens", type=int, default=512, help="maximum output tokens per answer (default 512)")
    live.add_argument(
        "--store",
        default=None,
        metavar="FILE",
        help="SQLite file the results go to (default: one per run in the user state dir); "
        "an interrupted run resumes from it",
    )
    live.add_argument("--sim", action="store_true", help="use the built-in simulator even if API keys are set")
    live.add_argument("--sim-speed", type=float, default=None, metavar="X", help="simulator time factor")

    train = sub.add_parser("train", help="train a router on a dataset (threshold's win-rate model, or learned)")
    train.add_argument(
        "--dataset", "-d", default=None, metavar="FILE", help="replay dataset (default: the shipped example)"
    )
    train.add_argument("--strategy", "-s", required=True, choices=("threshold", "learned"), help="what to train")
    train.add_argument("--out", "-o", required=True, metavar="FILE", help="where to write the model (JSON)")
    train.add_argument("--split", type=float, default=0.5, metavar="F", help="share of prompts to fit on (default 0.5)")
    train.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    _add_dataset_flags(train)
    train.add_argument("--json", action="store_true", help="print the training report as JSON")
    train.add_argument("--no-cache", action="store_true", help="recompute prompt features instead of using the cache")


def _add_dataset_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="DATASET_MODEL=CATALOG_MODEL",
        help="which catalog model a dataset's model is (repeatable; DATASET_MODEL=- leaves it out)",
    )
    parser.add_argument(
        "--mapping",
        default=None,
        metavar="FILE",
        help="TOML with a [models] table of mappings (default: NAME.mapping.toml next to the dataset)",
    )
    parser.add_argument(
        "--pair",
        default=None,
        metavar="STRONG,WEAK",
        help="the strong and weak model for APGR/CPT and training (default: a two-model dataset's pair)",
    )


def _check_split(args: argparse.Namespace) -> None:
    if not 0.0 < args.split < 1.0:
        raise UserError(f"--split {args.split:g}: the share of prompts to fit on lies strictly between 0 and 1")


def _pair_names(args: argparse.Namespace, sidecar_pair: list[str] | None) -> list[str] | None:
    if args.pair:
        parts = [p.strip() for p in args.pair.split(",")]
        if len(parts) != 2 or not all(parts):
            raise UserError(f"--pair {args.pair!r}: expected STRONG,WEAK (two catalog models)")
        return parts
    return sidecar_pair


def load_for_eval(args: argparse.Namespace, feature_names: set[str], embed: Any = None, embed_key: str = "") -> Any:
    """(dataset with costs completed, feature table, catalog, pair names, whether features were cached).
    The catalog is the user's configured one: models added in the configuration
    can be mapped to a dataset's models and routed to."""
    from playground.cli_support import load_settings
    from playground.core.tokens import default_counter
    from playground.eval.costs import complete_costs
    from playground.eval.dataset_io import load_dataset
    from playground.eval.features_cache import cached_features
    from playground.eval.mapping import parse_map_flags, resolve_mapping, sidecar_pair

    path = Path(args.dataset).expanduser() if args.dataset else example_path(EXAMPLE_DATASET)
    mapping_file = Path(args.mapping).expanduser() if args.mapping else None
    mapping = resolve_mapping(path, parse_map_flags(args.map), mapping_file)
    catalog = load_settings(args).catalog
    dataset = load_dataset(path, mapping, catalog)
    counter = default_counter()
    table, cached = cached_features(
        dataset.prompts, feature_names, counter, embed=embed, embed_key=embed_key, use_cache=not args.no_cache
    )
    dataset = complete_costs(dataset, table.tokens, catalog, counter)
    return dataset, table, catalog, _pair_names(args, sidecar_pair(path, mapping_file)), cached


def _typed_params(names: list[str], raw: dict[str, dict[str, str]], catalog: Any) -> dict[str, dict[str, Any]]:
    """--param values in their declared types, each strategy built once so a
    bad value fails here, before any replay."""
    from playground.strategies.registry import strategy_class

    typed: dict[str, dict[str, Any]] = {}
    for name, values in raw.items():
        cls = strategy_class(name)
        declared = {p.name: p for p in cls.params}
        unknown = [k for k in values if k not in declared]
        if unknown:
            raise UserError(f"{name}: unknown parameter {unknown[0]!r}; parameters: {', '.join(declared)}")
        typed[name] = {k: declared[k].coerce(v, name, catalog) for k, v in values.items()}
        cls(catalog, typed[name])
    unused = [n for n in typed if n not in names]
    if unused:
        raise UserError(f"--param given for {', '.join(unused)}, which is not evaluated; add -s {unused[0]}")
    return typed


def _simulated_embed(dimensions: int) -> Any:
    import numpy as np

    from playground.sim.embeddings import embed_text

    return lambda texts: np.array([embed_text(t, dimensions) for t in texts], dtype=np.float32)


def cmd_eval(args: argparse.Namespace) -> int:
    if args.live:
        return cmd_eval_live(args)
    from playground.eval.replay_run import EvalRequest, run_replay
    from playground.eval.sweep import parse_sweep, parse_target
    from playground.strategies.registry import STRATEGIES, parse_param_overrides, strategy_class

    _check_split(args)
    sweeps = [parse_sweep(s) for s in args.sweep]
    targets = [parse_target(t) for t in args.calibrate]
    names = list(dict.fromkeys(args.strategy)) or list(STRATEGIES)
    for name in names:
        strategy_class(name)
    raw = parse_param_overrides(args.param)
    wanted = {f for name in names for f in strategy_class(name).features}
    embed = _simulated_embed(256) if "embedding" in wanted else None
    dataset, table, catalog, pair, cached = load_for_eval(args, wanted, embed, "sim-256" if embed else "")
    params = _typed_params(names + [s.strategy for s in sweeps], raw, catalog)
    request = EvalRequest(names, params, sweeps, targets, args.split, args.seed, pair, args.pair_only)
    report = run_replay(dataset, table, catalog, request)
    from playground.eval.report_text import render_report

    if args.json:
        for row in report.rows:
            print(json.dumps(row.to_dict(), ensure_ascii=False))
        for name, reason in report.skipped.items():
            print(f"playground: eval: {name}: {reason}", file=sys.stderr)
    else:
        sys.stdout.write(render_report(report, features_cached=cached))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from playground.eval.baselines import choose_pair
    from playground.eval.dataset import split_rows

    _check_split(args)
    if Path(args.out).expanduser().is_dir():  # before training, not after it
        raise UserError(f"{Path(args.out).expanduser()}: is a directory; give a file name for the model")
    if args.strategy == "learned":
        return train_learned(args)
    dataset, table, catalog, pair_names, _ = load_for_eval(args, set())
    pair = choose_pair(dataset, pair_names)
    if pair is None:
        raise UserError(
            f"{dataset.name}: {len(dataset.models)} models and no pair; say which two with "
            f"--pair STRONG,WEAK (models: {', '.join(dataset.models)})"
        )
    if dataset.n < 10:
        raise UserError(f"{dataset.name}: {dataset.n} prompts are too few to train on")
    split = split_rows(dataset.n, args.split, args.seed)
    from playground.eval.report_text import render_training
    from playground.eval.train_compare import compare_on_held_out, save_model
    from playground.eval.train_winrate import train_winrate

    trained = train_winrate(dataset, table.tokens, pair, split)
    save_model(trained.model, Path(args.out).expanduser())
    comparison = compare_on_held_out(dataset, table, catalog, pair, split, str(Path(args.out).expanduser()))
    if args.json:
        print(
            json.dumps(
                {
                    "strategy": "threshold",
                    "out": args.out,
                    "split": {"fraction": split.fraction, "seed": split.seed},
                    "strong_model": trained.model.strong_model,
                    "weak_model": trained.model.weak_model,
                    "train": trained.train.to_dict(),
                    "held_out": trained.held_out.to_dict(),
                    "default_threshold": trained.default.to_dict(),
                    "held_out_comparison": [row.to_dict() for row in comparison],
                }
            )
        )
    else:
        sys.stdout.write(render_training(trained, split, comparison, args.out))
    return 0


def train_learned(args: argparse.Namespace) -> int:
    """`learned` from a replay dataset: every fit-split prompt becomes an example
    labelled with every model's recorded score, embedded once (the simulator's
    deterministic embeddings, offline, as the built-in router uses); the router
    is then replayed on the held-out split beside the baselines."""
    from playground.eval.dataset import split_rows
    from playground.eval.evaluate import Evaluator, baselines
    from playground.eval.report_text import render_rows
    from playground.strategies.learned import DEFAULT_DIMENSIONS, Example, save_router, train

    embed = _simulated_embed(DEFAULT_DIMENSIONS)
    dataset, table, catalog, pair_names, _ = load_for_eval(args, {"embedding"}, embed, f"sim-{DEFAULT_DIMENSIONS}")
    if dataset.n < 10:
        raise UserError(f"{dataset.name}: {dataset.n} prompts are too few to train on")
    split = split_rows(dataset.n, args.split, args.seed)
    vectors = table.columns["embedding"][split.fit].tolist()
    examples = [
        Example(prompt=dataset.prompts[i], quality=dict(zip(dataset.models, dataset.scores[i].tolist(), strict=True)))
        for i in split.fit.tolist()
    ]
    router = train(
        examples,
        lambda _: vectors,
        embedding_model="text-embedding-3-small",
        dimensions=DEFAULT_DIMENSIONS,
        simulated=True,
    )
    out = Path(args.out).expanduser()  # not a directory: cmd_train checked
    save_router(router, out)
    held = Evaluator.build(dataset, table, catalog, pair_names).subset(split.held_out)
    rows = baselines(held, split.seed)
    for params in ({}, {"router_file": str(out)}):
        got = held.outcome("learned", params)
        if not isinstance(got, str):
            row = held.metrics(got)
            row.note = "trained on the fit split" if params else "built-in examples"
            rows.append(row)
    if args.json:
        print(
            json.dumps(
                {
                    "strategy": "learned",
                    "out": str(out),
                    "examples": len(examples),
                    "split": {"fraction": split.fraction, "seed": split.seed},
                    "held_out_comparison": [r.to_dict() for r in rows],
                }
            )
        )
    else:
        print(f"trained learned on {len(examples)} examples (simulator embeddings, {DEFAULT_DIMENSIONS} dimensions)")
        print(split.describe())
        sys.stdout.write(render_rows(rows))
        print(f"wrote {out}\nuse it: playground eval -s learned -p learned.router_file={out}")
    return 0


EVAL_COMMANDS = {"eval": cmd_eval, "train": cmd_train}


# --- live runs ----------------------------------------------------------------------------


def _open_session(args: argparse.Namespace | None, *, sim_speed: float | None = None) -> Any:
    """The one place evaluation gets an engine session: the user's configuration
    (real providers, or the simulator), or with `args=None` the built-in
    simulator on the default catalog (reproducible example data)."""
    from playground.launch import open_session, start_simulator

    if args is None:
        from playground.engine.session import SessionOptions

        return open_session(SessionOptions(force_sim=True, sim_speed=sim_speed))
    from playground.cli_support import load_settings

    return load_settings(args).open_session(force_sim=args.sim, sim_speed=args.sim_speed, simulator=start_simulator)


def _progress_bar() -> Any:
    """A one-line progress bar on standard error (only used on a terminal)."""
    from playground.eval.live import LiveProgress

    def show(p: LiveProgress) -> None:
        width = 30
        filled = int(width * p.done / p.total) if p.total else width
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total}"
            f"{f' ({p.failed} failed)' if p.failed else ''}{f', {p.resumed} resumed' if p.resumed else ''}"
        )
        if p.done == p.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _live_tasks(args: argparse.Namespace, catalog: Any) -> list[Any]:
    from playground.eval.live import LiveTask
    from playground.eval.sweep import parse_sweep
    from playground.strategies.registry import DEFAULT_STRATEGIES, make_strategy, parse_param_overrides

    names = list(dict.fromkeys(args.strategy)) or list(DEFAULT_STRATEGIES)
    sweeps = [parse_sweep(s) for s in args.sweep]
    params = _typed_params(names + [s.strategy for s in sweeps], parse_param_overrides(args.param), catalog)
    tasks = []
    for name in names:
        mine = [s for s in sweeps if s.strategy == name]
        settings = [{**params.get(name, {}), **s.knob.values(v)} for s in mine for v in s.values] or [
            params.get(name, {})
        ]
        for values in settings:
            label = name + "".join(f" {k}={v}" for k, v in sorted(values.items()))
            tasks.append(LiveTask(label, make_strategy(name, catalog, values), values))
    return tasks


def cmd_eval_live(args: argparse.Namespace) -> int:
    import asyncio

    from playground.eval.labelled import load_labelled
    from playground.eval.live import Scoring, run_id_for, run_live, summarize_live
    from playground.eval.live_store import ResultStore, default_store_path
    from playground.eval.report_text import render_rows
    from playground.strategies.registry import make_strategy

    if args.calibrate:
        raise UserError("--calibrate works on replay datasets; record outcomes first, then eval --replay")
    if not 1 <= args.concurrency <= 256:
        raise UserError(f"--concurrency {args.concurrency}: allowed 1..256")
    if not 1 <= args.max_tokens <= 100_000:
        raise UserError(f"--max-tokens {args.max_tokens}: allowed 1..100000")
    items = load_labelled(args.prompts or example_path(EXAMPLE_PROMPTS))
    with _open_session(args) as session:
        tasks = _live_tasks(args, session.catalog)
        judge = make_strategy("fixed", session.catalog, {"model": args.judge}) if args.judge else None
        scoring = Scoring(args.match, judge, args.judge or "")
        run_id, config = run_id_for(items, tasks, scoring, args.max_tokens)
        path = Path(args.store).expanduser() if args.store else default_store_path(run_id)
        progress = _progress_bar() if sys.stderr.isatty() and not args.json else None

        async def go() -> Any:
            engine = session.make_engine()
            try:
                return await run_live(
                    engine,
                    items,
                    tasks,
                    scoring,
                    store,
                    run_id,
                    concurrency=args.concurrency,
                    max_output_tokens=args.max_tokens,
                    progress=progress,
                )
            finally:
                await engine.pool.aclose()

        with ResultStore(path) as store:
            store.start_run(run_id, config)
            rows = asyncio.run(go())
        mode = session.mode_label
    metrics = summarize_live(rows, tasks)
    if args.json:
        for row in metrics:
            print(json.dumps(row.to_dict(), ensure_ascii=False))
    else:
        print(mode)
        print(f"prompts: {len(items)}; results in {path} (run {run_id})")
        sys.stdout.write(render_rows(metrics))
        for row in metrics:
            print(f"  {row.strategy}: {row.note}; p50 {row.p50_ms or 0:.0f} ms, p95 {row.p95_ms or 0:.0f} ms")
    return 0


# --- example data -------------------------------------------------------------------------

EXAMPLE_MODELS = ("gpt-5-nano", "gpt-4o-mini", "gpt-5-mini", "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5")
EXAMPLE_JUDGE = "claude-opus-4-5"
EXAMPLE_PAIR = ("claude-opus-4-5", "gpt-5-nano")
EXAMPLE_SPEED = 200.0


def make_examples(out: Path, speed: float = EXAMPLE_SPEED) -> None:
    """Rebuild the shipped example data: the prompt sets, then every example
    model's answer to every prompt from the simulator, graded by a simulated
    flagship judge (score >= 7/10 counts as right). Reproducible: the prompt
    sets are seeded and the simulator's answers and grades are deterministic
    (latencies are measured, rescaled to real time by the simulator speed)."""
    import asyncio
    import tempfile

    from playground.eval.examples import build_prompt_sets, mixed_sample
    from playground.eval.labelled import LabelledPrompt
    from playground.eval.live import LiveTask, Scoring, run_live
    from playground.eval.live_store import ResultStore
    from playground.eval.scoring import JUDGE_PASS
    from playground.strategies.registry import make_strategy

    sets = build_prompt_sets()
    for name, items in [*sets.items(), ("mixed", mixed_sample(sets))]:
        _write_lines(out / "prompts" / f"{name}.jsonl", [json.dumps(i.to_dict(), ensure_ascii=False) for i in items])
    ids = [f"{name}-{i:03d}" for name, items in sets.items() for i in range(1, len(items) + 1)]
    unjudged = [LabelledPrompt(i.prompt) for items in sets.values() for i in items]  # every answer goes to the judge
    with _open_session(None, sim_speed=speed) as session:
        catalog = session.catalog
        tasks = [LiveTask(m, make_strategy("fixed", catalog, {"model": m}), {"model": m}) for m in EXAMPLE_MODELS]
        scoring = Scoring("auto", make_strategy("fixed", catalog, {"model": EXAMPLE_JUDGE}), EXAMPLE_JUDGE)

        async def go() -> Any:
            engine = session.make_engine()
            try:
                return await run_live(
                    engine,
                    unjudged,
                    tasks,
                    scoring,
                    store,
                    "examples",
                    concurrency=32,
                    max_output_tokens=1024,
                    progress=_progress_bar() if sys.stderr.isatty() else None,
                )
            finally:
                await engine.pool.aclose()

        with tempfile.TemporaryDirectory() as tmp, ResultStore(Path(tmp) / "examples.sqlite") as store:
            rows = asyncio.run(go())
    lines = []
    for row in sorted(rows, key=lambda r: (r.prompt_index, EXAMPLE_MODELS.index(r.task))):
        if row.error is not None or row.quality is None:
            raise UserError(f"example generation: {row.task} on prompt {row.prompt_index}: {row.error or 'unscored'}")
        lines.append(
            json.dumps(
                {
                    "prompt_id": ids[row.prompt_index],
                    "prompt": row.prompt,
                    "model": row.task,
                    "score": 1.0 if row.quality * 10 >= JUDGE_PASS else 0.0,
                    "cost_usd": round(row.cost_usd, 10),
                    "response": row.answer,
                    "latency_ms": round((row.latency_ms or 0.0) * speed, 1),
                },
                ensure_ascii=False,
            )
        )
    _write_lines(out / "examples" / "outcomes.jsonl", lines)
    strong, weak = EXAMPLE_PAIR
    _write_lines(
        out / "examples" / "outcomes.mapping.toml",
        [
            "# Models are named by catalog id already; this file only names the strong/weak pair.",
            f'pair = ["{strong}", "{weak}"]',
        ],
    )


def _write_lines(path: Path, lines: list[str]) -> None:
    """Shipped data: written whole (temp file, rename), then readable by anyone who installs the app."""
    import os

    from playground.config.files import write_private

    write_private(path, "\n".join(lines) + "\n")
    os.chmod(path, 0o644)


def write_complexity_reference(dataset_path: Path, out: Path) -> None:
    """The complexity quantile scale from the example prompts, and default
    quantile thresholds chosen on the example outcomes (both named in the file)."""
    from playground.core.catalog import default_catalog
    from playground.core.tokens import default_counter
    from playground.eval.complexity_reference import build_scale, raw_scores, recommend_thresholds
    from playground.eval.dataset_io import load_dataset
    from playground.eval.features_cache import cached_features

    counter = default_counter()
    data = load_dataset(dataset_path, {}, default_catalog())
    table, _ = cached_features(data.prompts, (), counter, use_cache=False)
    scale = build_scale(data.prompts, table.tokens, counter, "playground/eval/data/prompts/*.jsonl (every example set)")
    recommended = recommend_thresholds(data, scale.quantiles(raw_scores(data.prompts, table.tokens)))
    scale.info["recommended_thresholds"] = {
        **recommended.to_dict(),
        "chosen_on": "playground/eval/data/examples/outcomes.jsonl, fit halves of 10 seeded 50% splits (seeds 0-9)",
        "criterion": "cheapest setting within 1 point of the best single model's quality, every tier >= 5% of prompts",
        "tiers": {"small": "gpt-5-mini", "mid": "claude-sonnet-4-5", "large": "claude-opus-4-5"},
    }
    _write_lines(out, [scale.to_json()])


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m playground.cli_eval", description="Rebuild the example data shipped with the app."
    )
    parser.add_argument("command", choices=("make-examples",))
    parser.add_argument("--out", default=str(example_path("data")), help="data directory (default: the package's)")
    parser.add_argument(
        "--reference-out",
        default=None,
        help="complexity reference (default: the strategies package's data/complexity_reference.json)",
    )
    parser.add_argument("--speed", type=float, default=EXAMPLE_SPEED, help="simulator time factor")
    parser.add_argument("--only-reference", action="store_true", help="rebuild only the complexity reference file")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if not args.only_reference:
        make_examples(out, args.speed)
    reference = (
        Path(args.reference_out)
        if args.reference_out
        else Path(str(resources.files("playground.strategies").joinpath("data/complexity_reference.json")))
    )
    write_complexity_reference(out / "examples" / "outcomes.jsonl", reference)
    print(f"wrote example data under {out} and {reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
