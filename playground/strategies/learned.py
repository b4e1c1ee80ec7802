"""Learned router: k-nearest neighbours over prompt embeddings, trained from
labelled examples (prompt -> best model, or prompt -> per-model quality).

Training embeds each example once and saves the vectors; at decision time
the engine supplies the request's embedding (a costed call to the
provider's embeddings endpoint), so `decide` itself is pure arithmetic.
Replay reads the "embedding" feature (computed with the embedding function
the evaluator gives), one `decide` per row.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.params import Params
from playground.strategies.route_plan import RoutePlan

BUILTIN_EXAMPLES = "builtin"
DEFAULT_DIMENSIONS = 256


class Example(BaseModel):
    # A NaN score would train a router that cannot be saved as JSON or loaded back.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    prompt: str = Field(min_length=1)
    best_model: str | None = None
    quality: dict[str, float] | None = None

    @model_validator(mode="after")
    def _one_label(self) -> Example:
        if (self.best_model is None) == (self.quality is None):
            raise ValueError("give exactly one of best_model or quality")
        return self

    def scores(self) -> dict[str, float]:
        if self.quality is not None:
            return dict(self.quality)
        assert self.best_model is not None  # one of the two, by _one_label
        return {self.best_model: 1.0}


class TrainedRouter(BaseModel):
    """What `playground train-router` saves."""

    model_config = ConfigDict(extra="forbid")
    embedding_model: str
    dimensions: int
    simulated_embeddings: bool
    examples: list[Example]
    vectors: list[list[float]]


def load_examples(path: str | Path) -> list[Example]:
    """JSON Lines of {"prompt", "best_model"} or {"prompt", "quality": {model: score}};
    errors name the file, the line and the key."""
    if str(path) == BUILTIN_EXAMPLES:
        text = resources.files("playground.eval").joinpath("data/router_examples.jsonl").read_text(encoding="utf-8")
        origin = "built-in router_examples.jsonl"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{path}: cannot read labelled examples ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise UserError(f"{path}: not UTF-8 text (byte {exc.start}); labelled examples are JSON Lines") from None
        origin = str(path)
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            examples.append(Example.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise UserError(f"{origin}:{number}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise UserError(f"{origin}:{number}: nested too deeply for a labelled example") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(line)"
            raise UserError(f"{origin}:{number}: {where}: {err['msg']}") from None
    if not examples:
        raise UserError(f"{origin}: no examples")
    return examples


def train(examples: list[Example], embed: Callable[[list[str]], list[list[float]]], *, embedding_model: str,
          dimensions: int, simulated: bool) -> TrainedRouter:
    vectors = embed([e.prompt for e in examples])
    return TrainedRouter(embedding_model=embedding_model, dimensions=dimensions, simulated_embeddings=simulated,
                         examples=examples, vectors=vectors)


def save_router(router: TrainedRouter, path: str | Path) -> None:
    """Atomically: a crash never leaves half a file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(router.model_dump_json())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_router(path: str | Path) -> TrainedRouter:
    try:
        return TrainedRouter.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the trained router ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not a trained router file (not UTF-8 text at byte {exc.start})") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UserError(
            f"{path}: not a trained router file: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        ) from None


BUILTIN_ROUTER_FILE = "data/builtin_router.json"


@lru_cache(maxsize=1)
def builtin_router() -> TrainedRouter:
    """The shipped examples embedded with the simulator's deterministic
    embedding function (exactly the vectors its endpoint returns), stored as a
    trained-router file: strategies take embeddings from outside, never from
    the simulator. `tests/unit/test_learned_router.py` rebuilds it and checks."""
    text = resources.files("playground.strategies").joinpath(BUILTIN_ROUTER_FILE).read_text(encoding="utf-8")
    return TrainedRouter.model_validate_json(text)


class LearnedParams(Params):
    router_file: str = Field(
        BUILTIN_EXAMPLES, description="Trained router (from `playground train-router`), or 'builtin'."
    )
    k: int = Field(5, ge=1, le=100, description="Neighbours that vote.")
    cost_weight: float = Field(0.0, ge=0.0, le=10.0,
                               description="Per-model quality mode: subtract this × blended $/M price from the score.")


