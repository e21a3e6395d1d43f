"""``GET /authorize`` and the non-verifiable callback confirmation screen (``/u/consent``).

Flow of a browser login, as on Auth0's Universal Login::

    GET /authorize ──(SSO session, no prompt)──────────────────────────┐
        │ login needed                                                 │
        ▼                                                              ▼
    /u/login?state=T  (database form + links)      non-verifiable callback and nothing
    /u/login/idp?state=T&connection=C  (social chooser / passwordless)  shown yet?
    /u/login/passwordless-{email,sms}-challenge?state=T (code)      → /u/consent?state=T
        │                                                              │
        └──────────► code (or error) in the response mode ◄────────────┘

The login pages live in :mod:`.universal_login`, the end of the flow in :mod:`.completion`, the
transaction's states in :mod:`.transaction`, the response modes (query, fragment, form_post,
web_message) in :mod:`.delivery`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response
from starlette.routing import Route

from ..pages import hosted
from ..protocol.transaction import TxState
from ..state.applications import INTERACTIVE_TYPES
from ..web.shared import (
    html,
    in_transaction,
    needs_confirmation,
    page_url,
    redirect,
    tenant_of,
)
from ..web.urls import is_plain
from . import cross_origin, implicit
from .completion import complete
from .delivery import check_mode, deliver, response_mode
from .sso import current_session

if TYPE_CHECKING:
    from starlette.requests import Request

    from ..protocol.transaction import Transaction
    from ..state.applications import Client
    from ..state.model import SsoSession
    from ..state.tenant import Tenant


def _authorize_error(params: dict[str, str], error: str, desc: str) -> Response:
    """``error``/``error_description``/``state`` to the app, in the request's response mode."""
    answer = {"error": error, "error_description": desc}
    if params.get("state") is not None:
        answer["state"] = params["state"]
    return deliver(params["redirect_uri"], response_mode(params), answer)


def _check_client(tenant: Tenant, params: dict[str, str]) -> Client | Response:
    """An interactive client, its exact callback and a usable response mode, or an error page."""
    client = tenant.clients.get(params.get("client_id", ""))
    if client is None or client.app_type not in INTERACTIVE_TYPES:
        return html(hosted.error("invalid_request", "Unknown client: " + params.get("client_id", "")), 400)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.callbacks or not is_plain(redirect_uri):
        # Exact string match, as Auth0 (no RFC 8252 any-port loopback matching).
        return html(
            hosted.error(
                "unauthorized_client",
                f"Callback URL mismatch. {redirect_uri} is not in the list of allowed callback URLs",
                "Please go to the Application Settings page and make sure you are sending a "
                "valid callback url from your application.",
            ),
            400,
        )
    return check_mode(client, params) or client


def _check_params(tenant: Tenant, client: Client, params: dict[str, str]) -> tuple[str, str] | None:  # noqa: PLR0911 - one return per check, in Auth0's order
    """The first problem with the request as ``(error, description)``, or ``None``."""
    response_problem = implicit.check(client, params)
    if response_problem is not None:
        return response_problem
    # Public (token endpoint auth "none") clients must use PKCE; S256 is the only method.
    if client.public and "code" in implicit.response_types(params) and not params.get("code_challenge"):
        return "invalid_request", "Parameter 'code_challenge' is required"
    if params.get("code_challenge") and params.get("code_challenge_method", "plain") != "S256":
        return "invalid_request", "Parameter 'code_challenge_method' must be S256"
    audience = params.get("audience") or None
    if audience is not None and audience != tenant.api_audience:
        return "access_denied", f"Service not enabled within domain: {audience}"
    connection = params.get("connection") or None
    if connection is not None and connection not in tenant.connections:
        return "invalid_request", f"the connection was not found: {connection}"
    if connection is not None and tenant.connection_for(client.client_id, connection) is None:
        # Undocumented wording for a connection that exists but is not enabled for the app.
        return "invalid_request", f"the connection is not enabled: {connection}"
    max_age = params.get("max_age")
    if max_age is not None and not max_age.isdigit():
        return "invalid_request", "max_age must be a number"
    return None


