"""Cross-origin authentication: embedded login forms (auth0-js ``login()``, ``passwordlessLogin``).

Flow, as Auth0 runs it::

    app page ──POST /co/authenticate (credentials, from an Allowed Web Origin)──► tenant
             ◄── {login_ticket, co_verifier, co_id} + cookie co_verifier (SameSite=None) ──
    app page ──GET /authorize?…&login_ticket=T ────────────────────────────────► tenant
        cookie matches T's verifier → the user is logged in (SSO session), answer as usual
        no cookie (third-party cookies blocked) → a page iframes the client's Cross-Origin
        Verification Fallback (``cross_origin_loc#origin=…``), asks it for the verifier of
        ``co_id`` (``co_verifier_request``/``co_verifier_response``, auth0-js
        ``crossOriginVerification``), POSTs it to ``/co/verify``, which sets the cookie first-
        party and goes back to ``/authorize``.

``/co/authenticate`` takes JSON ``client_id``, ``username``, ``credential_type`` (the
password-realm grant with ``password`` and ``realm``, the passwordless OTP grant with ``otp`` and
``realm``, or ``password`` for the default directory). It needs the client's "Cross-Origin
Authentication" (``cross_origin_authentication``; 403 ``unauthorized_client`` "Cross origin
login not allowed.") and a request ``Origin`` among its Allowed Web Origins (403
``access_denied``, undocumented wording); bad credentials are 403 ``access_denied`` "Wrong email
or password." (or "… or verification code."). A login ticket is single-use and lives 60 s
(undocumented; the verifier's cookie 15 minutes, as auth0-js keeps its copy). The preflight is
answered for any client's origin (:mod:`.cors`).
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..pages import hosted
from ..protocol.attempts import BLOCKED, Blocked
from ..protocol.login_tickets import LoginTicket
from ..state import accounts
from ..state.applications import (
    PASSWORD_REALM_GRANT,
    PASSWORDLESS_OTP_GRANT,
    PASSWORDLESS_STRATEGIES,
    origin_of,
)
from ..web.shared import cross_origin, html, read_form, redirect, tenant_of
from .sso import session_cookie_attributes

if TYPE_CHECKING:
    from starlette.requests import Request

    from ..state.applications import Client
    from ..state.model import User
    from ..state.tenant import Tenant

VERIFIER_COOKIE: Final = "co_verifier"
TICKET_TTL: Final = 60.0
VERIFIER_MAX_AGE: Final = 15 * 60


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _password_login(
    tenant: Tenant, connection: str, username: str, password: str
) -> tuple[User, str] | Response:
    """A password login, counted by brute-force protection (429 once the user is blocked)."""
    try:
        user = tenant.attempts.check_password(tenant.users, connection, username, password)
    except Blocked:
        return _error(429, "too_many_attempts", BLOCKED)
    if user is None:
        return _error(403, "access_denied", "Wrong email or password.")
    return user, connection


def _authenticate(tenant: Tenant, client: Client, body: dict[str, Any]) -> tuple[User, str] | Response:
    """The user and connection the credentials prove, or Auth0's 403."""
    kind = str(body.get("credential_type") or "")
    realm = str(body.get("realm") or tenant.config.default_directory or "")
    conn = tenant.connection_for(client.client_id, realm)
    username = str(body.get("username") or "").strip()
    if kind in (PASSWORD_REALM_GRANT, "password"):
        if conn is None or not conn.is_database:
            return _error(400, "invalid_request", f"the connection is not a database: {realm}")
        return _password_login(tenant, conn.name, username, str(body.get("password") or ""))
    if kind == PASSWORDLESS_OTP_GRANT:
        if conn is None or conn.strategy not in PASSWORDLESS_STRATEGIES:
            return _error(400, "invalid_request", f"the connection is not passwordless: {realm}")
        sms = conn.strategy == "sms"
        to = username if sms else username.lower()
        if not tenant.outbox.take_otp(client.client_id, to, conn.name, str(body.get("otp") or "").strip()):
            what = "phone number" if sms else "email"
            return _error(403, "access_denied", f"Wrong {what} or verification code.")
        key = "phone_number" if sms else "email"
        found = accounts.find(tenant.users, conn.name, key, to) or accounts.create_social_user(
            tenant.users, conn.name, to
        )
        return found, conn.name
    return _error(400, "invalid_request", f"Unsupported credential_type: {kind}")


