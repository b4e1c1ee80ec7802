"""Train the `threshold` strategy's win-rate model on recorded outcomes.

The label of a prompt is 1 when the strong model's score beats the weak
model's (the only prompts where paying for the strong model buys anything),
else 0 — RouteLLM's "strong wins" target. The model is logistic regression
(`strategies/winrate.py`) fitted with plain numpy: full-batch Adam on the
mean log-loss plus an L2 penalty, a few hundred steps (seconds for thousands
of prompts), so no ML framework is needed. The penalty's strength is chosen
by cross-validation within the fit split.

It is fitted on the fit split only; every figure that judges it (log-loss,
AUC, APGR, CPT) is reported on the held-out split, beside the same figures
on the training rows so overfitting shows.

Its probabilities sit near how often the strong model wins, so `threshold`'s
0.5 would call the strong model almost never. The file therefore stores a
default threshold, chosen on the fit split only: the strong-call share at
which the cross-validated (out-of-fold) ranking of the fit prompts recovers
`DEFAULT_PGR` of the weak→strong quality gap, turned into the probability
that sends that share of the fit prompts to the strong model. The thresholds
for a few common shares are stored and printed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.eval.dataset import ReplayDataset, Split
from playground.eval.metrics import Pair, apgr, cpt, ranking_curve
from playground.strategies.winrate import DECIMALS, DEFAULT_BUCKETS, SparseRows, WinRateModel, featurize, sigmoid

# L2 strengths tried; the one with the best 3-fold cross-validated log-loss on
# the fit split is used (the held-out split is never looked at).
L2_CHOICES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
FOLDS = 3
STEPS = 400
LEARNING_RATE = 0.05
# The default threshold recovers this share of the quality gap (on the fit
# split, cross-validated); bounds keep it usable on tiny or one-sided data.
DEFAULT_PGR = 0.8
DEFAULT_SHARE_BOUNDS = (0.05, 0.95)
COMMON_SHARES = (0.1, 0.2, 0.3, 0.5)


def labels(dataset: ReplayDataset, pair: Pair) -> np.ndarray:
    return (dataset.scores[:, pair.strong] > dataset.scores[:, pair.weak]).astype(np.float64)


def fit_logistic(
    rows: SparseRows,
    y: np.ndarray,
    *,
    l2: float = L2_CHOICES[0],
    steps: int = STEPS,
    learning_rate: float = LEARNING_RATE,
) -> tuple[np.ndarray, float]:
    """Weights and bias minimising mean log-loss + l2/2 |w|^2 (Adam).

    Only the columns these rows use are optimised (a column no row uses has
    zero gradient, so its weight stays exactly 0): the same result, with the
    per-step vector work over those columns instead of every bucket."""
    width = rows.width
    used, compact = np.unique(rows.indices, return_inverse=True)
    rows = SparseRows(rows.indptr, compact.reshape(-1), rows.data, len(used))
    n = rows.n
    row_ids = rows.row_ids()
    w = np.zeros(rows.width)
    prior = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
    b = float(np.log(prior / (1 - prior)))
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b = v_b = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        p = sigmoid(np.bincount(row_ids, weights=rows.data * w[rows.indices], minlength=n) + b)
        residual = (p - y) / n
        grad_w = np.bincount(rows.indices, weights=rows.data * residual[row_ids], minlength=rows.width) + l2 * w
        grad_b = float(residual.sum())
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= learning_rate * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= learning_rate * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    full = np.zeros(width)
    full[used] = w
    return full, b


def out_of_fold(rows: SparseRows, y: np.ndarray, l2: float, seed: int, steps: int = STEPS) -> np.ndarray:
    """Each row's probability from a model fitted on the other folds."""
    folds = np.random.default_rng(seed).permutation(rows.n) % FOLDS
    p = np.empty(rows.n)
    for fold in range(FOLDS):
        train, test = np.nonzero(folds != fold)[0], np.nonzero(folds == fold)[0]
        w, b = fit_logistic(rows.take(train), y[train], l2=l2, steps=steps)
        p[test] = sigmoid(rows.take(test).dot(w) + b)
    return p


def choose_l2(rows: SparseRows, y: np.ndarray, seed: int, steps: int = STEPS) -> tuple[float, np.ndarray]:
    """The L2 strength with the lowest cross-validated log-loss on these rows,
    and its out-of-fold probabilities."""
    best, best_loss, best_p = L2_CHOICES[0], np.inf, np.zeros(rows.n)
    for l2 in L2_CHOICES:
        p = out_of_fold(rows, y, l2, seed, steps)
        loss = log_loss(p, y)
        if loss < best_loss:
            best, best_loss, best_p = l2, loss, p
    return best, best_p