def _needs_login(tenant: Tenant, session: SsoSession | None, params: dict[str, str]) -> bool:
    max_age = params.get("max_age")
    connection = params.get("connection") or None
    return (
        session is None
        or "login" in params.get("prompt", "").split()
        or (max_age is not None and tenant.now() - session.auth_time >= int(max_age))
        # Plausible (undocumented): a session from another connection does not satisfy an
        # explicit `connection=`.
        or (connection is not None and session.connection != connection)
    )


def _silent_refusal(*, confirm_on: bool, needs_login: bool) -> tuple[str, str] | None:
    """Why ``prompt=none`` cannot be honoured, if it cannot."""
    if confirm_on:
        # Auth0 rejects prompt=none while the confirmation screen is enabled; the exact error
        # code is undocumented, invalid_request is the most plausible.
        return "invalid_request", "prompt=none is not supported with non-verifiable callback URIs"
    if needs_login:
        return "login_required", "Login required"
    return None


async def authorize(request: Request) -> Response:
    """``GET /authorize``: validate, then SSO, login pages, or the confirmation screen."""
    tenant = tenant_of(request)
    params = dict(request.query_params)
    client = _check_client(tenant, params)
    if isinstance(client, Response):
        return client
    problem = _check_params(tenant, client, params)
    if problem is None and "none" in params.get("prompt", "").split():
        session = current_session(request)
        problem = _silent_refusal(
            confirm_on=needs_confirmation(client, params["redirect_uri"]),
            needs_login=_needs_login(tenant, session, params),
        )
    if problem is not None:
        return _authorize_error(params, *problem)
    if params.get("login_ticket"):
        return _with_login_ticket(request, client, params)
    session = current_session(request)
    connection = params.get("connection") or None
    tx = tenant.transactions.begin("authorize", client.client_id, params, connection=connection)
    if session is None or _needs_login(tenant, session, params):
        return redirect(_login_url(tenant, tx))
    tx.resume(session.user_id, session.connection, session.auth_time)
    return complete(request, tx, session)


def _with_login_ticket(request: Request, client: Client, params: dict[str, str]) -> Response:
    """``/authorize`` after ``/co/authenticate``: the ticket logs the user in (a new SSO session)."""
    ticket = cross_origin.redeem(request, client, params)
    if ticket is None:
        # Undocumented wording for an unknown, used or expired ticket.
        return _authorize_error(params, "access_denied", "Invalid or expired login_ticket")
    if isinstance(ticket, Response):
        return ticket
    tenant = tenant_of(request)
    tx = tenant.transactions.begin("authorize", client.client_id, params, connection=ticket.connection)
    tx.authenticate(ticket.user_id, ticket.connection, ticket.auth_time)
    return complete(request, tx)


def _login_url(tenant: Tenant, tx: Transaction) -> str:
    if tx.connection is not None and not tenant.connections[tx.connection].is_database:
        return page_url("/u/login/idp", tx, connection=tx.connection)
    return page_url("/u/login", tx)


@in_transaction(TxState.CONSENT)
async def consent_page(request: Request, tx: Transaction, _form: dict[str, str]) -> Response:
    """``GET /u/consent``: the non-verifiable callback confirmation screen."""
    return html(
        hosted.callback_confirm(
            state=tx.id,
            client_name=tenant_of(request).clients[tx.client_id].name,
            redirect_uri=tx.params["redirect_uri"],
        )
    )


@in_transaction(TxState.CONSENT)
async def consent_submit(request: Request, tx: Transaction, form: dict[str, str]) -> Response:
    """``POST /u/consent``: continue to the callback, or cancel with ``access_denied``."""
    if form.get("action") != "accept":
        tx.cancel()
        tenant_of(request).transactions.end(tx)
        return _authorize_error(tx.params, "access_denied", "User did not authorize the request")
    tx.accept_consent()
    return complete(request, tx, _matching_session(request, tx))


def _matching_session(request: Request, tx: Transaction) -> SsoSession | None:
    """The current SSO session if it is the one this transaction logged in silently with."""
    session = current_session(request)
    if session is not None and session.user_id == tx.user_id and session.auth_time == tx.auth_time:
        return session
    return None


ROUTES = [
    Route("/authorize", authorize, methods=["GET"]),
    Route("/u/consent", consent_page, methods=["GET"]),
    Route("/u/consent", consent_submit, methods=["POST"]),
]
