"""What every hostile input must give: a result, or one error line and exit
2 — never a traceback, never an internal error, never the fake key."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st

from tests.helpers.cli import CliResult
from tests.helpers.env import fake_key

# Known as a secret by value (the variable's name ends in _API_KEY) ...
SECRET = fake_key("sk-proj", "HOSTILE0123456789abcdefZ")
SECRET_ENV = {"HOSTILE_API_KEY": SECRET}
# ... and by shape only (no variable holds it): a provider-key prefix and digits.
# Only a key that starts a word has a shape: "0sk-ant-…" or "task-…" is text.
SHAPED = fake_key("sk-ant-api03", "SHAPEONLY9876543210zyx")
_SHAPED_WORD = re.compile(r"(?<!\w)" + re.escape(SHAPED))

# Values that broke parsers before: numbers out of every range, non-finite
# floats, control characters, lone surrogates, huge and nested text.
NASTY = ("", " ", "-", "0", "-1", "1e23", "1e-300", "nan", "inf", "-inf", "70000", "4294967296", "9" * 5000,
         "\x00", "\r\n", "\udcff", "\ud800x", "１２", "[" * 200, "{a=" * 50, "a" * 10_000, "../../etc/passwd",
         "os.environ/X", "http://u:p@h/", "~", "%s%n", "'\"", "true", "[1, 2]", "{ x = 1 }")
SEPARATORS = st.sampled_from([" ", "=", ":", ",", "/", "\n", "'", '"', "[", "."])


def values() -> st.SearchStrategy[str]:
    """Text a user might type, or an attacker would: plain, nasty, or carrying a key."""
    keyed = st.builds(lambda a, s, k, t: a + s + k + t, st.text(max_size=6), SEPARATORS,
                      st.sampled_from([SECRET, SHAPED]), st.text(max_size=6))
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=40), keyed, st.integers().map(str),
                     st.floats().map(repr))


def assert_result_or_one_line(proc: CliResult, home: Path | None = None) -> None:
    err = proc.stderr
    assert "Traceback" not in err and "internal error" not in err, err
    assert proc.returncode in (0, 1, 2), (proc.returncode, err)
    if proc.returncode == 2:
        errors = [line for line in err.splitlines() if line.startswith("playground: error:")]
        assert len(errors) == 1, err
    for text in (proc.stdout, err):
        assert SECRET not in text and not _SHAPED_WORD.search(text), text
    if home is not None:
        for path in home.rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode("utf-8", "replace")
                assert SECRET not in text and not _SHAPED_WORD.search(text), path
