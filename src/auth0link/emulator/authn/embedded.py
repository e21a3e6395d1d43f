"""Sign-up and one-time codes for apps with their own forms: signup and passwordless start.

``POST /dbconnections/signup`` (``client_id``, ``connection``, ``email``, ``password``, optional
``username``, ``given_name``, ``family_name``, ``name``, ``nickname``, ``picture``,
``user_metadata``) creates a database user and answers ``{_id, email, email_verified, …}``;
errors are ``{name, code, description, statusCode}``: an existing email is 400
``invalid_signup`` "Invalid sign up" (Auth0 hides that the user exists), a weak password 400
``PasswordStrengthError`` with the policy's rules, ``disable_signup`` 400 "public signup is
disabled".

``POST /passwordless/start`` (``client_id``, ``client_secret`` for confidential clients,
``connection`` ``email`` or ``sms``, ``email`` or ``phone_number``, ``send: "code"``) puts a
one-time code in the outbox for the passwordless OTP grant (:mod:`.extension_grants`); errors are
``{error: "bad.<field>", error_description}``.

Both read a JSON or form body, and both check a browser's ``Origin`` against the client's CORS
origins (401 ``access_denied`` otherwise, see :mod:`.cors`).
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..protocol import password_policy
from ..protocol.grants import authenticate_client
from ..state import accounts
from ..state.applications import PASSWORDLESS_STRATEGIES, Client
from ..state.model import USER_FIELDS
from ..web.shared import cross_origin, json_reply, read_json_or_form, tenant_of
from . import signup_identifiers

if TYPE_CHECKING:
    from starlette.requests import Request

    from ..state.applications import Connection

LOG = logging.getLogger("auth0link.emulator")
_PROFILE = ("username", "given_name", "family_name", "name", "nickname", "picture")


def _signup_error(code: str, description: Any, name: str = "BadRequestError", **extra: Any) -> Response:
    body = {"name": name, "code": code, "description": description, **extra, "statusCode": 400}
    return JSONResponse(body, status_code=400)


def _client(request: Request, body: dict[str, Any], *, secret: bool = True) -> Client | Response:
    """The client named in ``body``, allowed from the request's origin.

    ``secret=False`` for sign-up, which takes no secret from any client (Auth0's Node libraries
    send none, from regular web apps too): a confidential client is found by its ID alone.
    """
    params = {k: v for k, v in body.items() if isinstance(v, str)}
    tenant = tenant_of(request)
    known = tenant.clients.get(params.get("client_id", ""))
    if not secret and known is not None and known.client_secret is not None:
        params["client_secret"] = known.client_secret
    found = authenticate_client(tenant, params, None, cross_origin(request))
    if isinstance(found, Client):
        return found
    status, error = found
    return json_reply(status, error)


def _signup_connection(request: Request, client: Client, body: dict[str, Any]) -> Connection | Response:
    conn = tenant_of(request).connection_for(client.client_id, str(body.get("connection") or ""))
    if conn is None or not conn.is_database:
        # Undocumented wording; the connection must be a database enabled for the client.
        return _signup_error("invalid_connection", "Connection does not exist or is not a database")
    if conn.options.get("disable_signup"):
        return _signup_error("operation_not_allowed", "public signup is disabled")
    return conn


async def signup(request: Request) -> Response:  # noqa: PLR0911 - one return per check, in order
    """``POST /dbconnections/signup``."""
    body = await read_json_or_form(request)
    if body is None:
        return _signup_error("invalid_body", "Invalid request payload JSON format")
    client = _client(request, body, secret=False)
    if not isinstance(client, Client):
        return client
    conn = _signup_connection(request, client, body)
    if isinstance(conn, Response):
        return conn
    ids = signup_identifiers.identifiers(conn.options, body)
    if isinstance(ids, str):
        return _signup_error("invalid_body", ids)
    password = body.get("password")
    if not isinstance(password, str) or not password:
        return _signup_error("invalid_body", "Missing required property: password")
    ok, rules, policy = password_policy.check(str(conn.options.get("passwordPolicy", "good")), password)
    if not ok:
        return _signup_error(
            "invalid_password", rules, "PasswordStrengthError", message="Password is too weak", policy=policy
        )
    users = tenant_of(request).users
    if any(accounts.find(users, conn.name, key, value) is not None for key, value in ids.items()):
        return _signup_error("invalid_signup", "Invalid sign up")
    extra = {k: body[k] for k in _PROFILE if isinstance(body.get(k), str)}
    metadata = body.get("user_metadata")
    if isinstance(metadata, dict):
        extra["user_metadata"] = metadata
    extra.update(ids)
    roots = {k: v for k, v in extra.items() if k in USER_FIELDS}
    others = {k: v for k, v in extra.items() if k not in USER_FIELDS}
    named = next(iter(ids.values()))  # the email, else the phone number, else the username
    spec = {"name": named, "nickname": named.split("@")[0], **roots, "password": password, "extra": others}
    user = accounts.sign_up(users, conn.name, spec)
    return JSONResponse({"_id": user.identities[0].user_id, **signup_identifiers.answer(ids), **extra})


def _passwordless_connection(request: Request, client: Client, body: dict[str, Any]) -> Connection | Response:
    """The connection of a ``/passwordless/start`` body, or Auth0's ``bad.<field>`` error."""
    conn = tenant_of(request).connection_for(client.client_id, str(body.get("connection") or ""))
    problem: tuple[str, str] | None = None
    if conn is None or conn.strategy not in PASSWORDLESS_STRATEGIES:
        problem = "bad.connection", "Connection does not exist or is not enabled for the client"
    elif not isinstance(body.get(_field(conn)), str) or not body[_field(conn)].strip():
        problem = f"bad.{_field(conn)}", f"Missing required property: {_field(conn)}"
    elif conn.strategy == "email" and body.get("send", "link") != "code":
        # Magic links need /passwordless/verify_redirect, which the emulator does not serve.
        problem = "bad.send", 'The emulator sends codes only: use send "code"'
    if problem is not None or conn is None:
        error, description = problem or ("bad.connection", "")
        return json_reply(400, {"error": error, "error_description": description})
    return conn


def _field(conn: Connection) -> str:
    return "phone_number" if conn.strategy == "sms" else "email"


async def passwordless_start(request: Request) -> Response:
    """``POST /passwordless/start``: send a one-time code by email or SMS (to the outbox)."""
    body = await read_json_or_form(request)
    if body is None:
        return json_reply(400, {"error": "bad.request", "error_description": "Invalid request body"})
    client = _client(request, body)
    if not isinstance(client, Client):
        return client
    conn = _passwordless_connection(request, client, body)
    if isinstance(conn, Response):
        return conn
    field = _field(conn)
    to = body[field].strip() if field == "phone_number" else body[field].strip().lower()
    tenant = tenant_of(request)
    code = tenant.outbox.send_otp(client.client_id, to, conn.name)
    tenant.attempts.forget_code(("one-time code", conn.name, to.lower()))  # a new code, new tries
    LOG.warning("outbox: %s code for %s: %s", conn.name, to, code)
    owner = accounts.find(tenant.users, conn.name, field, to)
    raw_id = owner.identities[0].user_id if owner is not None else secrets.token_hex(12)
    if field == "phone_number":
        # No "request_language": null here, unlike Auth0's reference example.
        return JSONResponse({"_id": raw_id, "phone_number": to, "phone_verified": False})
    return JSONResponse({"_id": raw_id, "email": to, "email_verified": False})


ROUTES = [
    Route("/dbconnections/signup", signup, methods=["POST"]),
    Route("/passwordless/start", passwordless_start, methods=["POST"]),
]
