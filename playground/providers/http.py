"""One shared httpx2 client per event loop: one connection pool and one
timeout model for both SDKs and any direct HTTP call."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # loaded with the first client, not when the engine is imported (a UI's first frame)
    import ssl

    import httpx2


@dataclass(frozen=True, slots=True)
class HttpTimeouts:
    connect_s: float = 5.0
    # The gap allowed between two reads of a streaming body; the engine
    # enforces time-to-first-token and total budgets on top of this.
    read_s: float = 60.0


def shared_tls_context() -> ssl.SSLContext:
    """The process's one TLS context for verifying providers, as httpx2 builds it by default
    (`SSL_CERT_FILE` / `SSL_CERT_DIR` honoured; a changed value gives a new one).

    Why: building one loads the whole CA bundle, 60 ms of CPU on the 2-core machine, and a
    client built without one (every session, engine and replay run) paid that again, for a
    simulator on loopback that never uses TLS. A context is safe to share between clients
    and threads."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    import httpx2

    return httpx2.create_ssl_context(trust_env=True)  # reads the two variables the cache is keyed on


def make_http_client(timeouts: HttpTimeouts | None = None) -> httpx2.AsyncClient:
    import httpx2

    t = timeouts or HttpTimeouts()
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(connect=t.connect_s, read=t.read_s, write=t.read_s, pool=t.connect_s),
        limits=httpx2.Limits(max_connections=200, max_keepalive_connections=50),
        verify=shared_tls_context(),
        # Proxy settings from the environment must not capture loopback
        # traffic to the simulator; real endpoints still honour them.
        trust_env=True,
    )


class SdkClientOptions(TypedDict):
    api_key: str
    base_url: str
    http_client: httpx2.AsyncClient
    max_retries: int


def sdk_client_options(api_key: str, base_url: str, http_client: httpx2.AsyncClient) -> SdkClientOptions:
    """What both SDK clients are built with: our shared HTTP client, and SDK
    retries off because the engine owns retries so each one is visible and costed."""
    return {"api_key": api_key or "not-needed", "base_url": base_url, "http_client": http_client, "max_retries": 0}
