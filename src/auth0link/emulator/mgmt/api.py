"""The Management API (``/api/v2``) as a lean raw ASGI app (the benchmarked hot path).

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

from ..protocol import password_policy
from ..state.model import ManagementError, json_type
from . import admin, configuration
from .checks import bad_body as _bad_body
from .checks import json_object as _json_object
from .checks import require
from .search_query import bad_query
from .user_search import project, search

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from ..protocol.rate_limit import TokenBucket
    from ..state.model import User
    from ..state.tenant import Tenant


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
_PATCH_FIELDS = {
    "user_metadata",
    "app_metadata",
    "name",
    "nickname",
    "picture",
    "email",
    "email_verified",
    "given_name",
    "family_name",
    "blocked",
    # Accepted like Auth0's PATCH schema; the emulator stores only the fields above.
    "phone_number",
    "phone_verified",
    "username",
    "connection",
    "client_id",
    "password",
    "verify_email",
    "verify_phone_number",
    "verify_password",
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


class ManagementAPI:
    """``/api/v2/*``: users (get, create, patch, delete, search, link), clients, connections, jobs.

    Export jobs are :mod:`.export_jobs`, import jobs :mod:`.import_jobs`, the configuration
    :mod:`.configuration`.
    """

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

    # -- routing ------------------------------------------------------------------------------

    def dispatch(self, scope: Scope, body: bytes) -> tuple[int, Any]:  # noqa: PLR0911 - one return per route (no table lookup on the hot path)
        """Route on method and raw path segments."""
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        prefix = path.find("/api/v2/")
        parts = [unquote(p) for p in path[prefix + len("/api/v2/") :].split("/")] if prefix >= 0 else []
        method = scope["method"]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        route = (method, len(parts), parts[0] if parts else "")
        if route == ("GET", 2, "users") and parts[1]:
            claims = self._auth(scope)
            return 200, project(self.get_user(claims, parts[1]), query)
        if route == ("DELETE", 2, "users") and parts[1]:
            claims = self._auth(scope)
            self._require(claims, ("delete:users",), (), None)
            self.tenant.delete_user(parts[1])
            return 204, None
        if route == ("PATCH", 2, "users") and parts[1]:
            claims = self._auth(scope)
            return 200, self.patch_user(claims, parts[1], body)
        if route == ("POST", 3, "users") and parts[2] == "identities":
            claims = self._auth(scope)
            return 201, self.link(claims, parts[1], body)
        if route == ("DELETE", 5, "users") and parts[2] == "identities":
            claims = self._auth(scope)
            return 200, self.unlink(claims, parts[1], parts[3], parts[4])
        if route == ("GET", 1, "users-by-email"):
            claims = self._auth(scope)
            return 200, [project(u, query) for u in self.users_by_email(claims, query)]
        if route == ("GET", 1, "users"):
            claims = self._auth(scope)
            return 200, self.search(claims, query)
        return self._dispatch_more(scope, route, parts, query, body)

    def _dispatch_more(
        self,
        scope: Scope,
        route: tuple[str, int, str],
        parts: list[str],
        query: dict[str, list[str]],
        body: bytes,
    ) -> tuple[int, Any]:
        """The routes off the hot path: creating users, clients, connections, export jobs."""
        if route == ("POST", 1, "users"):
            return 201, admin.create_user(self.tenant, self._auth(scope), body)
        if route in (("GET", 1, "clients"), ("GET", 1, "connections")):
            lister = admin.list_clients if parts[0] == "clients" else admin.list_connections
            return 200, lister(self.tenant, self._auth(scope), query)
        if route == ("POST", 2, "jobs") and parts[1] == "users-exports":
            self._require(self._auth(scope), ("read:users",), (), None)
            # 200, not the reference's 201 (auth0/go-auth0, TestJobManager_ExportUsers.yaml).
            return 200, self.tenant.exports.create(_json_object(body))
        imported = self._import_jobs(scope, route, parts, body)
        if imported is not None:
            return imported
        if route == ("GET", 2, "jobs") and parts[1]:
            self._require(self._auth(scope), JOB_READERS, (), None)
            return 200, self.tenant.exports.view(parts[1])
        handler = configuration.route(route[0], parts)
        if handler is not None:
            return handler(self.tenant, self._auth(scope), parts, query)
        raise ManagementError(404, "Not Found", "not_found")

    def _import_jobs(
        self, scope: Scope, route: tuple[str, int, str], parts: list[str], body: bytes
    ) -> tuple[int, Any] | None:
        """``POST /jobs/users-imports``, ``GET /jobs/{import id}``, ``GET /jobs/{id}/errors``."""
        imports = self.tenant.imports
        if route == ("POST", 2, "jobs") and parts[1] == "users-imports":
            self._require(self._auth(scope), ("create:users",), (), None)
            content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
            return 202, imports.create(self.tenant, content_type.decode("latin-1"), body)
        if route == ("GET", 2, "jobs") and parts[1] in imports:
            self._require(self._auth(scope), JOB_READERS, (), None)
            return 200, imports.view(parts[1], self.tenant.now())
        if route == ("GET", 3, "jobs") and parts[1] and parts[2] == "errors":
            self._require(self._auth(scope), JOB_READERS, (), None)
            if parts[1] not in imports:
                self.tenant.exports.view(parts[1])  # 404 for an unknown job
                return 204, None  # an export job has no import errors
            errors = imports.errors(parts[1])
            return (200, errors) if errors else (204, None)
        return None

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

    _require = staticmethod(require)

    # -- handlers -----------------------------------------------------------------------------

    def get_user(self, claims: dict[str, Any], user_id: str) -> dict[str, Any]:
        """``GET /users/{id}``."""
        self._require(claims, ("read:users",), ("read:current_user",), user_id)
        return self.tenant.users.get_user(user_id).to_json()

    def patch_user(self, claims: dict[str, Any], user_id: str, raw: bytes) -> dict[str, Any]:
        """``PATCH /users/{id}``: metadata merge; user tokens may touch ``user_metadata`` only."""
        body = _json_object(raw)
        if set(body) <= {"user_metadata"}:  # an empty body too: the scope check comes first
            self._require(
                claims,
                ("update:users",),
                (
                    "update:current_user_metadata",
                    "create:current_user_metadata",
                    "delete:current_user_metadata",
                ),
                user_id,
            )
        else:
            self._require(claims, ("update:users",), (), None)
        if not body:
            raise _bad_body("Too few properties defined (0), minimum 1")
        unknown = sorted(set(body) - _PATCH_FIELDS)
        if unknown:
            raise _bad_body(f"Additional properties not allowed: {','.join(unknown)}")
        for key in ("user_metadata", "app_metadata"):
            if key in body and body[key] is not None and not isinstance(body[key], dict):
                raise _bad_body(f"Expected type object but found type {json_type(body[key])}")
        users = self.tenant.users
        user = users.get_user(user_id)
        if "password" in body:
            self._check_password(user, body["password"])
        users.patch(user, body)
        return user.to_json()

    def _check_password(self, user: User, password: Any) -> None:
        """A new password for a database user, checked against its connection's policy."""
        if not isinstance(password, str):
            raise _bad_body(f"Expected type string but found type {json_type(password)}")
        conn = self.tenant.connections.get(user.identities[0].connection)
        if user.identities[0].provider != "auth0" or conn is None:
            # Undocumented wording: only a database identity has a password to change.
            raise ManagementError(400, "Cannot update password for non-database connections", "invalid_body")
        if not password_policy.check(str(conn.options.get("passwordPolicy", "good")), password)[0]:
            raise ManagementError(400, "PasswordStrengthError: Password is too weak", "invalid_body")

    def users_by_email(self, claims: dict[str, Any], query: dict[str, list[str]]) -> list[Any]:
        """``GET /users-by-email?email=…``."""
        self._require(claims, ("read:users",), (), None)
        email = query.get("email", [""])[0]
        if not email:
            raise bad_query("Missing required property: email")
        return [user.to_json() for user in self.tenant.users.by_email(email)]

    def search(self, claims: dict[str, Any], query: dict[str, list[str]]) -> Any:
        """``GET /users?q=…&search_engine=v3&page=&per_page=&include_totals=`` (Auth0's limits)."""
        self._require(claims, ("read:users",), (), None)
        return search(self.tenant.users.values(), query)

    def link(self, claims: dict[str, Any], user_id: str, raw: bytes) -> list[Any]:
        """``POST /users/{id}/identities`` (``link_with`` or ``provider``/``user_id``)."""
        body = _json_object(raw)
        if "link_with" in body:
            self._require(claims, ("update:users",), ("update:current_user_identities",), user_id)
            extra = sorted({"provider", "user_id", "connection_id"} & set(body))
            if extra:
                raise _bad_body(f"Additional properties not allowed: {','.join(extra)}")
            secondary = self._verify_link_with(body["link_with"], claims)
            sec_provider, _, raw_id = secondary.partition("|")
            return self.tenant.users.link(user_id, sec_provider, raw_id)
        self._require(claims, ("update:users",), (), None)
        provider: Any = body.get("provider")
        secondary_id: Any = body.get("user_id")
        if not (isinstance(provider, str) and provider):
            raise _bad_body("Missing required property: provider")
        if isinstance(secondary_id, int):
            secondary_id = str(secondary_id)
        if not isinstance(secondary_id, str) or not secondary_id:
            raise _bad_body("Missing required property: user_id")
        # The Go SDK sends the secondary's full ID ("auth0|63d1…") with its provider, and a real
        # tenant links it (auth0/go-auth0, test/data/recordings/TestUserManager_Link.yaml).
        secondary_id = secondary_id.removeprefix(f"{provider}|")
        connection_id = body.get("connection_id")
        if connection_id is not None and not isinstance(connection_id, str):
            raise _bad_body("Expected type string but found type " + json_type(connection_id))
        return self.tenant.users.link(user_id, provider, secondary_id, connection_id)

    def _verify_link_with(self, token: Any, claims: dict[str, Any]) -> str:
        """Check the secondary ID token: RS256, this tenant's, unexpired, ``aud`` == ``azp``."""
        tenant = self.tenant
        if not isinstance(token, str) or not token:
            raise _bad_body("Expected type string for link_with")
        id_claims = tenant.key.verify(token)
        if id_claims is None or id_claims.get("iss") != tenant.issuer:
            # Undocumented wording; the ID token is refused as a bad body.
            raise ManagementError(
                400, "JWT (link_with) is not valid: invalid signature or issuer.", "invalid_body"
            )
        if not isinstance(id_claims.get("exp"), int) or id_claims["exp"] <= tenant.now():
            raise ManagementError(400, "JWT (link_with) has expired.", "invalid_body")
        if id_claims.get("aud") != claims.get("azp"):
            raise ManagementError(
                400,
                "JWT (link_with) audience does not match the access token's azp.",
                "invalid_body",
            )
        sub = id_claims.get("sub")
        if not isinstance(sub, str) or "|" not in sub:
            raise ManagementError(400, "JWT (link_with) has no valid sub.", "invalid_body")
        return sub

    def unlink(self, claims: dict[str, Any], user_id: str, provider: str, raw_id: str) -> list[Any]:
        """``DELETE /users/{id}/identities/{provider}/{user_id}``."""
        self._require(claims, ("update:users",), ("update:current_user_identities",), user_id)
        return self.tenant.users.unlink(user_id, provider, raw_id)
