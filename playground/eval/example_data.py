"""Where the example data shipped with the app lives (`playground/eval/data/`):
one place for the CLI, the evaluation screen and the tests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Several simulated models' graded outcomes on the example prompts.
EXAMPLE_DATASET = "data/examples/outcomes.jsonl"
EXAMPLE_PROMPTS = "data/prompts/mixed.jsonl"


def example_path(relative: str) -> Path:
    """A file or folder of the package's example data, by its path under `playground/eval/`."""
    return Path(str(resources.files("playground.eval").joinpath(relative)))


def example_dataset() -> Path:
    """The replay dataset shipped with the app."""
    return example_path(EXAMPLE_DATASET)
