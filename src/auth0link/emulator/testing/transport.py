"""In-process transports: httpx and requests clients that reach the emulator with no socket.

:class:`InProcessTransport` is an ``httpx.BaseTransport`` that hands each request to the
emulator's ASGI app on the event loop that serves it (an
:class:`~auth0link.emulator.server.serve.EmulatorThread`'s), so requests made in process and requests
over HTTPS from a subprocess or a browser change one tenant from one thread, as the tenant
requires (it has no locks). The caller's thread waits for the answer. What a network would do
to a faulted request happens here too: a ``drop`` fault is ``httpx.RemoteProtocolError``, a
``hang`` longer than the client's read timeout is ``httpx.ReadTimeout``.

:class:`SyncASGITransport` drives an app from a sync httpx client on a private event loop (no
server thread): the app is served only while a request is in flight, one request at a time.

:class:`RequestsAdapter` does the same for ``requests`` (mount it on a ``requests.Session``);
``requests`` is imported only when one is made.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import TYPE_CHECKING, Any

import httpx

from ..web.faults import DropConnection

if TYPE_CHECKING:
    from starlette.types import ASGIApp

DEFAULT_TIMEOUT = 30.0


class InProcessTransport(httpx.BaseTransport):
    """Send httpx requests to ``app`` running on ``loop`` (another thread's), no socket."""

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> None:
        """Reach ``app`` through ``loop``, the loop that serves it."""
        self._asgi = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run ``request`` on the app's loop; wait for its whole answer."""
        body = request.read()
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)

        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._asgi.handle_async_request(inner)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        future = asyncio.run_coroutine_threadsafe(send(), self._loop)
        try:
            status, headers, content = future.result(_read_timeout(request))
        except concurrent.futures.TimeoutError:
            # Not cancelled: as on a network, the tenant goes on and applies the request.
            raise httpx.ReadTimeout("the emulator did not answer in time", request=request) from None
        except DropConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response", request=request
            ) from None
        return httpx.Response(status, headers=headers, content=content, request=request)


class SyncASGITransport(httpx.BaseTransport):
    """Drive an ASGI app from a sync httpx client on a private event loop.

    Requests from several threads (batch-link's workers) take turns, one at a time, as the
    emulator's single event loop serves them over HTTP.
    """

    def __init__(self, app: Any) -> None:
        """Wrap ``app``."""
        self._inner = httpx.ASGITransport(app=app)
        #: an emulator's control secret, sent with its ``/__emulator/*`` calls
        self._control_token: str | None = getattr(app, "control_token", None)
        self._loop = asyncio.new_event_loop()
        self._turn = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run one request to completion."""

        async def run() -> httpx.Response:
            body = b"".join([chunk async for chunk in request.stream])  # type: ignore[union-attr] # requests built by httpx.Client have async-iterable bytes streams too
            if self._control_token and request.url.path.startswith("/__emulator/"):
                request.headers.setdefault("x-emulator-token", self._control_token)
            request.stream = httpx.ByteStream(body)
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        with self._turn:
            return self._loop.run_until_complete(run())

    def close(self) -> None:
        """Close the loop."""
        self._loop.close()


def _read_timeout(request: httpx.Request) -> float | None:
    """The request's read timeout (httpx puts it in the extensions), else 30 s."""
    timeout = request.extensions.get("timeout", {})
    value = timeout.get("read", DEFAULT_TIMEOUT) if isinstance(timeout, dict) else DEFAULT_TIMEOUT
    return float(value) if value is not None else None


def requests_adapter(transport: httpx.BaseTransport) -> Any:
    """A ``requests`` transport adapter sending through ``transport`` (``session.mount(base, …)``)."""
    import requests
    import requests.adapters

    class RequestsAdapter(requests.adapters.BaseAdapter):
        """``requests`` → httpx request → ``transport`` → ``requests.Response``."""

        def send(  # noqa: PLR0917 # requests' own signature, positional as it calls it
            self,
            request: requests.PreparedRequest,
            stream: bool = False,  # noqa: ARG002 # the whole body is read anyway
            timeout: float | tuple[float | None, float | None] | None = None,
            verify: bool | str = True,  # noqa: ARG002 # no TLS in process
            cert: str | tuple[str, str] | None = None,  # noqa: ARG002 # no TLS in process
            proxies: dict[str, str] | None = None,  # noqa: ARG002 # no network in process
        ) -> requests.Response:
            """Send one prepared request through the transport."""
            read = timeout[1] if isinstance(timeout, tuple) else timeout
            body = request.body.encode() if isinstance(request.body, str) else request.body or b""
            if not isinstance(body, bytes):
                raise TypeError("streamed request bodies are not supported in process; send bytes")
            outgoing = httpx.Request(
                str(request.method),
                str(request.url),
                headers=[(k, v if isinstance(v, str) else v.decode()) for k, v in request.headers.items()],
                content=body,
                extensions={"timeout": {"read": read if read is not None else DEFAULT_TIMEOUT}},
            )
            try:
                answer = transport.handle_request(outgoing)
            except httpx.TimeoutException as exc:
                raise requests.exceptions.ReadTimeout(str(exc), request=request) from exc
            except httpx.TransportError as exc:
                raise requests.exceptions.ConnectionError(str(exc), request=request) from exc
            response = requests.Response()
            response.status_code = answer.status_code
            response.headers = requests.structures.CaseInsensitiveDict(answer.headers.multi_items())
            response._content = answer.read()  # noqa: SLF001 # how requests' own adapters fill a body
            response.url = str(request.url)
            response.request = request
            response.encoding = requests.utils.get_encoding_from_headers(response.headers)
            response.reason = httpx.codes.get_reason_phrase(answer.status_code)
            return response

        def close(self) -> None:
            """Nothing to release (the transport is the tenant's)."""

    return RequestsAdapter()
