"""Every HTTP client the app builds shares one TLS context per process, built
as httpx2 builds its default one: loading the CA bundle once, not per client."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpcore2
import pytest

from playground.providers import http
from playground.providers.http import make_http_client, shared_tls_context


@pytest.fixture(autouse=True)
def unshared_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx2 building a context per client, as outside the tests (tests/conftest.py shares them)."""
    monkeypatch.setattr(httpcore2, "default_ssl_context", httpcore2.default_ssl_context.unshared)
    http._tls_context.cache_clear()


def _context_of(client: object) -> ssl.SSLContext:
    return client._transport._pool._ssl_context  # type: ignore[attr-defined]


async def test_clients_share_the_processes_one_verifying_context() -> None:
    first, second = make_http_client(), make_http_client()
    try:
        assert _context_of(first) is _context_of(second) is shared_tls_context()
        context = shared_tls_context()
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded
    finally:
        await first.aclose()
        await second.aclose()


def test_a_changed_ssl_cert_file_gives_a_context_from_that_file(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    source = ssl.get_default_verify_paths().cafile
    if source is None or not Path(source).is_file():
        pytest.skip("no CA file on this machine to copy")
    before = shared_tls_context()
    end = "-----END CERTIFICATE-----\n"
    bundle = tmp_path / "ca.pem"
    bundle.write_text("".join(block + end for block in Path(source).read_text().split(end)[:2]))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    mine = shared_tls_context()
    assert mine is not before and mine is shared_tls_context()
    assert mine.cert_store_stats()["x509_ca"] == 2  # the two certificates of that file, not the bundle
