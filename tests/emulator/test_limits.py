"""Request limits: body size, JSON depth, numbers, slow clients."""

from __future__ import annotations

import contextlib
import math
import socket
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from auth0link.emulator.server.serve import EmulatorThread
from auth0link.emulator.state import demo
from auth0link.emulator.web import limits
from auth0link.emulator.web.limits import MAX_BODY, json_depth
from tests.emulator.conftest import ALICE_ENC
from tests.emulator.test_jobs import completed, create

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.emulator.server.options import EmulatorOptions
    from tests.emulator.conftest import Ctx

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", f"/api/v2/users/{ALICE_ENC}"),
        ("POST", "/api/v2/users"),
        ("POST", "/oauth/token"),
        ("POST", "/dbconnections/signup"),
        ("POST", "/passwordless/start"),
        ("POST", "/__emulator/faults"),
    ],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_deep_json_is_a_400(ctx: Ctx, method: str, path: str, body: bytes) -> None:
    """100,000-deep JSON is a 400 with Auth0's invalid-JSON words, never a 500."""
    headers = {"content-type": "application/json", "authorization": f"Bearer {ctx.m2m_token()}"}
    reply = ctx.client.request(method, path, content=body, headers=headers)
    assert reply.status_code == 400
    assert "Invalid request payload JSON format" in reply.text


def test_api_too_large_body_is_hapis_413(ctx: Ctx) -> None:
    """A Management API body over 1 MiB is 413 in hapi's shape."""
    reply = ctx.api("POST", "/users", ctx.m2m_token(), content=b"{" + b" " * MAX_BODY + b"}")
    assert reply.status_code == 413
    assert reply.json() == {
        "statusCode": 413,
        "error": "Request Entity Too Large",
        "message": "Payload content length greater than maximum allowed: 1048576",
    }


def test_json_depth_skips_strings() -> None:
    """Brackets inside strings (with escaped quotes) do not count."""
    assert json_depth(b'{"a": "[[[[\\"[[["}') == 1
    assert json_depth(b'{"a": [{"b": []}]}') == 4
    assert json_depth(b"[]" * 10) == 1


@pytest.mark.parametrize("advance", ["NaN", "Infinity", "-Infinity", "1e400", "true", "1e300"])
def test_clock_refuses_non_finite_numbers(ctx: Ctx, advance: str) -> None:
    """{"advance": NaN} (and friends) is 400; the token endpoint keeps working."""
    reply = ctx.client.post("/__emulator/clock", content=f'{{"advance": {advance}}}')
    assert reply.status_code == 400
    assert math.isfinite(ctx.tenant.clock.offset)
    assert ctx.m2m_token()


@pytest.mark.parametrize("seconds", ["NaN", "1e308", "-1", "true"])
def test_fault_seconds_must_be_sane(ctx: Ctx, seconds: str) -> None:
    """A fault rule's seconds must be a number from 0 to a day."""
    body = f'{{"faults": [{{"path": "*", "fault": "hang", "seconds": {seconds}}}]}}'
    assert ctx.client.post("/__emulator/faults", content=body).status_code == 400
    assert ctx.emulator.faults.rules == []


@pytest.mark.parametrize("expires", ["9" * 5000, "\u00b2", "\uff11\uff12"])
def test_download_with_absurd_expires_is_a_403(ctx: Ctx, expires: str) -> None:
    """A 5,000-digit (or non-ASCII digit) Expires on a download link is 403, not 500."""
    done = completed(ctx, create(ctx, {"format": "json"}).json()["id"])
    parts = urlsplit(done["location"])
    reply = ctx.client.get(parts.path, params={"Expires": expires, "Signature": "x"})
    assert reply.status_code == 403


def _answer(sock: socket.socket) -> bytes:
    """The whole answer: read until the server closes (every answer here says connection: close).

    One ``recv`` may return only the head; the body can come in a later segment.
    """
    chunks: list[bytes] = []
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _raw(served: EmulatorThread, data: bytes) -> socket.socket:
    parts = urlsplit(served.base_url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=5)
    sock.sendall(data)
    return sock


@pytest.fixture
def plain(served_options: Callable[..., EmulatorOptions]) -> object:
    """The emulator over plain HTTP on a real socket (raw requests)."""
    with EmulatorThread(served_options(tls=False)) as running:
        yield running


def test_huge_content_length_is_refused_before_reading(plain: EmulatorThread) -> None:
    """A 128 MiB Content-Length is answered 413 at once, without waiting for (or storing) the body."""
    head = b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 134217728\r\n\r\n"
    with _raw(plain, head + b"x" * 1000) as sock:
        started = time.monotonic()
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert time.monotonic() - started < 2


def test_chunked_too_large_body_is_a_413(plain: EmulatorThread) -> None:
    """A chunked body is counted as it arrives: past 1 MiB it is 413 (Authentication API shape)."""
    head = b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    with _raw(plain, head) as sock:
        with contextlib.suppress(OSError):  # the server may stop reading once it has answered
            for _ in range(24):
                sock.sendall(chunk)
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"access_denied"' in answer


def test_slow_body_is_a_408(plain: EmulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body shorter than its Content-Length is answered 408 after the body timeout, and closed."""
    monkeypatch.setattr(limits, "BODY_TIMEOUT", 0.3)
    head = b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc"
    with _raw(plain, head) as sock:
        answer = _answer(sock)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"connection: close" in answer.lower()


def test_slow_headers_are_cut_off(plain: EmulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client sending half its headers is disconnected after the header timeout."""
    monkeypatch.setattr(limits, "HEADER_TIMEOUT", 0.3)
    with _raw(plain, b"GET /authorize HTTP/1.1\r\nHost: 127.") as sock:
        started = time.monotonic()
        assert sock.recv(4096) == b""
    assert time.monotonic() - started < 3


def test_limits_leave_normal_requests_alone(ctx: Ctx) -> None:
    """A normal token request and a PATCH still work under the limits."""
    token = ctx.m2m_token()
    reply = ctx.api("PATCH", f"/users/{ALICE_ENC}", token, json={"user_metadata": {"a": {"b": [1, 2]}}})
    assert reply.status_code == 200
    assert demo.NATIVE_CLIENT_ID
