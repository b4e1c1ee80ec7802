"""`playground.core.lazy_numpy.np`: importing the strategy and engine modules
loads no numpy; the first use loads it once, even when threads race for it,
and the stand-in then behaves as numpy itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# A fresh interpreter: numpy must not be loaded by this test process's other tests.
PROBE = """
import json, sys, threading
import playground.strategies.registry, playground.engine.runner, playground.engine.cache, playground.eval.preview
from playground.core.lazy_numpy import np

after_import = "numpy" in sys.modules
start = threading.Barrier(8)
results, errors = [], []

def use():
    start.wait()
    try:
        results.append(float(np.asarray([1.0, 2.0, 3.0]).sum()))
    except Exception as exc:  # an AttributeError here would be a half-loaded stand-in
        errors.append(repr(exc))

threads = [threading.Thread(target=use) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
import numpy
from playground.strategies.winrate import _log1p_counts
print(json.dumps({
    "after_import": after_import, "results": results, "errors": errors,
    "same_objects": np.ndarray is numpy.ndarray and np.float32 is numpy.float32 and np.linalg is numpy.linalg,
    "plain_module": type(np).__name__ == "module",
    "lazy_submodule": np.testing is numpy.testing,
    "winrate_scores": [round(float(x), 6) for x in _log1p_counts(np.array([0.0, 3.0, 5000.0]))],
}))
"""


@pytest.mark.timeout(180)  # above its child's deadline: a hung child fails as TimeoutExpired, naming it
def test_numpy_loads_on_first_use_once_and_then_is_numpy() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["after_import"] is False, "importing the strategy/engine modules loaded numpy"
    assert result["errors"] == [] and result["results"] == [6.0] * 8
    assert result["same_objects"] and result["plain_module"] and result["lazy_submodule"]
    # log1p of small counts comes from the table built on first use; large ones are computed.
    assert result["winrate_scores"] == [0.0, 1.386294, 8.517393]
