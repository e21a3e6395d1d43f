"""Cross-origin requests from browser applications (CORS), as Auth0 answers them.

A page at ``http://localhost:3000`` calling the tenant is cross-origin; auth0-spa-js adds an
``Auth0-Client`` header, so every call is preflighted (``OPTIONS`` with
``Access-Control-Request-Method``). A client's CORS origins are its Allowed Origins (CORS),
Allowed Web Origins and the origins of its Allowed Callback URLs (:meth:`.Client.cors_origins`).

==============================================  =============================================
``/oauth/token``, ``/oauth/revoke``,            the client is named in the body, so the
``/dbconnections/signup``, ``/passwordless/start``  preflight is answered for any origin; the
                                                request itself is refused with 401
                                                ``access_denied`` "Unauthorized" unless the
                                                origin is one of that client's (Auth0 logs it
                                                as "Failed by CORS"); answers carry CORS
                                                headers so the page can read the error
``/userinfo``, ``/.well-known/*``, ``/api/v2/*``  the client is not known: the origin must be
                                                one of any client's; another origin's
                                                preflight is 403 without CORS headers and its
                                                answers carry none, so the browser refuses
                                                them (undocumented; the most plausible)
==============================================  =============================================

Allowed answers echo the origin with ``Access-Control-Allow-Credentials: true`` (and
``Vary: Origin``); a preflight also lists the path's methods and echoes the requested headers.
Preflights are answered here, before fault injection and the Management API's rate limit, so
they are never faulted and never spend a rate-limit token. Requests without an ``Origin``, or
from the tenant's own origin, pass through untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from ..state.tenant import Tenant

CLIENT_CHECKED: Final = {
    "/oauth/token": b"POST",
    "/oauth/revoke": b"POST",
    "/dbconnections/signup": b"POST",
    "/passwordless/start": b"POST",
    "/dbconnections/change_password": b"POST",
}
TENANT_CHECKED: Final = (
    ("/co/authenticate", b"POST"),
    ("/userinfo", b"GET, POST"),
    ("/.well-known/", b"GET"),
    ("/api/v2/", b"GET, POST, PATCH, PUT, DELETE"),
)
_EXPOSED: Final = b"x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset"
MAX_AGE: Final = b"86400"  # undocumented; saves a preflight per call in the browser


def _policy(path: str) -> tuple[bytes, bool] | None:
    """``(allowed methods, any origin?)`` for a covered path, else ``None``."""
    if path in CLIENT_CHECKED:
        return CLIENT_CHECKED[path], True
    return next(((methods, False) for prefix, methods in TENANT_CHECKED if path.startswith(prefix)), None)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


class CorsMiddleware:
    """Answer preflights and add CORS headers to the answers of covered paths."""

    def __init__(self, app: ASGIApp, tenant: Tenant) -> None:
        """Wrap ``app`` for ``tenant``'s clients."""
        self.app = app
        self.tenant = tenant

    def _origin(self, scope: Scope) -> bytes | None:
        origin = _header(scope, b"origin")
        if origin is None or origin.decode("latin-1").lower() == self.tenant.origin:
            return None
        return origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Preflight, decorate, or pass through."""
        policy = _policy(scope["path"]) if scope["type"] == "http" else None
        origin = self._origin(scope) if policy is not None else None
        if policy is None or origin is None:
            await self.app(scope, receive, send)
            return
        methods, any_origin = policy
        allowed = any_origin or origin.decode("latin-1").lower() in self.tenant.cors_origins()
        headers = [(b"access-control-allow-origin", origin), (b"access-control-allow-credentials", b"true")]
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None:
            await self._preflight(scope, send, headers if allowed else [], methods)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/api/v2/"):
            headers.append((b"access-control-expose-headers", _EXPOSED))

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if not k.startswith(b"access-control-")]
                message = {**message, "headers": [*kept, *headers, (b"vary", b"Origin")]}
            await send(message)

        await self.app(scope, receive, decorated)

    @staticmethod
    async def _preflight(
        scope: Scope, send: Send, headers: list[tuple[bytes, bytes]], methods: bytes
    ) -> None:
        answer = [(b"vary", b"Origin"), (b"content-length", b"0")]
        if headers:
            answer += [
                *headers,
                (b"access-control-allow-methods", methods),
                (b"access-control-max-age", MAX_AGE),
            ]
            requested = _header(scope, b"access-control-request-headers")
            if requested:
                answer.append((b"access-control-allow-headers", requested))
        await send({"type": "http.response.start", "status": 204 if headers else 403, "headers": answer})
        await send({"type": "http.response.body", "body": b""})
