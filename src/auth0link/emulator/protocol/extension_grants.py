"""Auth0's extension grants of ``POST /oauth/token``: password-realm and passwordless OTP.

* ``http://auth0.com/oauth/grant-type/password-realm``: ``username``, ``password``, ``realm``
  (a database connection enabled for the client); wrong credentials are 403 ``invalid_grant``
  "Wrong email or password.".
* ``http://auth0.com/oauth/grant-type/passwordless/otp``: ``username`` (the email or phone
  number), ``otp`` (the code ``/passwordless/start`` sent), ``realm`` (``email`` or ``sms``);
  an unknown address signs up, as on Auth0.
* ``password`` (the plain resource owner grant) with ``realm`` is the password-realm grant (as
  ``@auth0/auth0-auth-js``'s ``getTokenByPassword({realm})`` sends it); without ``realm`` it uses
  the tenant's "Default Directory" (``tenant.default_directory`` in a ``--tenant`` file; a fresh
  tenant has none), and a tenant without one answers Auth0's 500 ``server_error``
  "Authorization server not configured with default connection.".

A client must have the grant enabled (the Regular Web Application demo client has both; the
SPA and native clients are refused with Auth0's ``unauthorized_client``); a confidential client
authenticates with its secret first (:func:`.grants.authenticate_client`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..state import accounts
from ..state.applications import PASSWORDLESS_STRATEGIES
from .attempts import BLOCKED, MAX_OTP_ATTEMPTS, Blocked
from .minting import grant_scope, user_tokens

if TYPE_CHECKING:
    from ..state.applications import Client, Connection
    from ..state.model import User
    from ..state.tenant import Tenant
    from .grants import Result


def _error(status: int, error: str, description: str) -> Result:
    return status, {"error": error, "error_description": description}


def _required(params: dict[str, str], *names: str) -> Result | None:
    missing = next((name for name in names if not params.get(name)), None)
    return _error(400, "invalid_request", f"Missing required parameter: {missing}") if missing else None


def _realm(tenant: Tenant, client: Client, realm: str) -> Connection | Result:
    """The realm's connection if it is enabled for the client (undocumented wording otherwise)."""
    conn = tenant.connections.get(realm)
    if conn is None:
        return _error(400, "invalid_request", f"the connection was not found: {realm}")
    if client.client_id not in conn.enabled_clients:
        return _error(400, "invalid_request", f"the connection is not enabled: {realm}")
    return conn


def _tokens(tenant: Tenant, client: Client, user: User, params: dict[str, str]) -> Result:
    audience = params.get("audience") or None
    if audience is not None and audience != tenant.api_audience:
        return _error(403, "access_denied", f"Service not enabled within domain: {audience}")
    tenant.users.record_login(user)
    scope = grant_scope(tenant, client, params.get("scope", ""), audience)
    return 200, user_tokens(
        tenant, client, user, scope=scope, audience=audience, nonce=None, sid=None, auth_time=None
    )


def password_realm(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    """The password-realm grant."""
    problem = _required(params, "username", "password", "realm")
    if problem is not None:
        return problem
    conn = _realm(tenant, client, params["realm"])
    if not isinstance(conn, tuple) and not conn.is_database:
        conn = _error(400, "invalid_request", f"the connection is not a database: {conn.name}")
    if isinstance(conn, tuple):
        return conn
    try:
        user = tenant.attempts.check_password(tenant.users, conn.name, params["username"], params["password"])
    except Blocked:
        return _error(429, "too_many_attempts", BLOCKED)
    if user is None:
        return _error(403, "invalid_grant", "Wrong email or password.")
    return _tokens(tenant, client, user, params)


def passwordless_otp(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    """The passwordless OTP grant (after ``/passwordless/start`` sent a code)."""
    problem = _required(params, "username", "otp", "realm")
    if problem is not None:
        return problem
    conn = _realm(tenant, client, params["realm"])
    if not isinstance(conn, tuple) and conn.strategy not in PASSWORDLESS_STRATEGIES:
        conn = _error(400, "invalid_request", f"the connection is not passwordless: {conn.name}")
    if isinstance(conn, tuple):
        return conn
    sms = conn.strategy == "sms"
    to = params["username"].strip() if sms else params["username"].strip().lower()
    tries = ("one-time code", conn.name, to.lower())
    if tenant.attempts.code_exhausted(tries):
        return _error(403, "invalid_grant", MAX_OTP_ATTEMPTS)
    if not tenant.outbox.take_otp(client.client_id, to, conn.name, params["otp"].strip()):
        tenant.attempts.code_failed(tries)
        what = "phone number" if sms else "email"
        return _error(403, "invalid_grant", f"Wrong {what} or verification code.")
    tenant.attempts.forget_code(tries)
    users = tenant.users
    key = "phone_number" if sms else "email"
    user = accounts.find(users, conn.name, key, to) or accounts.create_social_user(users, conn.name, to)
    return _tokens(tenant, client, user, params)


def password(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    """The plain password grant: its ``realm``, else the tenant's Default Directory."""
    realm = params.get("realm") or tenant.config.default_directory
    if not realm:
        return _error(500, "server_error", "Authorization server not configured with default connection.")
    return password_realm(tenant, client, {**params, "realm": realm})