async def authenticate(request: Request) -> Response:
    """``POST /co/authenticate``."""
    tenant = tenant_of(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, "invalid_request", "Invalid request body")
    client = tenant.clients.get(str(body.get("client_id") or ""))
    if client is None:
        return _error(400, "invalid_request", "Unknown client: " + str(body.get("client_id") or ""))
    if not client.cross_origin_authentication:
        return _error(403, "unauthorized_client", "Cross origin login not allowed.")
    origin = cross_origin(request)
    if origin is not None and origin not in client.web_message_origins():
        return _error(403, "access_denied", f"Origin {origin} is not allowed.")
    found = _authenticate(tenant, client, body)
    if isinstance(found, Response):
        return found
    user, connection = found
    verifier, co_id = secrets.token_urlsafe(24), secrets.token_urlsafe(12)
    ticket = tenant.login_tickets.issue(
        LoginTicket(
            client.client_id,
            user.user_id,
            connection,
            co_id,
            verifier,
            int(tenant.now()),
            tenant.now() + TICKET_TTL,
        )
    )
    response = JSONResponse(
        {"login_ticket": ticket, "co_verifier": verifier, "co_id": co_id},
        headers={"cache-control": "no-store"},
    )
    _set_verifier(request, response, verifier)
    return response


def _set_verifier(request: Request, response: Response, verifier: str) -> None:
    secure = tenant_of(request).base_url.startswith("https://")
    response.set_cookie(
        VERIFIER_COOKIE, verifier, max_age=VERIFIER_MAX_AGE, **session_cookie_attributes(secure=secure)
    )


def redeem(request: Request, client: Client, params: dict[str, str]) -> LoginTicket | Response | None:
    """``/authorize`` with ``login_ticket``: the verified ticket (used up), a fallback page, or ``None``.

    ``None`` means the ticket is unknown, expired or another client's: the caller answers the
    application with an error.
    """
    tenant = tenant_of(request)
    value = params.get("login_ticket", "")
    ticket = tenant.login_tickets.peek(value, client.client_id, tenant.now())
    if ticket is None:
        return None
    cookie = request.cookies.get(VERIFIER_COOKIE, "")
    if secrets.compare_digest(cookie.encode(), ticket.verifier.encode()):
        tenant.login_tickets.take(value)
        return ticket
    if client.cross_origin_loc is None or origin_of(client.cross_origin_loc) is None:
        return html(
            hosted.error(
                "access_denied",
                "Third-party cookies are blocked and the application has no Cross-Origin Verification "
                "Fallback (cross_origin_loc).",
            ),
            400,
        )
    return html(
        hosted.co_fallback(
            frame=f"{client.cross_origin_loc}#origin={tenant.origin}",
            frame_origin=origin_of(client.cross_origin_loc) or "",
            co_id=ticket.co_id,
            authorize_query=urlencode(params),
        )
    )


async def verify(request: Request) -> Response:
    """``POST /co/verify``: the fallback hands the verifier over; set its cookie, back to /authorize."""
    form = await read_form(request)
    query = str(form.get("authorize_query", ""))
    verifier = str(form.get("verifier", ""))
    response = redirect(tenant_of(request).base_url + "/authorize?" + query)
    if verifier:
        _set_verifier(request, response, verifier)
    return response


ROUTES = [
    Route("/co/authenticate", authenticate, methods=["POST"]),
    Route("/co/verify", verify, methods=["POST"]),
]
