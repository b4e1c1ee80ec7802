"""`playground train-router`: embed labelled examples and save the learned
router as plain JSON (written atomically, owner-only)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from playground.cli_support import add_session_flags, bounded_int, load_settings, open_session
from playground.cli_views.output import EXIT_OK, out
from playground.core.errors import UserError

if TYPE_CHECKING:
    from playground.cli_views.progress import Progress

BATCH = 256
MAX_DIMENSIONS = 8192


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("examples", help='JSON Lines file: {"prompt", "best_model"} or {"prompt", "quality": '
                                         '{model: score}} per line')
    parser.add_argument("--out", required=True, help="where to write the trained router (JSON)")
    parser.add_argument("--dimensions", type=bounded_int(1, MAX_DIMENSIONS), default=256,
                        help="embedding dimensions (default 256; at most the embedding model's)")
    parser.add_argument("--embedding-model", default="text-embedding-3-small",
                        help="embedding model (default text-embedding-3-small)")
    add_session_flags(parser)


def _check_out(out: str) -> Path:
    path = Path(out).expanduser()
    if not out.strip():
        raise UserError("--out is empty; give the file to write the trained router to")
    if path.is_dir():
        raise UserError(f"--out {path}: is a directory; give a file name such as {path / 'router.json'}")
    return path


def run(args: argparse.Namespace) -> int:
    from playground.config.files import write_private
    from playground.strategies.learned import load_examples, train

    target = _check_out(args.out)
    examples = load_examples(args.examples)
    settings = load_settings(args)
    unknown = sorted({m for e in examples for m in e.scores() if m not in settings.catalog.models})
    if unknown:
        raise UserError(f"{args.examples}: examples name unknown model(s) {', '.join(unknown)}")
    with open_session(args, settings) as session:
        spec = session.catalog.embedding_models.get(args.embedding_model)
        if spec is None:
            raise UserError(f"unknown embedding model {args.embedding_model!r}; known: "
                            f"{', '.join(session.catalog.embedding_models)}")
        if args.dimensions > spec.dimensions:
            raise UserError(f"--dimensions {args.dimensions} is out of range; {spec.id} allows 1..{spec.dimensions}")
        endpoint = session.endpoints.get(spec.provider)
        if endpoint is None:
            raise UserError(f"embedding model {spec.id} needs provider {spec.provider!r}; "
                            f"set {spec.provider.upper()}_API_KEY or use --sim")

        async def embed_all(bar: Progress) -> tuple[list[list[float]], int]:
            pool = session.make_engine().pool
            try:
                provider = pool.provider_for_endpoint(endpoint)
                api_model = spec.sim_name if endpoint.simulated else spec.api_name
                vectors: list[list[float]] = []
                tokens = 0
                for start in range(0, len(examples), BATCH):
                    batch = [e.prompt for e in examples[start:start + BATCH]]
                    got, used = await provider.embed(api_model, batch, args.dimensions)  # type: ignore[attr-defined]
                    vectors.extend(got)
                    tokens += used
                    bar.update(len(vectors), f"{tokens:,} tokens")
                return vectors, tokens
            finally:
                await pool.aclose()

        from playground.cli_views.progress import progress_bar

        with progress_bar("embedding examples", len(examples)) as bar:
            vectors, tokens = asyncio.run(embed_all(bar))
        router = train(examples, lambda _: vectors, embedding_model=spec.id, dimensions=args.dimensions,
                       simulated=endpoint.simulated)
        write_private(target, router.model_dump_json(), parents=True)
    cost = tokens * spec.input_per_mtok / 1_000_000
    out(f"trained on {len(examples)} examples ({tokens:,} tokens embedded, ${cost:.6f}"
        f"{', simulated' if endpoint.simulated else ''}); wrote {target}\n"
        f"use it: playground run PROMPT -s learned -p learned.router_file={target}\n")
    return EXIT_OK
