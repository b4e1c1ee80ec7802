"""Install the real gateways, pinned, into a cache shared between runs.

- Portkey gateway: `@portkey-ai/gateway` from npm, with `@hono/node-server`,
  `@hono/node-ws` and `hono` pinned through npm `overrides` (newer releases of
  those break every streamed request, issue #12). Install scripts are not run:
  the package's only one (patch-package) has no patches to apply.
- LiteLLM proxy: `litellm[proxy]` from PyPI into its own virtualenv (its pins
  conflict with the SDKs this project uses).

Each install goes into `<cache>/<name>-<version>/` and is complete only once
its marker file (written last, atomically) exists; a folder without one is a
half-finished install and is replaced. A lock file serialises installers
(two test runs, or a test run and `export --check`).

The cache is `PLAYGROUND_GATEWAYS_DIR` when set, else the user cache dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_path

from playground.config.paths import APP_NAME
from playground.core.errors import UserError

GATEWAYS_DIR_ENV = "PLAYGROUND_GATEWAYS_DIR"
PORTKEY_PACKAGE = "@portkey-ai/gateway"
PORTKEY_VERSION = "1.15.2"
# Newer releases of these break every streamed request through the gateway (issue #12).
PORTKEY_OVERRIDES = {"@hono/node-server": "1.13.5", "@hono/node-ws": "1.2.0", "hono": "4.9.7"}
LITELLM_VERSION = "1.108.7"
MARKER = ".installed.json"
INSTALL_TIMEOUT_S = 1200
# Words in npm / pip output that mean the registry could not be reached at all.
_UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET", "network request",
                "Temporary failure in name resolution", "Failed to establish a new connection",
                "NewConnectionError", "Max retries exceeded", "No route to host", "Network is unreachable")

Say = Callable[[str], None]


class GatewayUnavailable(UserError):
    """A gateway cannot be installed or started here; the message says why and what to do."""

    def __init__(self, message: str, *, registry_unreachable: bool = False, tool_missing: bool = False) -> None:
        super().__init__(message)
        self.registry_unreachable = registry_unreachable
        # Node.js/npm absent: a machine with only Python cannot run the Portkey gateway at all.
        self.tool_missing = tool_missing


@dataclass(frozen=True)
class Installed:
    name: str  # "portkey" | "litellm"
    version: str
    path: Path
    # The argv that starts the gateway, before its per-run arguments.
    command: tuple[str, ...]
    install_s: float  # how long the install took (when it was made)
    fresh: bool  # installed by this call, not found in the cache


def gateways_dir() -> Path:
    override = os.environ.get(GATEWAYS_DIR_ENV, "").strip()
    return Path(override).expanduser() if override else user_cache_path(APP_NAME, appauthor=False) / "gateways"


def find(name: str, root: Path | None = None) -> Installed | None:
    """The complete install of `name` in the cache, if there is one."""
    spec = _SPECS[name]
    path = (root or gateways_dir()) / f"{name}-{spec.version}"
    marker = path / MARKER
    if not marker.is_file():
        return None
    try:
        install_s = float(json.loads(marker.read_text()).get("install_s", 0.0))
    except (OSError, ValueError, AttributeError):
        return None
    if not spec.entry(path).exists():
        return None
    return Installed(name, spec.version, path, spec.command(path), install_s, fresh=False)


def ensure(name: str, root: Path | None = None, say: Say | None = None) -> Installed:
    """The cached install of `name`, installing it first when missing
    (`say` is told before anything is downloaded)."""
    root = root or gateways_dir()
    found = find(name, root)
    if found is not None:
        return found
    spec = _SPECS[name]
    spec.preflight()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(root / f".{name}.lock"):
        found = find(name, root)  # another process may have finished it meanwhile
        if found is not None:
            return found
        path = root / f"{name}-{spec.version}"
        if say:
            say(f"installing the {spec.title} {spec.version} into {path} (downloads from {spec.registry}; "
                "cached for later runs)")
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, mode=0o700)
        started = time.monotonic()
        try:
            spec.install(path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        install_s = time.monotonic() - started
        _write_marker(path, {"name": name, "version": spec.version, "install_s": round(install_s, 1)})
    found = find(name, root)
    if found is None:
        raise GatewayUnavailable(f"the {spec.title} {spec.version} installed into {path}, but its entry point "
                                 "is missing")
    return Installed(found.name, found.version, found.path, found.command, install_s, fresh=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_marker(path: Path, data: dict[str, object]) -> None:
    temp = path / f"{MARKER}.tmp"
    temp.write_text(json.dumps(data))
    os.chmod(temp, 0o600)
    temp.replace(path / MARKER)


def _run(argv: list[str], cwd: Path, what: str, registry: str) -> None:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise GatewayUnavailable(f"{what}: no answer from {registry} within {INSTALL_TIMEOUT_S} s; the registry "
                                 "looks unreachable from here", registry_unreachable=True) from None
    if proc.returncode == 0:
        return
    output = proc.stdout + proc.stderr
    last = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "no output")
    if any(word in output for word in _UNREACHABLE):
        raise GatewayUnavailable(f"{what}: {registry} is unreachable from here ({last})", registry_unreachable=True)
    raise GatewayUnavailable(f"{what} failed (exit {proc.returncode}): {last}")


@dataclass(frozen=True)
class _Spec:
    title: str
    version: str
    registry: str
    preflight: Callable[[], None]
    install: Callable[[Path], None]
    # The file that must exist in a complete install, and the argv that starts the gateway.
    entry: Callable[[Path], Path]
    command: Callable[[Path], tuple[str, ...]]


def _need(tool: str, what: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise GatewayUnavailable(f"{tool} not found on PATH: the {what} needs Node.js 18 or later with npm; install "
                                 "them (e.g. apt-get install nodejs npm) and try again", tool_missing=True)
    return found


def _portkey_preflight() -> None:
    node = _need("node", "Portkey gateway")
    _need("npm", "Portkey gateway")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = version.lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < 18:
        raise GatewayUnavailable(f"node {version or '(unknown version)'} is too old for the Portkey gateway; it needs "
                                 "Node.js 18 or later")


def _portkey_install(path: Path) -> None:
    package = {"name": "playground-portkey-gateway", "private": True,
               "dependencies": {PORTKEY_PACKAGE: PORTKEY_VERSION}, "overrides": PORTKEY_OVERRIDES}
    (path / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    _run([_need("npm", "Portkey gateway"), "install", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev",
          "--loglevel=error"], path, f"npm install {PORTKEY_PACKAGE}@{PORTKEY_VERSION}", "the npm registry")


def _portkey_entry(path: Path) -> Path:
    return path / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"


def _portkey_command(path: Path) -> tuple[str, ...]:
    return (shutil.which("node") or "node", str(_portkey_entry(path)))


def _litellm_install(path: Path) -> None:
    venv = path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], path, "creating the LiteLLM virtualenv", "the local Python")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          f"litellm[proxy]=={LITELLM_VERSION}"], path, f"pip install litellm[proxy]=={LITELLM_VERSION}", "PyPI")


def _litellm_entry(path: Path) -> Path:
    return path / "venv" / "bin" / "python"


def _litellm_command(path: Path) -> tuple[str, ...]:
    # The venv's python runs the proxy's CLI (what the `litellm` script does).
    return (str(_litellm_entry(path)), "-c",
            "import sys; from litellm.proxy.proxy_cli import run_server; sys.exit(run_server())")


_SPECS = {
    "portkey": _Spec("Portkey gateway", PORTKEY_VERSION, "the npm registry", _portkey_preflight, _portkey_install,
                     _portkey_entry, _portkey_command),
    "litellm": _Spec("LiteLLM proxy", LITELLM_VERSION, "PyPI", lambda: None, _litellm_install, _litellm_entry,
                     _litellm_command),
}
NAMES: tuple[str, ...] = tuple(_SPECS)
