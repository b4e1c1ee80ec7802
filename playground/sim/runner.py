"""Runs the simulator with Uvicorn on a background thread with its own event
loop, so the Textual app, synchronous tests and the CLI can all start one
and talk to it over real sockets.

We bind the listening socket ourselves before Uvicorn sees it: port 0 then
yields the real port at once, and a busy port becomes one clear `UserError`
instead of a Uvicorn log line and `sys.exit`.

Uvicorn runs with our tracking h11 protocol (wire/connections.py) so that the
`down` and `cut` faults can drop real connections, and without proxy-header
rewriting (nothing sits in front of the simulator).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import os
import socket
import threading
import time
from types import TracebackType
from typing import Any, NoReturn

import uvicorn

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.core.tokens import default_counter
from playground.sim.faults.control import Faults
from playground.sim.faults.spec import FaultSpec
from playground.sim.wire.app import create_app
from playground.sim.wire.connections import tracking_protocol
from playground.sim.wire.service import SimService

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
# How long an idle keep-alive connection stays open (uvicorn's default).
KEEP_ALIVE_S = 5
_LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port), or a `UserError` saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UserError(f"cannot listen on {host!r}: {exc.strerror}; use an IP address such as 127.0.0.1") from None
    # IPv4 first: "localhost" clients usually try 127.0.0.1 before ::1.
    family, kind, proto, _, address = min(infos, key=lambda info: info[0] != socket.AF_INET)
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
        else:
            # Lets a restarted simulator reuse a port still in TIME_WAIT; on
            # POSIX it does not allow two listeners on one port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"port {port} on {host} is already in use; choose another with --port or stop the process using it"
            ) from None
        if exc.errno == errno.EACCES:
            raise UserError(f"no permission to listen on port {port} on {host}; choose a port above 1023") from None
        raise UserError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    return sock


class SimServer:
    """The simulator on a background thread.

    ```python
    with SimServer(speed=20, faults="rate_limit=0.1,sim-gpt-4o:down=1", seed=7) as sim:
        client = OpenAI(base_url=sim.base_url + "/v1", api_key="sim")
        sim.set_faults("server_error=0.5")  # from any thread, while serving
    ```

    `faults` is the fault syntax (see faults/spec.py), a parsed `FaultSpec`,
    or any `FaultPlan`; a bad spec is a `UserError` with the parser's message.
    `seed` makes the faults (and the answers' timing) repeatable.
    `keep_alive_s` is how long an idle connection stays open before the
    server closes it: a client that reuses it just then fails with a
    connection error before the simulator sees the request.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        require_api_key: str | None = None,
        speed: float | None = None,
        *,
        faults: Faults | None = None,
        seed: int = 0,
        keep_alive_s: int = KEEP_ALIVE_S,
    ) -> None:
        self.host = host
        self.keep_alive_s = keep_alive_s
        self.requested_port = port
        self.app = create_app(catalog, speed=speed, require_api_key=require_api_key, faults=faults, seed=seed)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port: int | None = None
        self._error: BaseException | None = None

    @property
    def service(self) -> SimService:
        return self.app.state.sim  # type: ignore[no-any-return]

    @property
    def speed(self) -> float:
        return self.service.speed

    # --- faults (thread-safe: the server runs on its own loop thread) ----

    @property
    def faults(self) -> FaultSpec:
        """The active fault spec (empty when none, or when a custom plan is set)."""
        return self.service.fault_control.spec

    @property
    def fault_seed(self) -> int:
        return self.service.fault_control.seed

    def set_faults(self, faults: Faults, seed: int | None = None) -> None:
        """Replace the fault plan atomically; requests under way keep theirs.
        The request index restarts at 0, so the run that follows is
        repeatable; `seed` None keeps the current seed."""
        self.service.fault_control.set(faults, seed)

    def clear_faults(self) -> None:
        self.service.fault_control.clear()

    def describe_faults(self) -> dict[str, Any]:
        """As `GET /_sim/faults`: `{"spec", "seed", "models"}`."""
        return self.service.fault_control.describe()

    def stats(self) -> dict[str, Any]:
        """As `GET /_sim/stats`: requests and injected faults, per model and in total."""
        return self.service.stats.snapshot()

    def reset_stats(self) -> None:
        self.service.stats.reset()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Where clients connect: OpenAI clients use `base_url + "/v1"`,
        Anthropic clients `base_url`. A wildcard host is reached via loopback."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = START_TIMEOUT_S) -> SimServer:
        """Bind, start serving, and return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already started")
        default_counter().count_text("")  # load the tokenizer now, not inside the first request's TTFT
        sock = bind_socket(self.host, self.requested_port)
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=tracking_protocol(self.service.connections),
            proxy_headers=False,
            ws="none",
            lifespan="off",
            log_config=None,  # leave the host application's logging alone
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=int(STOP_TIMEOUT_S),
            timeout_keep_alive=self.keep_alive_s,
        )
        self._server = uvicorn.Server(config)
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(sock,), name=f"sim-server-{self._port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._fail_start(sock, timeout)
            time.sleep(0.005)
        return self

    def _fail_start(self, sock: socket.socket, timeout: float) -> NoReturn:
        error = self._error
        self.stop()
        sock.close()
        if error is not None:
            raise RuntimeError(f"the simulator failed to start: {error!r}") from error
        raise RuntimeError(f"the simulator did not start within {timeout:g} s")

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(sock))
        except BaseException as exc:  # reported by start(); a thread has nowhere else to raise
            self._error = exc

    async def _serve(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self.service.begin_serving()
        assert self._server is not None
        await self._server.serve(sockets=[sock])

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop serving: streams under way end at once, then the thread joins."""
        thread, server, loop = self._thread, self._server, self._loop
        if thread is None or server is None:
            return
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(self.service.begin_shutdown)
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._thread = self._server = self._loop = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8765,
    require_api_key: str | None = None,
    speed: float | None = None,
    faults: Faults | None = None,
    seed: int = 0,
) -> None:
    """`playground sim`: serve until Ctrl+C, then shut down cleanly. A bad
    fault spec is a `UserError` before anything is bound."""
    sim = SimServer(host=host, port=port, require_api_key=require_api_key, speed=speed, faults=faults, seed=seed)
    sim.start()
    try:
        url = sim.base_url
        exposure = "" if is_loopback(host) else f"; listening on {host}, reachable from other machines"
        print(
            f"simulator on {url} (OpenAI base_url {url}/v1, Anthropic base_url {url}); "
            f"speed x{sim.speed:g}{exposure}; Ctrl+C to stop",
            flush=True,
        )
        print(_faults_line(sim), flush=True)
        while sim.running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


def _faults_line(sim: SimServer) -> str:
    spec = sim.faults.format()
    active = f"faults {spec} (seed {sim.fault_seed})" if spec else "no faults"
    return (f"{active}; change them with PUT {sim.base_url}/_sim/faults (the --faults text, or JSON), "
            f"counters at GET {sim.base_url}/_sim/stats")
