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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.eval.dataset import ReplayDataset, Split
from playground.eval.metrics import Pair, apgr, cpt, ranking_curve
from playground.strategies.winrate import DEFAULT_BUCKETS, SparseRows, WinRateModel, featurize, sigmoid

# L2 strengths tried; the one with the best 3-fold cross-validated log-loss on
# the fit split is used (the held-out split is never looked at).
L2_CHOICES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
FOLDS = 3
STEPS = 400
LEARNING_RATE = 0.05


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
    """Weights and bias minimising mean log-loss + l2/2 |w|^2 (Adam)."""
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
    return w, b


def choose_l2(rows: SparseRows, y: np.ndarray, seed: int, steps: int = STEPS) -> float:
    """The L2 strength with the lowest cross-validated log-loss on these rows."""
    folds = np.random.default_rng(seed).permutation(rows.n) % FOLDS
    best, best_loss = L2_CHOICES[0], np.inf
    for l2 in L2_CHOICES:
        losses = []
        for fold in range(FOLDS):
            train, test = np.nonzero(folds != fold)[0], np.nonzero(folds == fold)[0]
            w, b = fit_logistic(rows.take(train), y[train], l2=l2, steps=steps)
            losses.append(log_loss(sigmoid(rows.take(test).dot(w) + b), y[test]))
        if np.mean(losses) < best_loss:
            best, best_loss = l2, float(np.mean(losses))
    return best


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
        l2 = choose_l2(fit_rows, y, split.seed, steps)
    weights, bias = fit_logistic(fit_rows, y, steps=steps, l2=l2)
    model = WinRateModel(weights, bias, dataset.models[pair.strong], dataset.models[pair.weak], buckets)
    report = Trained(model, judge(model, fit_rows, fit_data, pair), judge(model, held_rows, held_data, pair))
    model.info.update(
        {
            "dataset": dataset.name,
            "split": {"fraction": split.fraction, "seed": split.seed},
            "train": report.train.to_dict(),
            "held_out": report.held_out.to_dict(),
            "l2": l2,
            "steps": steps,
        }
    )
    return report