class LearnedStrategy(Strategy[LearnedParams]):
    name = "learned"
    summary = (
        "k-nearest-neighbour router over prompt embeddings, trained on labelled examples; shows the nearest examples."
    )
    needs_embedding = True
    features = ("embedding",)

    def setup(self) -> None:
        path = self.p.router_file
        self.router = builtin_router() if path == BUILTIN_EXAMPLES else load_router(path)
        unknown = sorted({m for e in self.router.examples for m in e.scores() if m not in self.catalog.models})
        if unknown:
            raise UserError(f"learned.router_file: examples name unknown model(s) {', '.join(unknown)}")
        matrix = np.asarray(self.router.vectors, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self._matrix = matrix / np.where(norms == 0, 1, norms)
        # Labels as (model, score) pairs, read once: voting reads them for
        # every neighbour of every decision.
        self._labels = [tuple(e.scores().items()) for e in self.router.examples]
        self._prompts = [e.prompt for e in self.router.examples]

    @property
    def embedding_request(self) -> tuple[str, int]:
        return self.router.embedding_model, self.router.dimensions

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        if route.embedding is None:
            raise UserError("learned: no embedding for this request (no embeddings endpoint is configured)")
        query = np.asarray(route.embedding, dtype=np.float32)  # free when the engine passes an array
        if query.shape[0] != self._matrix.shape[1]:
            raise UserError(f"learned: request embedding has {query.shape[0]} dimensions, the router was trained with "
                            f"{self._matrix.shape[1]}; retrain with `playground train-router`")
        # math.sqrt of the float32 dot product: the divisor, once cast to
        # float32 for the division, is bit for bit np.linalg.norm's (a double
        # square root rounds to the same float32), at a fraction of the overhead.
        norm = math.sqrt(query.dot(query)) or 1.0
        # ndarray.dot and argsort methods: the same BLAS call and sort as `@` and
        # np.argsort, minus a microsecond of dispatch each.
        similarities = self._matrix.dot(query / norm)
        k = min(self.p.k, len(similarities))
        # A full argsort, not argpartition: with a few dozen examples it costs
        # the same, and it keeps the order of tied examples exactly as before.
        nearest = (-similarities).argsort()[:k].tolist()
        as_floats = similarities.tolist()  # one conversion beats indexing numpy scalars
        nearest_similarities = [as_floats[i] for i in nearest]
        totals: dict[str, float] = {}
        for index, similarity in zip(nearest, nearest_similarities, strict=True):
            weight = (0.0 if similarity < 0.0 else similarity) + 1e-6  # max(similarity, 0.0), without the call
            for model_id, score in self._labels[index]:
                totals[model_id] = totals.get(model_id, 0.0) + weight * score
        cost_weight = self.p.cost_weight
        if cost_weight:
            for model_id in totals:
                model = ctx.catalog.get(model_id)
                totals[model_id] -= cost_weight * (model.input_per_mtok * 0.75 + model.output_per_mtok * 0.25)
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        chosen = None
        candidates = []
        needed = route.needed_tokens
        for model_id, score in ranked:
            fits = ctx.is_available(model_id) and ctx.catalog.get(model_id).context_window >= needed
            accepted = chosen is None and fits
            if accepted:
                chosen = model_id
            candidates.append(
                Candidate(
                    model_id,
                    score=score,
                    accepted=accepted,
                    note="top vote" if accepted else ("cannot take the request" if not fits else "outvoted"),
                )
            )
        if chosen is None:
            chosen = ctx.resolve(ranked[0][0], route)[0].id
        neighbours = [{"prompt": self._prompts[i], "similarity": similarity, "labels": dict(self._labels[i])}
                      for i, similarity in zip(nearest, nearest_similarities, strict=True)]
        top = neighbours[0]
        reason = f"{k} nearest examples vote {chosen} (closest {top['similarity']:.2f}: {top['prompt'][:50]!r})"
        return Decision(
            model=chosen,
            reason=reason,
            candidates=tuple(candidates),
            details={"neighbours": neighbours, "k": k},
            fallbacks=tuple(m for m, _ in ranked[1:3] if m != chosen),
        )

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        examples = self.router.examples
        counts = Counter(max(scores, key=lambda m: scores[m]) for scores in (e.scores() for e in examples))
        named = sorted({m for e in examples for m in e.scores()})
        ranked = [m for m, _ in counts.most_common()] + [m for m in named if m not in counts]
        plan = RoutePlan(self.name, "fallback", ranked[0], ranked[0], members=ranked, own_chain=True)
        plan.caveats.append(f"learned: the k-nearest-neighbour router over prompt embeddings (k={self.p.k}) cannot be "
                            f"expressed; exported the model most often best in its {len(examples)} examples "
                            f"({ranked[0]}), the others as fallbacks")
        return plan
