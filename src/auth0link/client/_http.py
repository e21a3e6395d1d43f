"""The HTTP core of :class:`~auth0link.client.Auth0Client`: one request loop with the retry policy.

See the package docstring for the policy. This module owns the ``httpx.Client`` (transport
injection, connection pool, timeouts, TLS trust from :mod:`._tls`), the redacted ``--debug`` log
and the last rate-limit headers seen; the API modules build on :meth:`HttpCore.request`.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import TYPE_CHECKING, Any, Final, Self
from urllib.parse import urlsplit

import httpx

from auth0link._redact import REDACTED, SECRET_FIELDS, redact_text, redact_value
from auth0link.client._tls import (
    PeerCertificate,
    describe,
    https_server_error,
    speaks_tls,
    ssl_context,
    tls_failure,
)
from auth0link.errors import Fix, NetworkError, TlsError, cmd
from auth0link.models import RateLimit

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Mapping
    from pathlib import Path

log = logging.getLogger("auth0link.http")

DEFAULT_TIMEOUT: Final = 15.0
IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS"})
HTTP_SERVER_ERROR: Final = 500
HTTP_UNAUTHORIZED: Final = 401
HTTP_TOO_MANY: Final = 429
#: request extension marking a streamed download: the debug log must not read its body
STREAMED: Final = "auth0link.streamed"
_GET_DOMAIN: Final = cmd("config", "get", "domain")


def _user_agent() -> str:
    from auth0link._version import __version__

    return f"auth0link/{__version__} (+https://github.com/auth0link/auth0link) httpx/{httpx.__version__}"


def _redacted_url(url: httpx.URL) -> str:
    if not url.query:
        return str(url)
    params: list[tuple[str, str | int | float | bool | None]] = [
        (k, REDACTED if k.lower() in SECRET_FIELDS else v)
        for k, v in httpx.QueryParams(url.query).multi_items()
    ]
    return str(url.copy_with(query=None)) + "?" + str(httpx.QueryParams(params))


def _redacted_body(content: bytes, content_type: str) -> str:
    if not content:
        return ""
    text = content[:4000].decode("utf-8", "replace")
    try:
        if "json" in content_type:
            return json.dumps(redact_value(json.loads(content)))
        if "x-www-form-urlencoded" in content_type:
            params = httpx.QueryParams(text)
            return str(
                httpx.QueryParams(
                    [(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in params.multi_items()]
                )
            )
    except ValueError:
        pass
    return redact_text(text)


class HttpCore:
    """The connection pool, the debug log and the request loop shared by both APIs."""

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        debug: bool = False,
        max_retries: int = 2,
        max_rate_limit_retries: int = 3,
        max_rate_limit_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_connections: int = 10,
        renew_token: Callable[[str], str] | None = None,
        ca_bundle: str | Path | None = None,
    ) -> None:
        """Build a client for ``base_url`` (``https://tenant.auth0.com``).

        ``renew_token(rejected)`` returns a new access token after the tenant answered 401 to
        ``rejected`` (the session layer refreshes it), or raises the error that says what to do.
        HTTPS is verified with the OS trust store plus the CAs in ``ca_bundle`` (see
        :mod:`._tls`); an injected ``transport`` brings its own.
        """
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.renew_token = renew_token
        self.max_retries = max_retries
        self.max_rate_limit_retries = max_rate_limit_retries
        self.max_rate_limit_wait = max_rate_limit_wait
        self.rate_limit = RateLimit(None, None, None)
        self._sleep = sleep
        self._clock = clock
        self._debug = debug
        hooks: dict[str, list[Callable[..., Any]]] = (
            {"request": [self._log_request], "response": [self._log_response]} if debug else {}
        )
        verify = True if transport is not None else ssl_context(str(ca_bundle) if ca_bundle else None)
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            mounts=None if transport is not None else _loopback_mounts(self.base_url, verify, limits),
            verify=verify,
            timeout=timeout,
            headers={"User-Agent": _user_agent(), "Accept": "application/json"},
            follow_redirects=False,
            event_hooks=hooks,
            limits=limits,
        )
        self.timeout = timeout
        # Only a real network connection can be probed for TLS (an injected transport has no socket).
        self._probe_tls = transport is None

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on exit."""
        self.close()

    # -- debug log -----------------------------------------------------------------------------

    def _log_request(self, request: httpx.Request) -> None:
        headers = {k: (REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in request.headers.items()}
        body = _redacted_body(request.content, request.headers.get("content-type", ""))
        log.debug("> %s %s %s %s", request.method, _redacted_url(request.url), headers, body)

    def _log_response(self, response: httpx.Response) -> None:
        if response.request.extensions.get(STREAMED):
            log.debug("< %s %s (streamed)", response.status_code, _redacted_url(response.request.url))
            return
        response.read()
        body = _redacted_body(response.content, response.headers.get("content-type", ""))
        log.debug("< %s %s %s", response.status_code, _redacted_url(response.request.url), body)

    # -- core request loop ---------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        base: float = min(8.0, 0.25 * (2**attempt))
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Seconds to wait after a 429: Retry-After, else x-ratelimit-reset, else 1 s."""
        retry_after = response.headers.get("retry-after")
        if retry_after and retry_after.strip().isdigit():
            return float(retry_after)
        reset = response.headers.get("x-ratelimit-reset")
        if reset:
            try:
                return max(0.0, float(reset) - self._clock()) + 0.05
            except ValueError:
                pass
        return 1.0

    def _remember_rate_limit(self, response: httpx.Response) -> None:
        headers = response.headers
        if "x-ratelimit-limit" not in headers:
            return

        def num(name: str) -> float | None:
            try:
                return float(headers[name])
            except (KeyError, ValueError):
                return None

        limit, remaining = num("x-ratelimit-limit"), num("x-ratelimit-remaining")
        self.rate_limit = RateLimit(
            int(limit) if limit is not None else None,
            int(remaining) if remaining is not None else None,
            num("x-ratelimit-reset"),
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        retry_rate_limit: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request with the retry policy in the module docstring; never raises httpx errors.

        ``retry_rate_limit=False`` hands a 429 back to the caller (device flow polling must see
        ``slow_down`` and lengthen its own interval).
        """
        attempt = 0
        limited = 0
        # host:port as configured: "127.0.0.1:8080", not "127.0.0.1", when a port was given
        host = urlsplit(url).netloc or urlsplit(self.base_url).netloc or "the server"
        while True:
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                where = urlsplit(url).netloc or urlsplit(self.base_url).netloc
                tls = tls_failure(exc, where) if isinstance(exc, httpx.ConnectError) else None
                if tls is not None:
                    raise tls from None
                if not never_sent and (mismatch := self._https_behind_http(url)) is not None:
                    raise mismatch from None
                if (method in IDEMPOTENT or never_sent) and attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise self._network_error(exc, method, host, sent=not never_sent) from None
            self._remember_rate_limit(response)
            if (
                response.status_code == HTTP_TOO_MANY
                and retry_rate_limit
                and limited < self.max_rate_limit_retries
            ):
                wait = self._rate_limit_wait(response)
                if wait <= self.max_rate_limit_wait:
                    log.debug("rate limited: waiting %.2f s", wait)
                    self._sleep(wait)
                    limited += 1
                    continue
            if (
                response.status_code >= HTTP_SERVER_ERROR
                and method in IDEMPOTENT
                and attempt < self.max_retries
            ):
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            return response

    def certificate(self) -> PeerCertificate | None:
        """The tenant's TLS certificate as a verified connection presents it (``auth0link doctor``).

        ``None`` over plain http or with an injected transport; a handshake failure is a
        :class:`~auth0link.errors.TlsError`, any other failure a ``NetworkError``.
        """
        if not self.base_url.startswith("https://"):
            return None
        host = urlsplit(self.base_url).netloc or "the server"
        try:
            with self._http.stream("GET", "/.well-known/openid-configuration") as response:
                stream = response.extensions.get("network_stream")
                ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
                # The C-level SSL object: getpeercert takes its flag positionally.
                der = ssl_object.getpeercert(True) if ssl_object is not None else None  # noqa: FBT003
        except httpx.TransportError as exc:
            connect = isinstance(exc, httpx.ConnectError)
            tls = tls_failure(exc, urlsplit(self.base_url).netloc) if connect else None
            raise (tls or self._network_error(exc, "GET", host, sent=False)) from None
        return describe(der) if der else None

    def _https_behind_http(self, url: str) -> TlsError | None:
        """For a plain-http request the server did not answer in HTTP: the error when it speaks TLS.

        A TLS server reads an HTTP request as a bad handshake and closes the connection, so the
        request was not applied; httpx sees only a protocol error ("RemoteProtocolError").
        """
        parts = urlsplit(url if "://" in url else self.base_url)
        if not self._probe_tls or parts.scheme != "http" or parts.hostname is None:
            return None
        port = parts.port or 80
        if not speaks_tls(parts.hostname, port):
            return None
        return https_server_error(parts.netloc)

    def _network_error(
        self, exc: httpx.TransportError, method: str, host: str, *, sent: bool
    ) -> NetworkError:
        maybe_applied = sent and method not in IDEMPOTENT
        unknown = " The request may or may not have been applied." if maybe_applied else ""
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return _connect_error(exc, host)
        if isinstance(exc, httpx.TimeoutException):
            return NetworkError(
                f"{host} did not answer within {self.timeout:g} s.{unknown}",
                hint="check your network, then try again (AUTH0LINK_TIMEOUT raises the limit)",
                maybe_applied=maybe_applied,
            )
        return NetworkError(
            f"The connection to {host} failed ({type(exc).__name__}).{unknown}",
            hint="try again; if it persists, run with --debug",
            maybe_applied=maybe_applied,
        )


def _loopback_mounts(
    base_url: str, verify: ssl.SSLContext | bool, limits: httpx.Limits
) -> dict[str, httpx.BaseTransport]:
    """Direct transports for loopback hosts, which never go through ``HTTP(S)_PROXY``/``ALL_PROXY``.

    A proxy variable set for the outside world must not see a local tenant's traffic (a plain-HTTP
    emulator's client secret, say). httpx's host-specific mounts win over its proxy mounts.
    """
    from auth0link._domain import is_loopback_host

    hosts = {"localhost", "127.0.0.1", "[::1]"}
    base_host = urlsplit(base_url).hostname or ""
    if is_loopback_host(base_host):
        hosts.add(f"[{base_host}]" if ":" in base_host else base_host)
    direct = httpx.HTTPTransport(verify=verify, limits=limits)
    return {f"all://{host}": direct for host in sorted(hosts)}


def _connect_error(exc: httpx.TransportError, host: str) -> NetworkError:
    """Why the connection to ``host`` (``host[:port]``) failed: a DNS failure, a refusal, or else."""
    import socket

    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return NetworkError(
                f"Could not resolve {host}: DNS lookup failed ({cause.strerror or cause}).",
                hint=Fix(
                    "check the tenant domain (",
                    _GET_DOMAIN,
                    "; a tenant's looks like TENANT.REGION.auth0.com), or this machine's DNS",
                ),
            )
        if isinstance(cause, ConnectionRefusedError):
            return NetworkError(
                f"Could not connect to {host}: connection refused (nothing listens on that port).",
                hint=Fix(
                    "check the domain and its port (",
                    _GET_DOMAIN,
                    "), and that the server (",
                    cmd("emulator"),
                    "?) is running",
                ),
            )
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectTimeout):
        return NetworkError(
            f"Could not connect to {host}: no answer in time.",
            hint=Fix("check the tenant domain (", _GET_DOMAIN, ") and your network"),
        )
    return NetworkError(
        f"Could not connect to {host}.",
        hint=Fix("check the tenant domain (", _GET_DOMAIN, ") and your network"),
    )
