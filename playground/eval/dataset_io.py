"""Read replay datasets: the layouts public router benchmarks publish.

Wide (one row per prompt, as RouteLLM and RouterBench publish):
    prompt, [prompt_id], MODEL_A, MODEL_B, ..., [MODEL_A_response | MODEL_A|model_response], [MODEL_A|total_cost]
    where each model column holds that model's score (true/false or a number).
Long (one row per prompt and model, for datasets with many models):
    prompt_id, prompt, model, score, [cost_usd], [response], [latency_ms]

CSV, JSON Lines and Parquet are read with polars (one well-kept columnar
reader for all three; it pivots the long layout in native code and reads
400,000 rows in well under a second); pickle is never loaded. Every problem is
one `UserError` naming the file, the row or column, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval.dataset import ReplayDataset
from playground.eval.mapping import map_models

# A line longer than this is refused before parsing: a runaway line (a
# whole corpus in one field, a binary file) would otherwise be read whole.
MAX_LINE_BYTES = 8 * 1024 * 1024
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
# Wide-layout columns that are neither prompts nor models (RouterBench and
# RouteLLM files carry some of these).
NOT_MODELS = frozenset(
    {"prompt_id", "id", "sample_id", "eval_name", "oracle_model_to_route_to", "reference", "tags", "category", "split"}
)
RESPONSE_SUFFIXES = ("|model_response", "_response")
COST_SUFFIXES = ("|total_cost",)
LONG_REQUIRED = ("prompt", "model", "score")
_TRUE = frozenset({"true", "yes", "correct"})
_FALSE = frozenset({"false", "no", "incorrect"})


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path}: unknown dataset format {suffix or '(no extension)'!r}; use .csv, .jsonl or .parquet")
    return FORMATS[suffix]


def check_line_lengths(path: Path, limit: int | None = None) -> None:
    """Refuse a file with a line over `limit` bytes, naming the line."""
    limit = MAX_LINE_BYTES if limit is None else limit
    line, run = 1, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                piece = (end if end >= 0 else len(chunk)) - start
                if run + piece > limit:
                    raise UserError(
                        f"{path}:{line}: line longer than {limit // (1024 * 1024)} MiB; "
                        "shorten or drop that row (is this really a dataset?)"
                    )
                if end < 0:
                    run += piece
                    break
                run, start, line = 0, end + 1, line + 1


def read_table(path: Path) -> Any:
    """The file as a polars DataFrame; unreadable files are one line."""
    import polars as pl

    kind = detect_format(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UserError(f"{path}: dataset file not found") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the dataset ({exc.strerror})") from None
    if path.is_dir():
        raise UserError(f"{path}: is a directory, not a dataset file")
    if size == 0:
        raise UserError(f"{path}: empty file; a dataset needs a header and at least one row")
    try:
        if kind == "csv":
            check_line_lengths(path)
            frame = pl.read_csv(path, infer_schema_length=None)
        elif kind == "jsonl":
            check_line_lengths(path)
            frame = pl.read_ndjson(path, infer_schema_length=None)
        else:
            frame = pl.read_parquet(path)
    except UserError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path}: cannot parse as {kind} ({first})") from None
    if frame.height == 0:
        raise UserError(f"{path}: no rows; a dataset needs at least one prompt")
    return frame


def load_dataset(path: str | Path, mapping: Mapping[str, str], catalog: Catalog) -> ReplayDataset:
    """Read a wide or long dataset; costs the file lacks are NaN (see
    `costs.complete_costs`)."""
    path = Path(path).expanduser()
    frame = read_table(path)
    columns = frame.columns
    if "prompt" not in columns:
        raise UserError(
            f"{path}: no 'prompt' column (columns: {', '.join(columns[:12])}); "
            "name the column holding the prompt text 'prompt'"
        )
    if "model" in columns or "score" in columns:
        missing = [c for c in LONG_REQUIRED if c not in columns]
        if missing:
            raise UserError(
                f"{path}: long layout needs the columns {', '.join(LONG_REQUIRED)}; missing {', '.join(missing)}"
            )
        return _long(path, frame, mapping, catalog)
    return _wide(path, frame, mapping, catalog)


def _strings(path: Path, frame: Any, column: str, *, required: bool, cast: bool = False) -> list[Any]:
    import polars as pl

    series = frame[column]
    if series.dtype != pl.String:
        if required and not cast:
            raise UserError(f"{path}: column {column!r} must hold text, found {series.dtype}")
        series = series.cast(pl.String)
    values = series.to_list()
    limit = MAX_LINE_BYTES
    lengths = series.str.len_chars()
    if not (lengths.max() or 0) > limit and not (required and (series.null_count() or (lengths == 0).any())) and (
        not required or not series.str.strip_chars().str.len_chars().eq(0).any()
    ):
        return values  # every value fine: no row-by-row look (it only finds the first bad row)
    for row, value in enumerate(values, start=1):
        if required and (value is None or not value.strip()):
            raise UserError(f"{path}: row {row}: empty {column!r}; every row needs one")
        if value is not None and len(value) > limit:
            raise UserError(
                f"{path}: row {row}: {column!r} is {len(value):,} characters, over the "
                f"{limit:,} limit; shorten or drop that row"
            )
    return values


def _numbers(path: Path, frame: Any, column: str, what: str, *, allow_bool: bool) -> np.ndarray:
    """A column as float64 (NaN where empty); booleans as 1/0 where allowed."""
    import polars as pl

    series = frame[column]
    if (series.dtype == pl.Boolean and allow_bool) or series.dtype.is_numeric():
        values = series.cast(pl.Float64)
    elif series.dtype in (pl.String, pl.Null):
        text = series.cast(pl.String).str.strip_chars().str.to_lowercase()
        values = text.cast(pl.Float64, strict=False)
        if allow_bool:
            values = (
                pl.when(text.is_in(list(_TRUE))).then(1.0).when(text.is_in(list(_FALSE))).then(0.0).otherwise(values)
            )
            values = pl.select(values).to_series()
        bad = (values.is_null() & text.is_not_null() & (text != "")).arg_true()
        if len(bad):
            row = int(bad[0])
            raise UserError(
                f"{path}: column {column!r}, row {row + 1}: {what} {series[row]!r} is not a number"
                f"{' or true/false' if allow_bool else ''}; fix the value or leave the cell empty"
            )
    else:
        raise UserError(
            f"{path}: column {column!r} holds {series.dtype}, not {what}s; "
            f"{what}s must be numbers{' or true/false' if allow_bool else ''}"
        )
    array = values.to_numpy().astype(np.float64, copy=False)
    infinite = np.isinf(array)
    if infinite.any():
        row = int(np.argmax(infinite))
        raise UserError(f"{path}: column {column!r}, row {row + 1}: {what} is infinite; use a finite number")
    if what == "cost" and (array < 0).any():
        row = int(np.argmax(array < 0))
        raise UserError(f"{path}: column {column!r}, row {row + 1}: negative cost {array[row]:g}")
    return array


def _check_unique_ids(path: Path, ids: list[str]) -> None:
    seen: dict[str, int] = {}
    for row, value in enumerate(ids, start=1):
        if value in seen:
            raise UserError(
                f"{path}: duplicate prompt_id {value!r} at rows {seen[value]} and {row}; give every prompt its own id"
            )
        seen[value] = row


def _wide(path: Path, frame: Any, mapping: Mapping[str, str], catalog: Catalog) -> ReplayDataset:
    columns = frame.columns
    extras = [c for c in columns if c.endswith(RESPONSE_SUFFIXES + COST_SUFFIXES) or "|" in c]
    names = [c for c in columns if c != "prompt" and c not in NOT_MODELS and c not in extras]
    if not names:
        raise UserError(
            f"{path}: no model columns; a wide dataset has a 'prompt' column and one score column per model"
        )
    models = map_models(names, mapping, catalog.models, str(path))
    prompts = _strings(path, frame, "prompt", required=True)
    if "prompt_id" in columns:
        ids = [str(v) for v in _strings(path, frame, "prompt_id", required=True, cast=True)]
        _check_unique_ids(path, ids)
    else:
        ids = [str(i) for i in range(1, len(prompts) + 1)]
    kept = list(models)
    scores = np.column_stack([_numbers(path, frame, name, "score", allow_bool=True) for name in kept])
    costs = np.full(scores.shape, np.nan)
    responses: np.ndarray | None = None
    for j, name in enumerate(kept):
        cost_col = next((name + s for s in COST_SUFFIXES if name + s in columns), None)
        if cost_col:
            costs[:, j] = _numbers(path, frame, cost_col, "cost", allow_bool=False)
        response_col = next((name + s for s in RESPONSE_SUFFIXES if name + s in columns), None)
        if response_col:
            if responses is None:
                responses = np.full(scores.shape, None, dtype=object)
            responses[:, j] = _strings(path, frame, response_col, required=False)
    return _finish(path, prompts, ids, tuple(models[n] for n in kept), scores, costs, responses, None)


def _long(path: Path, frame: Any, mapping: Mapping[str, str], catalog: Catalog) -> ReplayDataset:
    import polars as pl

    columns = frame.columns
    _strings(path, frame, "prompt", required=True)
    id_col = "prompt_id" if "prompt_id" in columns else "prompt"
    frame = frame.with_columns(pl.col(id_col).cast(pl.String).alias("__pid"), pl.col("model").cast(pl.String))
    if frame["model"].null_count():
        row = int(frame["model"].is_null().arg_true()[0])
        raise UserError(f"{path}: row {row + 1}: empty 'model'; every row names the model it scores")
    frame = frame.with_row_index("__row")
    names = frame["model"].unique(maintain_order=True).to_list()
    models = map_models(names, mapping, catalog.models, str(path), what="name")
    frame = frame.filter(pl.col("model").is_in(list(models)))
    duplicated = frame.select(pl.struct("__pid", "model").is_duplicated()).to_series()
    if duplicated.any():
        first = frame.filter(duplicated).head(2)
        pid, model = first["__pid"][0], first["model"][0]
        rows = ", ".join(str(r + 1) for r in first["__row"].to_list())
        raise UserError(
            f"{path}: duplicate prompt_id {pid!r} for model {model!r} (rows {rows}); "
            "each prompt id has one row per model"
        )
    per_prompt = frame.group_by("__pid", maintain_order=True).agg(
        pl.col("prompt").first(), pl.col("prompt").n_unique().alias("__texts"), pl.col("__row").first()
    )
    clash = per_prompt.filter(pl.col("__texts") > 1)
    if clash.height:
        raise UserError(
            f"{path}: duplicate prompt_id {clash['__pid'][0]!r} names different prompts; give every prompt its own id"
        )
    prompt_index = per_prompt.select("__pid").with_row_index("__p")
    kept = list(models)
    model_index = pl.DataFrame(
        {"model": kept, "__m": list(range(len(kept)))}, schema={"model": pl.String, "__m": pl.UInt32}
    )
    frame = frame.join(prompt_index, on="__pid", how="left").join(model_index, on="model", how="left")
    rows_p = frame["__p"].to_numpy()
    rows_m = frame["__m"].to_numpy()
    shape = (per_prompt.height, len(kept))

    def matrix(values: np.ndarray, fill: Any, dtype: Any) -> np.ndarray:
        out = np.full(shape, fill, dtype=dtype)
        out[rows_p, rows_m] = values
        return out

    scores = matrix(_numbers(path, frame, "score", "score", allow_bool=True), np.nan, np.float64)
    costs = (
        matrix(_numbers(path, frame, "cost_usd", "cost", allow_bool=False), np.nan, np.float64)
        if "cost_usd" in columns
        else np.full(shape, np.nan)
    )
    responses = (
        matrix(np.array(_strings(path, frame, "response", required=False), dtype=object), None, object)
        if "response" in columns
        else None
    )
    latency = (
        matrix(_numbers(path, frame, "latency_ms", "latency", allow_bool=False), np.nan, np.float64)
        if "latency_ms" in columns
        else None
    )
    return _finish(
        path,
        per_prompt["prompt"].to_list(),
        [str(v) for v in per_prompt["__pid"].to_list()],
        tuple(models[n] for n in kept),
        scores,
        costs,
        responses,
        latency,
    )


def _finish(
    path: Path,
    prompts: list[str],
    ids: list[str],
    models: tuple[str, ...],
    scores: np.ndarray,
    costs: np.ndarray,
    responses: np.ndarray | None,
    latency: np.ndarray | None,
) -> ReplayDataset:
    """Drop prompts some model has no score for (saying how many), and build the dataset."""
    complete = ~np.isnan(scores).any(axis=1)
    notes: list[str] = []
    if not complete.all():
        dropped = int((~complete).sum())
        first = ids[int(np.argmax(~complete))]
        notes.append(f"{dropped} prompt(s) without a score for every model were left out (first: prompt_id {first!r})")
        if not complete.any():
            raise UserError(f"{path}: no prompt has a score for every model; fill the missing scores")
    keep = np.nonzero(complete)[0]
    estimated = np.isnan(costs[keep])
    if estimated.any():
        notes.append(
            "costs estimated from token counts and catalog prices" + ("" if estimated.all() else " where missing")
        )
    return ReplayDataset(
        name=path.name,
        prompts=tuple(prompts) if len(keep) == len(prompts) else tuple(prompts[i] for i in keep.tolist()),
        prompt_ids=tuple(ids) if len(keep) == len(ids) else tuple(ids[i] for i in keep.tolist()),
        models=models,
        scores=scores[keep],
        costs=costs[keep],
        cost_estimated=np.zeros((len(keep), len(models)), dtype=bool),
        responses=None if responses is None else responses[keep],
        latency_ms=None if latency is None else latency[keep],
        notes=tuple(notes),
    )
