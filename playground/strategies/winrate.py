"""A trained win-rate model: P(the strong model's answer beats the weak
model's) for a prompt, as `threshold` routing needs it.

Logistic regression over hashed word 1-2-grams, hashed character 3-4-grams,
length features and the complexity heuristic's parts, fitted on recorded
outcomes (`playground train`, see `eval/train_winrate.py`) and saved as plain
JSON (never pickle). This module only scores: pure numpy, no I/O except
`load_model`, so the `threshold` strategy can load `model = "FILE"` and score
whole prompt sets at once for replay.

Hashing is stable across processes (CRC-32 for words, a fixed polynomial for
characters), so a model file scores the same prompt the same way anywhere.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from playground.core.errors import UserError
from playground.strategies.complexity import complexity_features

FORMAT = "playground-winrate"
FORMAT_VERSION = 1
DEFAULT_BUCKETS = 1 << 14
DECIMALS = 6  # as threshold's own win probability
CHAR_NGRAMS = (3, 4)
_WORD = re.compile(r"[a-z0-9']+")
_POLY = np.uint64(1_000_003)
_MASK32 = np.uint64(0xFFFFFFFF)
# Dense features after the hashed block: length, shape and the complexity parts.
DENSE_NAMES = (
    "log_tokens",
    "log_chars",
    "lines",
    "digits",
    "questions",
    "cx_length",
    "cx_reasoning",
    "cx_code",
    "cx_multi_part",
    "cx_constraints",
    "cx_math",
)


@dataclass
class SparseRows:
    """Rows of a sparse matrix in CSR form (what the hashed features are)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    width: int

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.row_ids(), weights=self.data * weights[self.indices], minlength=self.n)

    def take(self, rows: np.ndarray) -> SparseRows:
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        pieces = [np.arange(s, e) for s, e in zip(starts.tolist(), ends.tolist(), strict=False)]
        picked = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(ends - starts)])
        return SparseRows(indptr, self.indices[picked], self.data[picked], self.width)


def _char_hashes(text: str, n: int) -> np.ndarray:
    raw = np.frombuffer(text.encode("utf-8", "replace"), dtype=np.uint8).astype(np.uint64)
    if len(raw) < n:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(len(raw) - n + 1, dtype=np.uint64)
    for k in range(n):
        h = (h * _POLY + raw[k : len(raw) - n + 1 + k]) & _MASK32
    return (h * np.uint64(2654435761) + np.uint64(n)) & _MASK32


def _word_hashes(words: list[str]) -> np.ndarray:
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return np.array([zlib.crc32(g.encode("utf-8", "replace")) for g in grams], dtype=np.uint64)


