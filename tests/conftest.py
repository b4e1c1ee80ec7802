"""Shared fixtures: every test runs offline, with no provider keys and user
dirs pointed at a temporary folder."""

from __future__ import annotations

import functools
import gc
import os
import ssl
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers.cli import InProcessCli
from tests.helpers.env import PROVIDER_ENV, TEST_SIM_SPEED

# Token counts must not depend on what a machine happens to have cached:
# with an empty tiktoken cache every run counts with the offline cl100k copy,
# as a fresh CI machine does (snapshots show counts). Set before any counter
# exists; subprocesses inherit it.
os.environ["TIKTOKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="playground-tiktoken-empty-")


# Property tests stay quick in CI (HYPOTHESIS_PROFILE=deep for a long hunt).
# No example database: nothing is written to the work tree, and two copies
# of the suite running at once do not share state.
settings.register_profile("ci", max_examples=25, deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("deep", parent=settings.get_profile("ci"), max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _share_tls_contexts() -> None:
    """Clients the tests build themselves (the official SDKs pointed at the simulator, plain
    httpx2 clients) share one default TLS context per process, as the app's own clients do
    (`providers.http.shared_tls_context`).

    Why: each one built its own, loading the CA bundle (60 ms of CPU on the 2-core machine) for
    loopback HTTP that never uses TLS; a few hundred tests build one. The context is the one
    httpx2 builds (same verification, `SSL_CERT_FILE` / `SSL_CERT_DIR` honoured per value)."""
    import httpcore2

    build = httpcore2.default_ssl_context

    @functools.cache
    def shared(trust_env: bool, cafile: str | None, capath: str | None) -> ssl.SSLContext:
        return build(_trust_env=trust_env)

    def default_ssl_context(*, _trust_env: bool = True) -> ssl.SSLContext:
        return shared(_trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))

    default_ssl_context.unshared = build  # type: ignore[attr-defined]  # for the app's own sharing test
    httpcore2.default_ssl_context = default_ssl_context  # httpx2 looks it up there per client


_share_tls_contexts()


def pytest_configure(config: pytest.Config) -> None:
    """Compile the package's bytecode once, in the controller, before any worker starts.

    Many tests start `playground` (or `python -c "import playground..."`) in a subprocess. With
    PYTHONDONTWRITEBYTECODE set, as on the CI machines, every one of them compiled the package
    from source again (about 0.5 s of CPU each); an installed package has its bytecode, so this
    is also closer to what a user runs."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did it
        return
    import compileall

    import playground

    compileall.compile_dir(Path(playground.__file__).parent, quiet=2, workers=1)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core (4 on the 2-core CI machine).

    Much of the suite waits on loopback I/O and simulated latency, so a worker per core leaves
    the cores idle. The main suite on the quiet 2-core machine, 2026-12-02: 4 min 40 s with one
    worker per core (1.3 cores busy), 3 min 55 s with 1.5, 3 min 39 s with two (1.9 cores busy).
    Four workers once made a LiteLLM conformance case fail (five attempts recorded of six): one
    attempt went out on a pooled connection the simulator was closing as idle, which CPU load made
    likelier; the comparison now keeps the simulator's idle connections longer than the gateways'
    pools (playground/gateways/compare.py). PYTEST_XDIST_AUTO_NUM_WORKERS still overrides it."""
    given = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if given and given.isdigit():
        return int(given)
    # The cores this process may run on (a container's CPU set), not the host's count.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(2, 2 * cores)


# Tests that share one expensive process per session (the real gateways, the
# browser) run on one xdist worker each; everything else is spread test by
# test (`--dist loadgroup` in pyproject.toml).
_SESSION_GROUPS = {"gateways": "gateways", "test_serve_browser.py": "browser"}


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the marks into node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for part, group in _SESSION_GROUPS.items():
            if part in item.path.parts:
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PLAYGROUND_SIM_SPEED", TEST_SIM_SPEED)
    # Loopback traffic must never go through a proxy from the environment.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def sim_server() -> Iterator[object]:
    """One simulator on a free loopback port for tests that only need to talk to it."""
    from playground.sim.runner import SimServer

    server = SimServer(port=0, speed=float(TEST_SIM_SPEED))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> InProcessCli:
    """The CLI in-process: `run_cli("run", "hi", "--json")` -> returncode, stdout, stderr."""
    return InProcessCli(capsys, monkeypatch)


_dont_write_bytecode = sys.dont_write_bytecode
# Young pass every 20,000 allocations, middle every 20 young, full considered every 50 middle.
_TEST_GC_THRESHOLDS = (20_000, 20, 50)


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """Let pytest cache the assertion-rewritten test modules while a worker collects.

    With PYTHONDONTWRITEBYTECODE set (this machine, CI), pytest parsed and rewrote every test
    module's asserts from source in every worker, every run: half of a worker's collection
    (~6 of 12 s CPU, every worker at once at the start on 2 cores). The cache lands in
    tests/**/__pycache__ (git-ignored) and is checked against each source's mtime and size;
    pytest writes it atomically, so two suites at once are safe. Only collection writes:
    the flag is put back when it ends. (xdist's controller collects nothing.)"""
    if not session.config.pluginmanager.has_plugin("dsession"):
        sys.dont_write_bytecode = False


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection imported (Textual, both SDKs, numpy, polars: several hundred thousand
    objects that live as long as the worker), so the collector's full passes during the tests,
    and pytest's five at the session's end, walk only what the tests make. The main suite on the
    quiet 2-core machine, 2026-12-02: 3 min 39 s and 390 s of CPU before, 2 min 58 s and 318 s
    after (load under 2 before each run).

    The collector also runs less often: a young pass per 20,000 allocations instead of 700, and a
    full one considered after 50 of the middle generation's instead of 10. Pilot tests build and drop
    whole apps, whose objects outlived the young passes and made full passes frequent. tests/tui on
    two workers, four runs in the order default, raised, raised, default (2026-12-03): the
    collector's CPU 73 / 28 / 29 / 78 s, the run's CPU 319 / 280 / 293 / 343 s, wall 3:46 / 3:14 /
    3:32 / 4:11. Explicit `gc.collect()` calls (the heap and memory tests) are unaffected."""
    sys.dont_write_bytecode = _dont_write_bytecode
    gc.set_threshold(*_TEST_GC_THRESHOLDS)
    gc.freeze()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """One full collection, then freeze its survivors, before pytest's own end-of-session passes
    (`unraisableexception.cleanup` at unconfigure: five `gc.collect()`s, its hook still catching
    unraisable exceptions): garbage is collected (and reported) here once, and those five walk
    only what is made after it, not every live object five times. Here, not at unconfigure: a
    worker reports "workerfinished" after this hook, and execnet's 5 s before it SIGINTs a
    worker that has not ended start only once every worker has reported.

    Why: the collector and heap-settling tests (tests/tui) `gc.unfreeze()` what collection froze,
    so on their workers those five passes walked ~440,000 objects each: over 5 s on the loaded
    machine, execnet then SIGINTed the worker (`_terminate_execution`), a KeyboardInterrupt
    surfaced in hypothesis's gc callback as an unraisable-exception warning, and the controller
    waited ~10 s for its workers. Re-freezing after each such test instead broke those tests'
    own freeze counts (objects of the previous test die inside them)."""
    gc.collect()
    gc.freeze()
