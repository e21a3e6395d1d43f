"""``Auth0Client``: the only module that makes HTTP requests.

One small typed method per endpoint auth0link uses, on both Auth0 APIs:

* Authentication API (OIDC discovery, JWKS, ``/oauth/device/code``, ``/oauth/token``,
  ``/userinfo``, ``/oauth/revoke``) — errors become :class:`~auth0link.errors.OAuthError`
  carrying the RFC 6749 ``error`` code;
* Management API v2 (users, identities) — errors become :class:`~auth0link.errors.ApiError`
  subclasses carrying Auth0's ``statusCode``/``error``/``message``/``errorCode``.

Retry policy (as auth0-python and auth0-cli do, but never blind for writes):

* 429 on any method: the request was not processed, so wait until ``Retry-After`` /
  ``x-ratelimit-reset`` (bounded by ``max_rate_limit_wait``) and retry, at most
  ``max_rate_limit_retries`` times;
* 5xx, timeouts and dropped connections: retried only for GET (idempotent), with jittered
  exponential backoff; a POST/PATCH/DELETE is retried only if the connection was never made;
* 409 and other 4xx: never retried.

The transport is injectable (``transport=httpx.MockTransport(router.handler)`` in tests). With
``debug=True`` every request and response is logged on the ``auth0link.http`` logger with
tokens, secrets and codes redacted.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import TYPE_CHECKING, Any, Final, Self
from urllib.parse import quote, urlsplit

import httpx

from auth0link._redact import REDACTED, SECRET_FIELDS, redact_text, redact_value
from auth0link.errors import (
    ApiError,
    Conflict,
    LoginRequired,
    NetworkError,
    NotFound,
    OAuthError,
    ServerError,
    UsageError,
)
from auth0link.models import DeviceAuthorization, Identity, RateLimit, TokenResponse, User

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

log = logging.getLogger("auth0link.http")

DEFAULT_TIMEOUT: Final = 15.0
IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_HTTP_SERVER_ERROR: Final = 500
_HTTP_TOO_MANY: Final = 429


def _user_agent() -> str:
    from auth0link._version import __version__

    return f"auth0link/{__version__} (+https://github.com/auth0link/auth0link) httpx/{httpx.__version__}"


_DOT_SEGMENTS: Final = frozenset({"", ".", ".."})


def encode_segment(value: str) -> str:
    """Percent-encode one path segment: ``auth0|a/b`` → ``auth0%7Ca%2Fb``.

    An empty, ``.`` or ``..`` segment is refused before any request: HTTP clients collapse dot
    segments (RFC 3986 §5.2.4), so ``DELETE /users/{id}/identities/../.`` would become
    ``DELETE /users/{id}`` (deleting the user). No Auth0 user ID or provider is one of them.
    """
    if value in _DOT_SEGMENTS:
        raise UsageError(
            f"{value!r} is not a valid user ID, provider or identity ID. Nothing was sent.",
            hint="copy the IDs from: auth0link identities",
        )
    return quote(value, safe="")


def api_path(*segments: str) -> str:
    """``/users/{id}/identities/…``: the one place Management API paths are built.

    ``api_path("users", user_id)`` → ``/users/auth0%7Cabc``: every segment after the first is
    percent-encoded with :func:`encode_segment` (so dot and empty segments are refused); the first
    names the collection and is fixed text.
    """
    first, *rest = segments
    return "/" + "/".join([first, *(encode_segment(s) for s in rest)])


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


class Auth0Client:
    """A typed client for one Auth0 tenant (or any OIDC provider, for the auth endpoints)."""

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
    ) -> None:
        """Build a client for ``base_url`` (``https://tenant.auth0.com``)."""
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
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
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": _user_agent(), "Accept": "application/json"},
            follow_redirects=False,
            event_hooks=hooks,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        self.timeout = timeout

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
        host = urlsplit(url).hostname or urlsplit(self.base_url).hostname or "the server"
        while True:
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if (method in IDEMPOTENT or never_sent) and attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise self._network_error(exc, method, host, sent=not never_sent) from None
            self._remember_rate_limit(response)
            if (
                response.status_code == _HTTP_TOO_MANY
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
                response.status_code >= _HTTP_SERVER_ERROR
                and method in IDEMPOTENT
                and attempt < self.max_retries
            ):
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            return response

    def _network_error(
        self, exc: httpx.TransportError, method: str, host: str, *, sent: bool
    ) -> NetworkError:
        maybe_applied = sent and method not in IDEMPOTENT
        unknown = " The request may or may not have been applied." if maybe_applied else ""
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return NetworkError(
                f"Could not connect to {host}.",
                hint="check the tenant domain (auth0link config get domain) and your network",
            )
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

    # -- response decoding ---------------------------------------------------------------------

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ServerError(
                f"The server sent an invalid response (HTTP {response.status_code}, not JSON).",
                status_code=response.status_code,
                hint="try again later; run with --debug to see the response",
            ) from None

    def _api_error(self, response: httpx.Response) -> ApiError | LoginRequired:  # noqa: PLR0911
        """Turn a Management API error response into the matching error class."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        message = str(body.get("message") or response.reason_phrase or f"HTTP {status}")
        message = redact_text(message)[:500]
        error = body.get("error") if isinstance(body.get("error"), str) else None
        error_code = body.get("errorCode") if isinstance(body.get("errorCode"), str) else None
        fields: dict[str, Any] = {"status_code": status, "error": error, "error_code": error_code}
        if status == 401:  # noqa: PLR2004 - HTTP status
            return LoginRequired(
                f"The Management API rejected the access token ({message.rstrip('.')}).",
                hint="run: auth0link login",
            )
        if status == 403 and error_code == "insufficient_scope":  # noqa: PLR2004
            wanted = message.split("expected any of:", 1)[-1].strip() if "expected any of:" in message else ""
            first = wanted.split(",")[0].strip() if wanted else ""
            hint = (
                f"log in again with the missing scope: auth0link login --scopes '<current scopes> {first}'"
                if first
                else "log in again with the scopes this command needs: auth0link login"
            )
            return ApiError(f"Insufficient scope: {message}", hint=hint, **fields)
        if status == 404:  # noqa: PLR2004
            return NotFound(message, hint="check the user ID (auth0link identities)", **fields)
        if status == 409:  # noqa: PLR2004
            return Conflict(message, hint="nothing was changed", **fields)
        if status == _HTTP_TOO_MANY:
            return ApiError(
                f"Rate limited by the tenant: {message}",
                hint="wait a moment and try again; batch commands pace themselves",
                **fields,
            )
        if status >= _HTTP_SERVER_ERROR:
            return ServerError(
                f"The tenant failed (HTTP {status}): {message}",
                hint="try again later; see status.auth0.com",
                **fields,
            )
        return ApiError(message, hint="see the message above; run with --debug for details", **fields)

    @staticmethod
    def _oauth_error(response: httpx.Response) -> OAuthError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        error = str(body.get("error") or f"http_{response.status_code}")
        description = redact_text(str(body.get("error_description") or body.get("message") or error))[:500]
        return OAuthError(
            f"The authorization server refused the request: {description} ({error}).",
            error=error,
            status_code=response.status_code,
            hint="run: auth0link login" if error == "invalid_grant" else "run: auth0link doctor",
        )

    # -- Management API ------------------------------------------------------------------------

    def _mgmt(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self.access_token:
            raise LoginRequired
        headers = {"Authorization": f"Bearer {self.access_token}"}
        response = self.request(method, f"/api/v2{path}", headers=headers, **kwargs)
        if response.is_success:
            return self._json(response) if response.content else None
        raise self._api_error(response)

    def get_user(self, user_id: str) -> User:
        """``GET /api/v2/users/{id}``."""
        data = self._mgmt("GET", api_path("users", user_id))
        if not isinstance(data, dict):
            raise ServerError("The tenant sent an unexpected user body.", status_code=200)
        return User.from_api(data)

    def patch_user_metadata(self, user_id: str, user_metadata: Mapping[str, Any]) -> User:
        """``PATCH /api/v2/users/{id}`` with ``user_metadata`` (merged at the top level by Auth0)."""
        data = self._mgmt(
            "PATCH",
            api_path("users", user_id),
            json={"user_metadata": dict(user_metadata)},
        )
        return User.from_api(data if isinstance(data, dict) else {})

    def patch_user(self, user_id: str, body: Mapping[str, Any]) -> User:
        """``PATCH /api/v2/users/{id}`` with any body (admin: ``update:users``)."""
        data = self._mgmt("PATCH", api_path("users", user_id), json=dict(body))
        return User.from_api(data if isinstance(data, dict) else {})

    def link_identity(
        self,
        primary_user_id: str,
        *,
        link_with: str | None = None,
        provider: str | None = None,
        user_id: str | None = None,
        connection_id: str | None = None,
    ) -> list[Identity]:
        """``POST /api/v2/users/{primary}/identities``: ``link_with`` (ID token) or provider/user_id."""
        body: dict[str, str]
        if link_with is not None:
            if provider or user_id or connection_id:
                raise ValueError("pass either link_with or provider/user_id, not both")
            body = {"link_with": link_with}
        elif provider and user_id:
            body = {"provider": provider, "user_id": user_id}
            if connection_id:
                body["connection_id"] = connection_id
        else:
            raise ValueError("link_identity needs link_with or provider and user_id")
        data = self._mgmt("POST", api_path("users", primary_user_id) + "/identities", json=body)
        return [Identity.from_api(i) for i in data or [] if isinstance(i, dict)]

    def unlink_identity(self, primary_user_id: str, provider: str, user_id: str) -> list[Identity]:
        """``DELETE /api/v2/users/{primary}/identities/{provider}/{user_id}``."""
        path = api_path("users", primary_user_id) + api_path("identities", provider, user_id)
        data = self._mgmt("DELETE", path)
        return [Identity.from_api(i) for i in data or [] if isinstance(i, dict)]

    def users_by_email(self, email: str) -> list[User]:
        """``GET /api/v2/users-by-email?email=…``."""
        data = self._mgmt("GET", "/users-by-email", params={"email": email})
        return [User.from_api(u) for u in data or [] if isinstance(u, dict)]

    def search_users(
        self, query: str, *, page: int = 0, per_page: int = 50, include_totals: bool = True
    ) -> tuple[list[User], int | None]:
        """``GET /api/v2/users?q=…&search_engine=v3`` → (users, total when included)."""
        params = {
            "q": query,
            "search_engine": "v3",
            "page": str(page),
            "per_page": str(per_page),
            "include_totals": "true" if include_totals else "false",
        }
        data = self._mgmt("GET", "/users", params=params)
        if isinstance(data, dict):
            users = data.get("users") or []
            total = data.get("total")
            return [User.from_api(u) for u in users if isinstance(u, dict)], (
                int(total) if isinstance(total, int) else None
            )
        return [User.from_api(u) for u in data or [] if isinstance(u, dict)], None

    # -- Authentication API --------------------------------------------------------------------

    def get_json(self, url: str) -> Any:
        """GET a public JSON document (discovery, JWKS) by URL or path."""
        response = self.request("GET", url)
        if not response.is_success:
            raise NetworkError(
                f"{url} answered HTTP {response.status_code}.",
                hint="check the tenant domain (auth0link doctor)",
            )
        return self._json(response)

    def discovery(self) -> dict[str, Any]:
        """``GET /.well-known/openid-configuration``."""
        data = self.get_json("/.well-known/openid-configuration")
        if not isinstance(data, dict):
            raise ServerError("The discovery document is not a JSON object.", status_code=200)
        return data

    def _oauth_post(self, url: str, data: Mapping[str, str], *, retry_rate_limit: bool = True) -> Any:
        response = self.request("POST", url, data=dict(data), retry_rate_limit=retry_rate_limit)
        if response.is_success:
            return self._json(response) if response.content else {}
        if response.status_code >= _HTTP_SERVER_ERROR:
            # A failing server is not a refusal: exit 5 ("try again"), not 3 ("log in again").
            raise ServerError(
                f"The authorization server failed (HTTP {response.status_code}).",
                status_code=response.status_code,
                hint="try again later; nothing was stored",
            )
        raise self._oauth_error(response)

    def token(self, data: Mapping[str, str], *, endpoint: str = "/oauth/token") -> TokenResponse:
        """``POST /oauth/token`` (any grant; form-encoded, as RFC 6749 requires)."""
        # Device-code polling handles 429 `slow_down` itself (RFC 8628 §3.5).
        polling = data.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code"
        body = self._oauth_post(endpoint, data, retry_rate_limit=not polling)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            # Decide on the `error` field, not the status: some servers answer 200 with an error.
            raise self._oauth_error(httpx.Response(400, json=body))
        result = TokenResponse.from_api(body if isinstance(body, dict) else {})
        if not result.access_token:
            raise ServerError("The token endpoint returned no access token.", status_code=200)
        return result

    def device_authorization(
        self, data: Mapping[str, str], *, endpoint: str = "/oauth/device/code"
    ) -> DeviceAuthorization:
        """``POST /oauth/device/code`` (RFC 8628 §3.1)."""
        body = self._oauth_post(endpoint, data)
        result = DeviceAuthorization.from_api(body if isinstance(body, dict) else {})
        if not (result.device_code and result.user_code and result.verification_uri):
            raise ServerError("The device authorization response is incomplete.", status_code=200)
        return result

    def userinfo(self, access_token: str, *, endpoint: str = "/userinfo") -> dict[str, Any]:
        """``GET /userinfo`` with the given access token."""
        response = self.request("GET", endpoint, headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code == 401:  # noqa: PLR2004 - HTTP status
            raise LoginRequired("The access token was rejected by /userinfo.")
        if not response.is_success:
            raise self._oauth_error(response)
        data = self._json(response)
        return data if isinstance(data, dict) else {}

    def revoke(self, data: Mapping[str, str], *, endpoint: str = "/oauth/revoke") -> None:
        """``POST /oauth/revoke`` (a refresh token)."""
        self._oauth_post(endpoint, data)

    def probe(self, url: str) -> tuple[int, str]:
        """GET a page without following redirects: (status, first 4 KB of text).

        Used to ask an authorize endpoint whether it accepts a ``redirect_uri`` before the user
        is sent there (Auth0 shows "Callback URL mismatch" as a 400 page).
        """
        response = self.request("GET", url, headers={"Accept": "text/html,application/json"})
        return response.status_code, response.content[:4096].decode("utf-8", "replace")
