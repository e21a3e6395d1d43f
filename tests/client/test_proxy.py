"""Loopback traffic never goes through HTTP_PROXY/HTTPS_PROXY/ALL_PROXY (issue 19, item 5).

A real plain-HTTP "tenant" on 127.0.0.1 and a real listener posing as the proxy: the proxy must
receive nothing, not even a connection, while the tenant answers the request.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from auth0link.client import Auth0Client

if TYPE_CHECKING:
    from collections.abc import Iterator


class _Tenant(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"user_id": "auth0|x", "identities": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def tenant_port() -> Iterator[int]:
    """A plain-HTTP server on 127.0.0.1 answering every GET with a user."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tenant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """A listener named by every proxy variable; it records what each connection sends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(65536) or b"<connected>")
                except OSError:
                    received.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield received
    stop.set()
    thread.join()
    listener.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_requests_bypass_every_proxy_variable(
    tenant_port: int, proxy: list[bytes], host: str
) -> None:
    """With HTTP(S)_PROXY and ALL_PROXY set, a loopback tenant is reached directly; the proxy gets nothing."""
    with Auth0Client(f"http://{host}:{tenant_port}", access_token="t0ken", timeout=3) as client:
        user = client.get_user("auth0|x")
    assert user.user_id == "auth0|x"
    assert proxy == []
