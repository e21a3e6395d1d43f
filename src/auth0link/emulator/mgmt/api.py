"""The Management API (``/api/v2``) as a lean raw ASGI app (the benchmarked hot path).

:data:`ROUTES` is its one route table: find an endpoint by its path there. A path no row
matches gets a fresh tenant's answer (:mod:`.fresh_tenant`) or 404.

Path segments are split on the *raw* path before percent-decoding, so an ID holding an encoded
``/`` (``%2F``) or ``|`` (``%7C``) reaches the handler intact. Every response carries the
``x-ratelimit-*`` headers; past the limit the answer is 429 ``too_many_requests``.

Order of checks (as Auth0): rate limit → route → token (401) → scope (403) → body/query (400) →
existence (404) → conflict (409).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from ..state.model import ManagementError
from . import admin, configuration, fresh_tenant, users
from .checks import json_object, require
from .routing import Call, RouteTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import Receive, Scope, Send

    from ..protocol.rate_limit import TokenBucket
    from ..state.tenant import Tenant

    Handler = Callable[[Tenant, dict[str, Any], Call], tuple[int, Any]]
    PartsHandler = Callable[[Tenant, dict[str, Any], list[str], dict[str, list[str]]], tuple[int, Any]]


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
}
# Scopes that may read a job ("Check export status" in Auth0's Bulk User Exports).
JOB_READERS = ("create:users", "read:users", "create:passwords_checking_job")


def error_body(status: int, message: str, error_code: str) -> dict[str, Any]:
    """Auth0's Management API error body.

    ``{statusCode, error, message, errorCode}``, except for 401s, which come from Auth0's token
    check (hapi) without an ``errorCode``: "Missing authentication" is bare, and token errors
    carry ``attributes: {error: message}``, as real tenants answer.
    """
    body: dict[str, Any] = {
        "statusCode": status,
        "error": _REASONS.get(status, "Error"),
        "message": message,
    }
    if status != 401:  # noqa: PLR2004 - HTTP status
        body["errorCode"] = error_code
    elif error_code != "missing_authentication":
        body["attributes"] = {"error": message}
    return body


def _create_user(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    return 201, admin.create_user(tenant, claims, call.body)


def _list_clients(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    return 200, admin.list_clients(tenant, claims, call.query)


def _list_connections(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    return 200, admin.list_connections(tenant, claims, call.query)


def _create_export(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    require(claims, ("read:users",), (), None)
    # 200, not the reference's 201 (auth0/go-auth0, TestJobManager_ExportUsers.yaml).
    return 200, tenant.exports.create(json_object(call.body))


def _create_import(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    require(claims, ("create:users",), (), None)
    return 202, tenant.imports.create(tenant, call.content_type, call.body)


def _get_job(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    require(claims, JOB_READERS, (), None)
    job_id = call.parts[1]
    if job_id in tenant.imports:
        return 200, tenant.imports.view(job_id, tenant.now())
    return 200, tenant.exports.view(job_id)


def _job_errors(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    require(claims, JOB_READERS, (), None)
    job_id = call.parts[1]
    if job_id not in tenant.imports:
        tenant.exports.view(job_id)  # 404 for an unknown job
        return 204, None  # an export job has no import errors
    errors = tenant.imports.errors(job_id)
    return (200, errors) if errors else (204, None)


def _parts(handler: PartsHandler) -> Handler:
    """A handler of ``(tenant, claims, parts, query)`` as a table handler."""
    return lambda tenant, claims, call: handler(tenant, claims, call.parts, call.query)


# Every row needs a valid token (401 before 403); the handler checks the scopes.
ROUTES: RouteTable[Handler] = RouteTable(
    [
        ("GET", "/users/{id}", users.get_user),
        ("PATCH", "/users/{id}", users.patch_user),
        ("DELETE", "/users/{id}", users.delete_user),
        ("GET", "/users", users.search_users),
        ("POST", "/users", _create_user),
        ("GET", "/users-by-email", users.users_by_email),
        ("POST", "/users/{id}/identities", users.link),
        ("DELETE", "/users/{id}/identities/{provider}/{user_id}", users.unlink),
        ("GET", "/clients", _list_clients),
        ("GET", "/clients/{id}", _parts(configuration.get_client)),
        ("GET", "/connections", _list_connections),
        ("GET", "/connections/{id}", _parts(configuration.get_connection)),
        ("GET", "/connections/{id}/clients", _parts(configuration.connection_clients)),
        ("GET", "/client-grants", _parts(configuration.list_client_grants)),
        ("GET", "/resource-servers", _parts(configuration.list_resource_servers)),
        ("GET", "/resource-servers/{id}", _parts(configuration.get_resource_server)),
        ("GET", "/tenants/settings", _parts(configuration.tenant_settings)),
        ("POST", "/jobs/users-exports", _create_export),
        ("POST", "/jobs/users-imports", _create_import),
        ("GET", "/jobs/{id}", _get_job),
        ("GET", "/jobs/{id}/errors", _job_errors),
    ]
)


def find_route(method: str, parts: list[str]) -> Handler | None:
    """The handler of ``method`` on ``/api/v2/`` + ``parts``: the table's, else a fresh tenant's."""
    handler = ROUTES.find(method, parts)
    if handler is None:
        fresh = fresh_tenant.route(method, parts)
        if fresh is not None:
            handler = _parts(fresh)
    return handler


class ManagementAPI:
    """``/api/v2/*``: every endpoint of :data:`ROUTES`, under the rate limit, behind the token check."""

    def __init__(self, tenant: Tenant, bucket: TokenBucket) -> None:
        """Serve ``tenant`` under the rate limit ``bucket``."""
        self.tenant = tenant
        self.bucket = bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request."""
        allowed, headers = self.bucket.take()
        if allowed:
            body = b""
            if scope["method"] in ("POST", "PATCH", "PUT"):
                more = True
                while more:
                    message = await receive()
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
            try:
                status, payload = self.dispatch(scope, body)
            except ManagementError as exc:
                status, payload = exc.status, error_body(exc.status, exc.message, exc.error_code)
        else:
            status = 429
            payload = error_body(429, "Global limit has been reached", "too_many_requests")
        data = b"" if status == 204 else json.dumps(payload, separators=(",", ":")).encode()  # noqa: PLR2004
        raw_headers = [(b"content-length", str(len(data)).encode()), (b"cache-control", b"no-cache")]
        if data:
            raw_headers.append((b"content-type", b"application/json; charset=utf-8"))
        raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": data})

    def dispatch(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        """Route on method and raw path segments, check the token, run the handler."""
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        prefix = path.find("/api/v2/")
        parts = [unquote(p) for p in path[prefix + len("/api/v2/") :].split("/")] if prefix >= 0 else []
        handler = ROUTES.find(scope["method"], parts) or find_route(scope["method"], parts)
        if handler is None:
            raise ManagementError(404, "Not Found", "not_found")
        claims = self._auth(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        content_type = b""
        if scope["method"] != "GET":
            content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        return handler(self.tenant, claims, Call(parts, query, body, content_type.decode("latin-1")))

    def _auth(self, scope: Scope) -> dict[str, Any]:
        header = b""
        for key, value in scope["headers"]:
            if key == b"authorization":
                header = value
                break
        if not header:
            raise ManagementError(401, "Missing authentication", "missing_authentication")
        kind, _, token = header.decode("latin-1").partition(" ")
        tenant = self.tenant
        claims = tenant.key.verify(token.strip()) if kind.lower() == "bearer" else None
        if claims is None:
            raise ManagementError(401, "Invalid token", "invalid_token")
        if claims.get("iss") != tenant.issuer:
            raise ManagementError(401, "Invalid token", "invalid_token")
        aud = claims.get("aud")
        if tenant.api_audience not in (aud if isinstance(aud, list) else [aud]):
            raise ManagementError(401, f"Bad audience: {aud}", "invalid_token")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= tenant.now():
            raise ManagementError(
                401, "Expired token received for JSON Web Token validation", "invalid_token"
            )
        return claims
