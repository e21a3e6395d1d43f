"""Request limits: body size, JSON nesting, and how long a client may take to send a request.

================================  ===========================================================
body over :data:`MAX_BODY` (1 MiB)  413, Auth0's (hapi's) words: the Management API answers
                                  ``{"statusCode": 413, "error": "Request Entity Too Large",
                                  "message": "Payload content length greater than maximum
                                  allowed: 1048576"}``, the Authentication API ``{"error":
                                  "access_denied", "error_description": "Payload content
                                  length …"}``. A ``Content-Length`` over the limit is refused
                                  before any byte is read; a chunked body is counted as it
                                  arrives and never held beyond the limit.
JSON nested over :data:`MAX_DEPTH`  400 ``Invalid request payload JSON format`` (the words of
                                  Auth0's invalid JSON answer), before a handler parses it
a body slower than                408 and the connection is closed (a body shorter than its
:data:`BODY_TIMEOUT`              ``Content-Length`` is not held)
headers slower than               the connection is closed (:class:`TimedH11Protocol`, given
:data:`HEADER_TIMEOUT`            to uvicorn as its HTTP protocol)
================================  ===========================================================
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any, Final

from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY: Final = 1_048_576
MAX_DEPTH: Final = 64
BODY_TIMEOUT: Final = 30.0
HEADER_TIMEOUT: Final = 30.0
_TOO_LARGE = f"Payload content length greater than maximum allowed: {MAX_BODY}"
_BAD_JSON = "Invalid request payload JSON format"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class _TooLarge(Exception):
    """The body passed :data:`MAX_BODY`."""


class _TooSlow(Exception):
    """The body did not arrive within :data:`BODY_TIMEOUT`."""


def json_depth(body: bytes) -> int:
    """How deeply ``body``'s arrays and objects nest (strings are skipped; linear time)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


_REASONS: Final = {400: "Bad Request", 408: "Request Timeout", 413: "Request Entity Too Large"}
_AUTH_ERRORS: Final = {400: "invalid_request", 408: "invalid_request", 413: "access_denied"}


def _answer(path: str, status: int, description: str) -> dict[str, Any]:
    if path.startswith("/api/v2/"):
        return {"statusCode": status, "error": _REASONS[status], "message": description}
    return {"error": _AUTH_ERRORS[status], "error_description": description}


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(raw)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


class LimitsMiddleware:
    """Read the whole body under the limits, then hand the app a replay of it."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        chunked = any(k == b"transfer-encoding" for k, _ in scope["headers"])
        if length is None and not chunked:  # no body (a GET): nothing to limit, nothing to buffer
            await self.app(scope, receive, send)
            return
        length = length or b"0"
        if not length.isdigit() or len(length) > 12 or int(length) > MAX_BODY:  # noqa: PLR2004 - digits
            await _send_json(send, 413, _answer(path, 413, _TOO_LARGE))
            return
        try:
            body = await read_body(receive)
        except _TooLarge:
            await _send_json(send, 413, _answer(path, 413, _TOO_LARGE))
            return
        except _TooSlow:
            await _send_json(send, 408, _answer(path, 408, "Request timeout"))
            return
        if body.lstrip()[:1] in (b"{", b"[") and json_depth(body) > MAX_DEPTH:
            await _send_json(send, 400, _answer(path, 400, _BAD_JSON))
            return
        await self.app(scope, replay(body, receive), send)


async def read_body(receive: Receive) -> bytes:
    """The whole request body, at most :data:`MAX_BODY` bytes arriving within :data:`BODY_TIMEOUT`.

    Behind :class:`LimitsMiddleware` (which has read and replayed it) it is one message.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            async with asyncio.timeout(BODY_TIMEOUT):  # no task per read, unlike wait_for
                message = await receive()
        except TimeoutError as exc:
            raise _TooSlow from exc
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already read ``body`` once, then the real messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as Starlette expects

    return replayed


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers take too long."""

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override] # as uvicorn's
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        idle = self.cycle is None or self.cycle.response_complete  # type: ignore[redundant-expr] # uvicorn types cycle as always set
        if idle and not self.transport.is_closing():
            self.transport.close()

    def handle_events(self) -> None:
        """Stop the clock once a request's headers are in."""
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:  # type: ignore[redundant-expr] # uvicorn types cycle as always set
            self._disarm()

    def on_response_complete(self) -> None:
        """Start the clock for the next request on this connection."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)
