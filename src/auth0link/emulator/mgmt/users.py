"""Management API: the ``/users`` endpoints (get, patch, delete, search, by email, link, unlink).

Each handler takes the tenant, the verified token's claims and the :class:`~.routing.Call`, and
answers ``(status, payload)``; :mod:`.api` routes to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..protocol import password_policy
from ..state.model import ManagementError, json_type
from .checks import bad_body as _bad_body
from .checks import json_object as _json_object
from .checks import require
from .search_query import bad_query
from .user_search import project, search

if TYPE_CHECKING:
    from ..state.model import User
    from ..state.tenant import Tenant
    from .routing import Call

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


def get_user(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``GET /users/{id}``."""
    user_id = call.parts[1]
    require(claims, ("read:users",), ("read:current_user",), user_id)
    return 200, project(tenant.users.get_user(user_id).to_json(), call.query)


def delete_user(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``DELETE /users/{id}``."""
    require(claims, ("delete:users",), (), None)
    tenant.delete_user(call.parts[1])
    return 204, None


def patch_user(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``PATCH /users/{id}``."""
    return 200, _patch(tenant, claims, call.parts[1], call.body)


def _patch(tenant: Tenant, claims: dict[str, Any], user_id: str, raw: bytes) -> dict[str, Any]:
    """``PATCH /users/{id}``: metadata merge; user tokens may touch ``user_metadata`` only."""
    body = _json_object(raw)
    if set(body) <= {"user_metadata"}:  # an empty body too: the scope check comes first
        require(
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
        require(claims, ("update:users",), (), None)
    if not body:
        raise _bad_body("Too few properties defined (0), minimum 1")
    unknown = sorted(set(body) - _PATCH_FIELDS)
    if unknown:
        raise _bad_body(f"Additional properties not allowed: {','.join(unknown)}")
    for key in ("user_metadata", "app_metadata"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            raise _bad_body(f"Expected type object but found type {json_type(body[key])}")
    users = tenant.users
    user = users.get_user(user_id)
    if "password" in body:
        _check_password(tenant, user, body["password"])
    users.patch(user, body)
    return user.to_json()


def _check_password(tenant: Tenant, user: User, password: Any) -> None:
    """A new password for a database user, checked against its connection's policy."""
    if not isinstance(password, str):
        raise _bad_body(f"Expected type string but found type {json_type(password)}")
    conn = tenant.connections.get(user.identities[0].connection)
    if user.identities[0].provider != "auth0" or conn is None:
        # Undocumented wording: only a database identity has a password to change.
        raise ManagementError(400, "Cannot update password for non-database connections", "invalid_body")
    if not password_policy.check(str(conn.options.get("passwordPolicy", "good")), password)[0]:
        raise ManagementError(400, "PasswordStrengthError: Password is too weak", "invalid_body")


def users_by_email(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``GET /users-by-email?email=…``."""
    query = call.query
    require(claims, ("read:users",), (), None)
    email = query.get("email", [""])[0]
    if not email:
        raise bad_query("Missing required property: email")
    return 200, [project(user.to_json(), query) for user in tenant.users.by_email(email)]


def search_users(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``GET /users?q=…&search_engine=v3&page=&per_page=&include_totals=`` (Auth0's limits)."""
    require(claims, ("read:users",), (), None)
    return 200, search(tenant.users.values(), call.query)


def link(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``POST /users/{id}/identities`` (``link_with`` or ``provider``/``user_id``)."""
    return 201, _link(tenant, claims, call.parts[1], _json_object(call.body))


def _link(tenant: Tenant, claims: dict[str, Any], user_id: str, body: dict[str, Any]) -> list[Any]:
    if "link_with" in body:
        require(claims, ("update:users",), ("update:current_user_identities",), user_id)
        extra = sorted({"provider", "user_id", "connection_id"} & set(body))
        if extra:
            raise _bad_body(f"Additional properties not allowed: {','.join(extra)}")
        secondary = _verify_link_with(tenant, body["link_with"], claims)
        sec_provider, _, raw_id = secondary.partition("|")
        return tenant.users.link(user_id, sec_provider, raw_id)
    require(claims, ("update:users",), (), None)
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
    return tenant.users.link(user_id, provider, secondary_id, connection_id)


def _verify_link_with(tenant: Tenant, token: Any, claims: dict[str, Any]) -> str:
    """Check the secondary ID token: RS256, this tenant's, unexpired, ``aud`` == ``azp``."""
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


def unlink(tenant: Tenant, claims: dict[str, Any], call: Call) -> tuple[int, Any]:
    """``DELETE /users/{id}/identities/{provider}/{user_id}``."""
    _, user_id, _, provider, raw_id = call.parts
    require(claims, ("update:users",), ("update:current_user_identities",), user_id)
    return 200, tenant.users.unlink(user_id, provider, raw_id)
