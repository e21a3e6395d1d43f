"""Management API: ``POST /users``, ``GET /clients``, ``GET /connections``.

* ``POST /api/v2/users`` (``create:users``): ``connection`` is required; a database user needs
  the identifiers its connection requires (``email``; a ``username`` with
  ``requires_username``; see :mod:`.signup_identifiers`) and a ``password`` (checked against the
  connection's password policy), an ``email``
  user an ``email``, an ``sms`` user a ``phone_number``; social connections are refused
  ("Connection is not supported for this operation."), an existing user is 409 "The user
  already exists." (``auth0_idp_error``). 201 with the user.
* ``GET /api/v2/clients`` (``read:clients`` or ``read:client_keys``; ``client_secret`` only
  with ``read:client_keys``), filter ``app_type``; ``GET /api/v2/connections``
  (``read:connections``), filters ``strategy`` and ``name``. Both page with ``page``,
  ``per_page`` (at most 100) and ``include_totals``, connections also by checkpoint (``from``,
  ``take`` → ``next``, :mod:`.listing`), and select with ``fields``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..authn import signup_identifiers
from ..protocol import password_policy
from ..state import accounts
from ..state.model import ManagementError, json_type
from . import listing
from .checks import bad_body, json_object, require

if TYPE_CHECKING:
    from ..state.applications import Connection
    from ..state.tenant import Tenant

MAX_PER_PAGE = 100
_CREATE_FIELDS = {
    "connection",
    "email",
    "phone_number",
    "password",
    "user_id",
    "email_verified",
    "phone_verified",
    "verify_email",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "username",
    "blocked",
    "user_metadata",
    "app_metadata",
}
_STRINGS = ("email", "phone_number", "password", "user_id", "name", "nickname", "picture")


def _exists() -> ManagementError:
    return ManagementError(409, "The user already exists.", "auth0_idp_error")


def _validate(body: dict[str, Any]) -> str:
    """The connection name of a create-user body (Auth0's payload validation otherwise)."""
    unknown = sorted(set(body) - _CREATE_FIELDS)
    if unknown:
        raise bad_body(f"Additional properties not allowed: {','.join(unknown)}")
    for key in _STRINGS:
        if key in body and not isinstance(body[key], str):
            raise bad_body(f"Expected type string but found type {json_type(body[key])}")
    for key in ("user_metadata", "app_metadata"):
        if key in body and not isinstance(body[key], dict):
            raise bad_body(f"Expected type object but found type {json_type(body[key])}")
    connection = body.get("connection")
    if not isinstance(connection, str) or not connection:
        raise bad_body("Missing required property: connection")
    return connection


def _identifier(tenant: Tenant, conn: Connection, body: dict[str, Any]) -> dict[str, str]:
    """``{profile key: value}`` that identify the new user in its connection.

    A database takes the identifiers its options allow (email, and username or phone number,
    see :mod:`.signup_identifiers`); a passwordless connection its email or phone number.
    """
    if conn.is_social:
        raise ManagementError(
            400, "Connection is not supported for this operation.", "operation_not_supported"
        )
    if conn.is_database:
        ids = signup_identifiers.identifiers(conn.options, body)
        if isinstance(ids, str):
            raise bad_body(ids)
    else:
        key = "phone_number" if conn.strategy == "sms" else "email"
        value = str(body.get(key) or "").strip()
        if not value:
            raise bad_body(f"Missing required property: {key}")
        ids = {key: value if key == "phone_number" else value.lower()}
    if conn.is_database:
        password = str(body.get("password") or "")
        if not password:
            raise bad_body("Missing required property: password")
        ok, _rules, _policy = password_policy.check(str(conn.options.get("passwordPolicy", "good")), password)
        if not ok:
            raise ManagementError(400, "PasswordStrengthError: Password is too weak", "invalid_body")
    if any(accounts.find(tenant.users, conn.name, key, value) is not None for key, value in ids.items()):
        raise _exists()
    return ids


def create_user(tenant: Tenant, claims: dict[str, Any], raw: bytes) -> dict[str, Any]:
    """``POST /users``."""
    require(claims, ("create:users",), (), None)
    body = json_object(raw)
    conn = tenant.connections.get(_validate(body))
    if conn is None:
        raise ManagementError(400, "The connection does not exist.", "inexistent_connection")
    ids = _identifier(tenant, conn, body)
    raw_id = body.get("user_id") or None
    if raw_id is not None and tenant.users.find_identity_owner(conn.provider, raw_id) is not None:
        raise _exists()
    spec: dict[str, Any] = {
        k: body[k] for k in ("name", "nickname", "picture", "user_metadata", "app_metadata") if k in body
    }
    spec["extra"] = {k: body[k] for k in ("given_name", "family_name", "username", "blocked") if k in body}
    for key, value in ids.items():
        if key == "username":
            spec["extra"]["username"] = value
            continue
        verified = "phone_verified" if key == "phone_number" else "email_verified"
        spec.update({key: value, verified: bool(body.get(verified))})
    if set(ids) == {"username"}:  # named after the username, as the email would name it
        spec = {"name": ids["username"], "nickname": ids["username"], **spec}
    if conn.is_database:
        spec["password"] = body["password"]
    return accounts.sign_up(tenant.users, conn.name, spec, raw_id).to_json()


def _wanted(query: dict[str, list[str]], name: str) -> set[str]:
    return {v.strip() for raw in query.get(name, []) for v in raw.split(",") if v.strip()}


def list_clients(tenant: Tenant, claims: dict[str, Any], query: dict[str, list[str]]) -> Any:
    """``GET /clients``."""
    require(claims, ("read:clients", "read:client_keys"), (), None)
    keys = "read:client_keys" in str(claims.get("scope", "")).split()
    types = _wanted(query, "app_type")
    name = tenant_name(tenant.base_url)
    items = [
        {"tenant": name, **client.to_json(with_secret=keys)}
        for client in tenant.clients.values()
        if not types or client.app_type in types
    ]
    # fields= keeps "tenant" whatever it names (TestClient_List.yaml: fields=client_id).
    return listing.page(items, query, "clients", kept=("tenant",))


def list_connections(tenant: Tenant, claims: dict[str, Any], query: dict[str, list[str]]) -> Any:
    """``GET /connections``."""
    require(claims, ("read:connections",), (), None)
    strategies, names = _wanted(query, "strategy"), _wanted(query, "name")
    items = [
        conn.to_json()
        for conn in tenant.connections.values()
        if (not strategies or conn.strategy in strategies) and (not names or conn.name in names)
    ]
    # fields= keeps "is_domain_connection" as a real tenant does.
    return listing.page(items, query, "connections", checkpoint=True, kept=("is_domain_connection",))


def tenant_name(base_url: str) -> str:
    """The tenant's name as client bodies show it: the first label of its host name.

    ``go-auth0-dev`` for ``go-auth0-dev.eu.auth0.com``; ``emulator`` for an IP address or
    ``localhost``, which name no tenant.
    """
    host = urlsplit(base_url).hostname or ""
    label = host.split(".", 1)[0]
    if not label or label == "localhost" or label.isdigit() or ":" in host:
        return "emulator"
    return label
