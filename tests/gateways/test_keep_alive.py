"""No idle keep-alive connection on either hop of a comparison. A server that
closes an idle connection races with a client reusing it from its pool: the
request fails before the server sees it. Between a gateway and the simulator
the comparison then recorded one attempt fewer than the gateway made (LiteLLM's
proxy logged "Connection error." for a gpt-5-4 attempt of a whole-chain case
that the simulator never received, under CPU load); between our client and a
gateway, an error with no request (a ReadError from Portkey). So the
simulator keeps idle connections open longer than any request takes, and our
client opens a connection per request."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx2
import pytest

from playground.config.load import parse_policy_text
from playground.gateways.client import gateway_client
from playground.gateways.compare import SIM_KEEP_ALIVE_S, Comparison
from playground.sim.runner import KEEP_ALIVE_S, SimServer

REQUEST = b"GET /v1/models HTTP/1.1\r\nHost: sim\r\n\r\n"


def _one_request_then_idle(port: int) -> socket.socket:
    """A keep-alive connection that has had one answer, read to its end."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30.0)
    sock.sendall(REQUEST)
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    header, _, body = head.partition(b"\r\n\r\n")
    assert header.startswith(b"HTTP/1.1 200"), header
    length = next(int(line.split(b":")[1]) for line in header.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(4096)
    return sock


def test_the_simulator_closes_an_idle_connection_after_its_keep_alive() -> None:
    with SimServer(keep_alive_s=1) as sim:
        sock = _one_request_then_idle(sim.port)
        with sock:
            # The server closes it (EOF) once idle for keep_alive_s; 30 s is only the give-up point.
            assert sock.recv(1) == b""


def test_the_comparison_keeps_connections_open_longer_than_a_request_can_take() -> None:
    settings = parse_policy_text("[timeouts]\ntotal_s = 90.0\n", "a policy")
    with Comparison(settings, {}) as comparison:
        # Longer than the client waits for one request (retries, backoff and fallbacks included),
        # so no connection goes idle long enough to be closed by the server mid-request.
        assert comparison.sim.keep_alive_s == SIM_KEEP_ALIVE_S > comparison.client_total_s
        with _one_request_then_idle(comparison.sim.port) as sock:
            # Still open after the server's default keep-alive has passed (a close would be an EOF).
            sock.settimeout(KEEP_ALIVE_S + 2.0)
            with pytest.raises(TimeoutError):
                sock.recv(1)


async def _connections_for_two_requests(client: httpx2.AsyncClient) -> int:
    """Two requests in turn to a server that would keep each connection open; how many it accepted."""
    accepted = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        with contextlib.suppress(asyncio.IncompleteReadError):  # the client closed it
            while (await reader.readuntil(b"\r\n\r\n")).startswith(b"GET"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, client:
        for _ in range(2):
            assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
    return accepted


def test_the_client_of_the_gateways_opens_a_connection_per_request() -> None:
    # No idle connection is kept, so none can be closed by the gateway's server as it is reused.
    assert asyncio.run(_connections_for_two_requests(gateway_client())) == 2
    assert asyncio.run(_connections_for_two_requests(httpx2.AsyncClient(trust_env=False))) == 1  # a pooling client