def threshold_for_share(p: np.ndarray, share: float) -> float:
    """The probability (to DECIMALS) at or above which `share` of these rows lie."""
    rounded = np.sort(np.round(p, DECIMALS))[::-1]
    k = round(share * len(rounded))
    if k <= 0:
        return float(min(1.0, rounded[0] + 10**-DECIMALS)) if len(rounded) else 1.0
    return float(rounded[min(k, len(rounded)) - 1])


@dataclass(frozen=True)
class DefaultThreshold:
    """The threshold a model file carries, and why."""

    threshold: float
    strong_share: float  # the share of the fit prompts it sends to the strong model
    by_share: dict[float, float]  # thresholds for COMMON_SHARES

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "strong_share": round(self.strong_share, 4),
            "criterion": f"strong share at which the fit split's out-of-fold ranking recovers {DEFAULT_PGR:.0%} of "
            "the weak-to-strong quality gap",
            "thresholds_by_strong_share": {f"{k:g}": v for k, v in self.by_share.items()},
        }


def default_threshold(oof: np.ndarray, fitted: np.ndarray, data: ReplayDataset, pair: Pair) -> DefaultThreshold:
    """See the module's docstring: a share from the out-of-fold ranking, a
    probability from the final model's scores of the same (fit) prompts."""
    strong_q, weak_q = pair.qualities(data)
    share = cpt(ranking_curve(oof, data, pair), strong_q, weak_q, DEFAULT_PGR)
    share = float(np.clip(share, *DEFAULT_SHARE_BOUNDS))
    by_share = {s: threshold_for_share(fitted, s) for s in COMMON_SHARES}
    return DefaultThreshold(threshold_for_share(fitted, share), share, by_share)


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(p: np.ndarray, y: np.ndarray) -> float | None:
    """Probability that a random positive outranks a random negative (ties count half)."""
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if not positives or not negatives:
        return None
    order = np.argsort(p, kind="stable")
    ranks = np.empty(len(p))
    sorted_p = p[order]
    # Average ranks over ties.
    starts = np.concatenate([[0], np.nonzero(np.diff(sorted_p))[0] + 1])
    ends = np.concatenate([starts[1:], [len(p)]])
    for s, e in zip(starts.tolist(), ends.tolist(), strict=False):
        ranks[order[s:e]] = (s + e - 1) / 2 + 1
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class SplitReport:
    n: int
    positives: float
    log_loss: float
    auc: float | None
    apgr: float
    cpt50: float
    cpt80: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def judge(model: WinRateModel, rows: SparseRows, dataset: ReplayDataset, pair: Pair) -> SplitReport:
    p = model.rows_probability(rows)
    y = labels(dataset, pair)
    curve = ranking_curve(p, dataset, pair)
    strong_q, weak_q = pair.qualities(dataset)
    return SplitReport(
        dataset.n,
        float(y.mean()),
        log_loss(p, y),
        auc(p, y),
        apgr(curve, strong_q, weak_q),
        cpt(curve, strong_q, weak_q, 0.5),
        cpt(curve, strong_q, weak_q, 0.8),
    )


@dataclass(frozen=True)
class Trained:
    model: WinRateModel
    train: SplitReport
    held_out: SplitReport
    default: DefaultThreshold


def train_winrate(
    dataset: ReplayDataset,
    tokens: np.ndarray,
    pair: Pair,
    split: Split,
    *,
    buckets: int = DEFAULT_BUCKETS,
    steps: int = STEPS,
    l2: float | None = None,
) -> Trained:
    rows = featurize(dataset.prompts, tokens, buckets)
    fit_rows, held_rows = rows.take(split.fit), rows.take(split.held_out)
    fit_data, held_data = dataset.subset(split.fit), dataset.subset(split.held_out)
    y = labels(fit_data, pair)
    if l2 is None:
        l2, oof = choose_l2(fit_rows, y, split.seed, steps)
    else:
        oof = out_of_fold(fit_rows, y, l2, split.seed, steps)
    weights, bias = fit_logistic(fit_rows, y, steps=steps, l2=l2)
    model = WinRateModel(weights, bias, dataset.models[pair.strong], dataset.models[pair.weak], buckets)
    default = default_threshold(oof, model.rows_probability(fit_rows), fit_data, pair)
    model.threshold = default.threshold
    report = Trained(model, judge(model, fit_rows, fit_data, pair), judge(model, held_rows, held_data, pair), default)
    model.info.update(
        {
            "dataset": dataset.name,
            "split": {"fraction": split.fraction, "seed": split.seed},
            "train": report.train.to_dict(),
            "held_out": report.held_out.to_dict(),
            "default_threshold": default.to_dict(),
            "l2": l2,
            "steps": steps,
        }
    )
    return report
