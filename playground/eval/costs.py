"""Costs a dataset did not record, estimated from tokens and catalog prices.

Input tokens are the prompt's measured count (the same count routing sees).
Output tokens are the recorded answer's count when the dataset has answers,
else the preview's estimate from the prompt (see `eval/preview.py`). Every
estimated cell is flagged so reports can label the figures "est.".
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from playground.core.catalog import Catalog
from playground.core.tokens import TokenCounter
from playground.eval.dataset import ReplayDataset
from playground.eval.preview import expected_output_tokens


def complete_costs(
    dataset: ReplayDataset,
    input_tokens: np.ndarray,
    catalog: Catalog,
    counter: TokenCounter,
    max_output_tokens: int = 1024,
) -> ReplayDataset:
    """`dataset` with every missing (NaN) cost estimated and flagged."""
    missing = np.isnan(dataset.costs)
    if not missing.any():
        return dataset
    costs = dataset.costs.copy()
    in_price = np.array([catalog.get(m).input_per_mtok for m in dataset.models]) / 1e6
    out_price = np.array([catalog.get(m).output_per_mtok for m in dataset.models]) / 1e6
    rows, cols = np.nonzero(missing)
    guessed: dict[int, int] = {}
    for row, col in zip(rows.tolist(), cols.tolist(), strict=False):
        answer = dataset.responses[row, col] if dataset.responses is not None else None
        if isinstance(answer, str) and answer:
            output = counter.count_text(answer).tokens
        else:
            if row not in guessed:
                guessed[row] = expected_output_tokens(dataset.prompts[row], int(input_tokens[row]), max_output_tokens)[
                    0
                ]
            output = guessed[row]
        costs[row, col] = input_tokens[row] * in_price[col] + output * out_price[col]
    return replace(dataset, costs=costs, cost_estimated=dataset.cost_estimated | missing)