def _block(hashes: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashed counts as (indices, values): signed by a hash bit, log-scaled, L2-normalised."""
    if hashes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    index = (hashes % np.uint64(buckets)).astype(np.int64)
    sign = np.where((hashes >> np.uint64(31)) & np.uint64(1), -1.0, 1.0)
    unique, inverse = np.unique(index, return_inverse=True)
    values = np.bincount(inverse, weights=sign)
    values = np.sign(values) * np.log1p(np.abs(values))
    norm = np.linalg.norm(values)
    return unique, values / norm if norm else values


def dense_features(prompt: str, tokens: int) -> list[float]:
    parts = complexity_features(prompt, tokens)
    return [
        math.log1p(tokens) / 8.0,
        math.log1p(len(prompt)) / 10.0,
        min(1.0, prompt.count("\n") / 50.0),
        min(1.0, sum(c.isdigit() for c in prompt) / 20.0),
        min(1.0, prompt.count("?") / 4.0),
        *(parts[name][0] for name in ("length", "reasoning", "code", "multi_part", "constraints", "math")),
    ]


def featurize(prompts: Sequence[str], tokens: Sequence[int] | np.ndarray, buckets: int = DEFAULT_BUCKETS) -> SparseRows:
    """Every prompt's features as one sparse row of width `buckets + len(DENSE_NAMES)`."""
    indptr = [0]
    all_indices: list[np.ndarray] = []
    all_values: list[np.ndarray] = []
    dense_index = np.arange(buckets, buckets + len(DENSE_NAMES))
    for prompt, count in zip(prompts, np.asarray(tokens).tolist(), strict=False):
        low = prompt.lower()
        words_i, words_v = _block(_word_hashes(_WORD.findall(low)), buckets)
        chars = np.concatenate([_char_hashes(" ".join(low.split()), n) for n in CHAR_NGRAMS])
        chars_i, chars_v = _block(chars, buckets)
        indices = np.concatenate([words_i, chars_i, dense_index])
        values = np.concatenate([words_v, chars_v * 0.5, np.array(dense_features(prompt, int(count)))])
        all_indices.append(indices)
        all_values.append(values)
        indptr.append(indptr[-1] + len(indices))
    return SparseRows(
        np.array(indptr, dtype=np.int64),
        np.concatenate(all_indices) if all_indices else np.zeros(0, dtype=np.int64),
        np.concatenate(all_values) if all_values else np.zeros(0),
        buckets + len(DENSE_NAMES),
    )


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class WinRateModel:
    """Weights of the logistic model and what it was trained on."""

    weights: np.ndarray
    bias: float
    strong_model: str
    weak_model: str
    buckets: int = DEFAULT_BUCKETS
    info: dict[str, Any] = field(default_factory=dict)

    # The win-rate model interface `threshold` takes (see strategies/threshold.py):
    # no feature beyond prompt and tokens; probabilities rounded to DECIMALS so a
    # decision compares exactly the number its trace shows.
    features: ClassVar[tuple[str, ...]] = ()

    def win_probability(self, prompts: Sequence[str], tokens: Sequence[int] | np.ndarray) -> np.ndarray:
        """(N,) P(strong beats weak) per prompt, rounded to DECIMALS."""
        return np.round(self.rows_probability(featurize(prompts, tokens, self.buckets)), DECIMALS)

    def probability(self, route: Any) -> float:
        """P(strong wins) for one `RouteInput` (prompt and measured tokens)."""
        return float(self.win_probability([route.prompt], [route.input_tokens])[0])

    def batch(self, table: Any) -> np.ndarray:
        """P(strong wins) for every row of a replay `FeatureTable`."""
        return self.win_probability(table.prompts, table.tokens)

    def rows_probability(self, rows: SparseRows) -> np.ndarray:
        """Unrounded probabilities of featurized rows (training and its reports)."""
        return sigmoid(rows.dot(self.weights) + self.bias)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "buckets": self.buckets,
                "char_ngrams": list(CHAR_NGRAMS),
                "dense": list(DENSE_NAMES),
                "strong_model": self.strong_model,
                "weak_model": self.weak_model,
                "bias": self.bias,
                "weights": [float(f"{w:.6g}") for w in self.weights.tolist()],
                "info": self.info,
            }
        )


def model_from_json(text: str, origin: str) -> WinRateModel:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise UserError(f"{origin}: not a win-rate model file (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"{origin}: not a win-rate model file (train one with `playground train --strategy threshold`)")
    if (
        data.get("version") != FORMAT_VERSION
        or data.get("dense") != list(DENSE_NAMES)
        or data.get("char_ngrams") != list(CHAR_NGRAMS)
    ):
        raise UserError(f"{origin}: win-rate model from another version; retrain it with `playground train`")
    try:
        buckets = int(data["buckets"])
        weights = np.array(data["weights"], dtype=np.float64)
        bias = float(data["bias"])
        strong, weak = str(data["strong_model"]), str(data["weak_model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{origin}: damaged win-rate model file ({exc})") from None
    if weights.shape != (buckets + len(DENSE_NAMES),) or not np.isfinite(weights).all() or not math.isfinite(bias):
        raise UserError(f"{origin}: damaged win-rate model file (weights do not match its buckets)")
    return WinRateModel(weights, bias, strong, weak, buckets, dict(data.get("info") or {}))


def load_model(path: str | Path) -> WinRateModel:
    """Read a model file; every problem is one line naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UserError(f"{path}: cannot read the win-rate model ({reason})") from None
    return model_from_json(text, str(path))
