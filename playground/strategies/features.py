"""Per-prompt features for replay: computed once for a prompt set (the
evaluator caches them by content hash), then read by any number of decisions
(sweeps, calibration), vectorised.

A feature is a named function of the prompts and their token counts (and of
an embedding function, for "embedding") giving one row per prompt, as a
numeric array: tables are plain data (NPZ), never pickle. Strategy modules
register the features they need with `@feature(...)` and list them in
`Strategy.features`; `FEATURES` holds every registered one once
`playground.strategies.registry` (which imports every strategy) is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from playground.core.decision import Plan
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.strategies.routing import RouteInput

# The answer length a replayed request reserves (its `max_output_tokens`),
# as the preview and the CLI assume.
DEFAULT_MAX_OUTPUT_TOKENS = 1024
Embed = Callable[[list[str]], Any]  # prompts -> (N, d) vectors


@dataclass(frozen=True)
class FeatureInput:
    """What a feature is computed from."""

    prompts: Sequence[str]
    tokens: np.ndarray
    embed: Embed | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    help: str
    compute: Callable[[FeatureInput], np.ndarray]


FEATURES: dict[str, Feature] = {}


def feature(
    name: str, help: str
) -> Callable[[Callable[[FeatureInput], np.ndarray]], Callable[[FeatureInput], np.ndarray]]:
    """Register a feature function under `name` (decorator)."""

    def register(compute: Callable[[FeatureInput], np.ndarray]) -> Callable[[FeatureInput], np.ndarray]:
        if name in FEATURES and FEATURES[name].compute is not compute:
            raise ValueError(f"feature {name!r} is registered twice")
        FEATURES[name] = Feature(name, help, compute)
        return compute

    return register


@feature("embedding", "The prompt's embedding (N, d float32), from the `embed` function given to compute.")
def _embedding(data: FeatureInput) -> np.ndarray:
    if data.embed is None:
        raise UserError("feature 'embedding' needs an embedding function: FeatureTable.compute(..., embed=...)")
    vectors = np.asarray(data.embed(list(data.prompts)), dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(data.prompts):
        raise UserError(f"feature 'embedding': the embedding function returned shape {vectors.shape} for "
                        f"{len(data.prompts)} prompts; expected (N, dimensions)")
    return vectors


def compute_feature(name: str, data: FeatureInput) -> np.ndarray:
    known = FEATURES.get(name)
    if known is None:
        raise UserError(f"unknown feature {name!r}; features: {', '.join(sorted(FEATURES))}")
    values = np.asarray(known.compute(data))
    if values.dtype.kind not in "biuf" or len(values) != len(data.prompts):
        raise TypeError(f"feature {name!r} must give one numeric row per prompt, got {values.dtype} {values.shape}")
    return values


@dataclass
class FeatureTable:
    """Per-prompt features of a prompt set, computed once."""

    prompts: Sequence[str]
    tokens: np.ndarray  # (N,) int64: measured input tokens of each prompt as a request
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # feature name -> (N,) or (N, d)
    token_method: str = "estimate"
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    # Results derived from the features and a strategy's parameters (e.g. which
    # of a custom rule list matches each prompt), kept for the table's life
    # so a sweep over other parameters does not redo them. Never saved.
    _derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.prompts)

    @classmethod
    def compute(cls, prompts: Sequence[str], counter: TokenCounter, names: Iterable[str] = (),
                embed: Embed | None = None, *, max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS) -> FeatureTable:
        prompts = list(prompts)
        counts = [counter.count_request(ChatRequest.from_prompt(p)) for p in prompts]
        method = counts[0].method if counts else counter.method
        tokens = np.fromiter((c.tokens for c in counts), dtype=np.int64, count=len(counts))
        table = cls(prompts, tokens, {}, method, max_output_tokens)
        table.add(names, embed)
        return table

    def add(self, names: Iterable[str], embed: Embed | None = None) -> FeatureTable:
        """Compute the named features this table does not have yet."""
        data = FeatureInput(self.prompts, self.tokens, embed)
        for name in dict.fromkeys(names):
            if name not in self.columns:
                self.columns[name] = compute_feature(name, data)
        return self

    def feature(self, name: str) -> np.ndarray:
        """A feature's column, computed now (and kept) if the table lacks it
        and it needs no embedding function."""
        if name not in self.columns:
            self.add([name])
        return self.columns[name]

    def derived(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    @property
    def needed_tokens(self) -> np.ndarray:
        """Prompt plus reserved answer tokens per row, as `RouteInput.needed_tokens`."""
        return self.tokens + self.max_output_tokens

    def route_input(self, i: int, max_output_tokens: int | None = None) -> RouteInput:
        """Row `i` as the request `decide` gets."""
        request = ChatRequest.from_prompt(
            self.prompts[i], max_output_tokens=max_output_tokens or self.max_output_tokens
        )
        embedding = self.columns.get("embedding")
        return RouteInput(request, int(self.tokens[i]), self.token_method, None if embedding is None else embedding[i])

    # -- plain-data round trip (NPZ), never pickle --------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {"tokens": self.tokens, "token_method": np.array(self.token_method),
                  "max_output_tokens": np.array(self.max_output_tokens, dtype=np.int64)}
        arrays.update({f"feature.{name}": values for name, values in self.columns.items()})
        return arrays

    @classmethod
    def from_arrays(cls, prompts: Sequence[str], arrays: Mapping[str, np.ndarray]) -> FeatureTable:
        if "tokens" not in arrays:
            raise UserError("feature table: no 'tokens' array")
        tokens = np.asarray(arrays["tokens"], dtype=np.int64)
        columns = {key.removeprefix("feature."): np.asarray(values) for key, values in arrays.items()
                   if key.startswith("feature.")}
        for name, values in {"tokens": tokens, **columns}.items():
            if len(values) != len(prompts):
                raise UserError(f"feature table: {name} has {len(values)} rows for {len(prompts)} prompts")
        method = str(arrays["token_method"]) if "token_method" in arrays else "estimate"
        max_output = int(arrays["max_output_tokens"]) if "max_output_tokens" in arrays else DEFAULT_MAX_OUTPUT_TOKENS
        return cls(list(prompts), tokens, columns, method, max_output)


@dataclass
class BatchDecision:
    """`decide` over every row of a `FeatureTable`."""

    models: np.ndarray  # (N,) object array of model ids: the model that answers (for plans: the plan's first call)
    plans: Sequence[Plan | None] | None = None  # per row, for multi-call strategies (ensemble, cascade, llmrouter)
    # Rows `decide` refuses (no model fits, every model filtered...): their
    # models entry is None and this says why, in decide's words.
    errors: dict[int, str] = field(default_factory=dict)
