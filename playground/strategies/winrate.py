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

import hashlib
import itertools
import json
import math
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any, ClassVar

from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.strategies.complexity import complexity_measures

FORMAT = "playground-winrate"
FORMAT_VERSION = 1
DEFAULT_BUCKETS = 1 << 14
DECIMALS = 6  # as threshold's own win probability
CHAR_NGRAMS = (3, 4)
_WORD = re.compile(r"[a-z0-9']+")
_POLY = 1_000_003  # made np.uint64 where used: numpy loads on first use, not at import
_MASK32 = 0xFFFFFFFF
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


def _char_hashes(data: bytes, ends: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every n-byte window that lies within one text of `data` (the
    texts joined; `ends` where each one ends), and the text each belongs to."""
    raw = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    count = len(raw) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    poly, mask = np.uint64(_POLY), np.uint64(_MASK32)
    h = np.zeros(count, dtype=np.uint64)
    for k in range(n):
        h = (h * poly + raw[k : k + count]) & mask
    starts = np.arange(count)
    rows = np.searchsorted(ends, starts, side="right")
    inside = starts + n <= ends[np.minimum(rows, len(ends) - 1)]
    return (h[inside] * np.uint64(2654435761) + np.uint64(n)) & mask, rows[inside]


def _word_hashes(words: list[str]) -> list[int]:
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return [zlib.crc32(g.encode("utf-8", "replace")) for g in grams]


# log1p of the small counts hashing gives, looked up: the same float whatever
# else is computed alongside (numpy's vector loops may round differently from
# its scalar ones, and one prompt must score alike alone and in a batch).
# Built on first use (numpy loads on first use, not when the strategies are imported).
@cache
def _log1p_table() -> np.ndarray:
    return np.log1p(np.arange(4096, dtype=np.float64))


def _log1p_counts(counts: np.ndarray) -> np.ndarray:
    table = _log1p_table()
    small = counts < len(table)
    out = table[np.where(small, counts, 0).astype(np.int64)]
    for i in np.flatnonzero(~small).tolist():
        out[i] = math.log1p(float(counts[i]))
    return out


def _block(hashes: np.ndarray, rows: np.ndarray, n: int, buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed counts per row as (rows, indices, values), sorted by row then
    index: signed by a hash bit, log-scaled, L2-normalised within each row."""
    if hashes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    index = (hashes % np.uint64(buckets)).astype(np.int64)
    sign = np.where((hashes >> np.uint64(31)) & np.uint64(1), -1.0, 1.0)
    keys, inverse = np.unique(rows * buckets + index, return_inverse=True)
    sums = np.bincount(inverse, weights=sign)
    values = np.sign(sums) * _log1p_counts(np.abs(sums))
    key_rows = keys // buckets
    norms = np.sqrt(np.bincount(key_rows, weights=values * values, minlength=n))[key_rows]
    return key_rows, keys % buckets, np.where(norms > 0, values / np.where(norms > 0, norms, 1.0), values)


def dense_features(prompt: str, tokens: int, measures: Sequence[float] | None = None) -> list[float]:
    """Length and shape, then the complexity heuristic's raw measures (given,
    e.g. from a replay table's `complexity_parts`, or computed)."""
    parts = complexity_measures(prompt, tokens) if measures is None else measures
    return [
        math.log1p(tokens) / 8.0,
        math.log1p(len(prompt)) / 10.0,
        min(1.0, prompt.count("\n") / 50.0),
        min(1.0, sum(c.isdigit() for c in prompt) / 20.0),
        min(1.0, prompt.count("?") / 4.0),
        *(float(m) for m in parts),
    ]


def featurize(
    prompts: Sequence[str],
    tokens: Sequence[int] | np.ndarray,
    buckets: int = DEFAULT_BUCKETS,
    measures: np.ndarray | None = None,
) -> SparseRows:
    """Every prompt's features as one sparse row of width `buckets + len(DENSE_NAMES)`:
    hashed words and word pairs, hashed character 3-4-grams (half weight),
    then the dense features. All prompts at once; a prompt's row is the same
    alone or among others. `measures`: the prompts' complexity measures when
    already computed (N, 6)."""
    n = len(prompts)
    counts = np.asarray(tokens, dtype=np.int64).tolist()
    lowered = [p.lower() for p in prompts]
    word_hashes: list[int] = []
    word_rows: list[int] = []
    for row, low in enumerate(lowered):
        hashed = _word_hashes(_WORD.findall(low))
        word_hashes += hashed
        word_rows += [row] * len(hashed)
    w_rows, w_idx, w_val = _block(
        np.array(word_hashes, dtype=np.uint64), np.array(word_rows, dtype=np.int64), n, buckets
    )
    texts = [" ".join(low.split()).encode("utf-8", "replace") for low in lowered]
    ends = np.cumsum([len(t) for t in texts], dtype=np.int64)
    grams = [_char_hashes(b"".join(texts), ends, size) for size in CHAR_NGRAMS]
    c_rows, c_idx, c_val = _block(
        np.concatenate([g[0] for g in grams]), np.concatenate([g[1] for g in grams]), n, buckets
    )
    dense = np.array(
        [
            dense_features(prompt, count, None if measures is None else measures[i])
            for i, (prompt, count) in enumerate(zip(prompts, counts, strict=True))
        ],
        dtype=np.float64,
    ).reshape(n, len(DENSE_NAMES))
    rows = np.concatenate([w_rows, c_rows, np.repeat(np.arange(n), len(DENSE_NAMES))])
    order = np.argsort(rows, kind="stable")  # within a row: words, characters, dense
    indices = np.concatenate([w_idx, c_idx, np.tile(np.arange(buckets, buckets + len(DENSE_NAMES)), n)])
    values = np.concatenate([w_val, c_val * 0.5, dense.ravel()])
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)
    return SparseRows(indptr, indices[order], values[order], buckets + len(DENSE_NAMES))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class WinRateModel:
    """Weights of the logistic model and what it was trained on.

    `threshold` is the win probability `threshold` routing uses when the user
    gives none: calibrated when the model was trained (see
    `eval/train_winrate.py`; `info["default_threshold"]` says how). Without
    one, the strategy's own default applies."""

    weights: np.ndarray
    bias: float
    strong_model: str
    weak_model: str
    buckets: int = DEFAULT_BUCKETS
    info: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None

    # The win-rate model interface `threshold` takes (see strategies/threshold.py):
    # replay reads the complexity measures from the table; probabilities are
    # rounded to DECIMALS so a decision compares exactly the number its trace shows.
    features: ClassVar[tuple[str, ...]] = ("complexity_parts",)

    def win_probability(
        self, prompts: Sequence[str], tokens: Sequence[int] | np.ndarray, measures: np.ndarray | None = None
    ) -> np.ndarray:
        """(N,) P(strong beats weak) per prompt, rounded to DECIMALS: the same
        number for a prompt scored alone or in a batch (the logistic is taken
        one row at a time with `math.tanh`, whose result does not depend on
        what numpy's vector loops do with the rows around it)."""
        logits = featurize(prompts, tokens, self.buckets, measures).dot(self.weights) + self.bias
        return np.round(np.array([0.5 * (1.0 + math.tanh(0.5 * z)) for z in logits.tolist()]), DECIMALS)

    def probability(self, route: Any) -> float:
        """P(strong wins) for one `RouteInput` (prompt and measured tokens)."""
        return float(self.win_probability([route.prompt], [route.input_tokens])[0])

    def batch(self, table: Any) -> np.ndarray:
        """P(strong wins) for every row of a replay `FeatureTable`, kept with
        the table: a threshold sweep builds a strategy per step, and only
        compares."""
        return table.derived(
            ("winrate", self.fingerprint),
            lambda: self.win_probability(table.prompts, table.tokens, table.feature("complexity_parts")),
        )

    @cached_property
    def fingerprint(self) -> str:
        """Identifies the weights (two models never share a replay cache entry)."""
        digest = hashlib.sha256(np.ascontiguousarray(self.weights, dtype=np.float64).tobytes())
        digest.update(f"{self.bias!r}/{self.buckets}".encode())
        return digest.hexdigest()[:16]

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
                "threshold": self.threshold,
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
        threshold = None if data.get("threshold") is None else float(data["threshold"])
        info = dict(data.get("info") or {})
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{origin}: damaged win-rate model file ({exc})") from None
    if weights.shape != (buckets + len(DENSE_NAMES),) or not np.isfinite(weights).all() or not math.isfinite(bias):
        raise UserError(f"{origin}: damaged win-rate model file (weights do not match its buckets)")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise UserError(f"{origin}: damaged win-rate model file (threshold {threshold} is not a probability)")
    return WinRateModel(weights, bias, strong, weak, buckets, info, threshold)


def load_model(path: str | Path) -> WinRateModel:
    """Read a model file; every problem is one line naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UserError(f"{path}: cannot read the win-rate model ({reason})") from None
    return model_from_json(text, str(path))


@lru_cache(maxsize=8)
def _load_version(path: str, stamp: tuple[int, int]) -> WinRateModel:
    return load_model(path)


def cached_model(path: str | Path) -> WinRateModel:
    """`load_model`, parsed once per version of the file (its modification
    time and size): a sweep or a configuration check builds many strategies
    from one file."""
    try:
        stat = os.stat(path)
    except OSError:
        return load_model(path)  # says, in one line, why it cannot be read
    return _load_version(str(path), (stat.st_mtime_ns, stat.st_size))
