"""The hosted login pages: ``/u/login`` (database), ``/u/login/idp`` (social or passwordless), codes.

Each page needs a login transaction in ``LOGIN`` or ``CODE_SENT`` (the code page: ``CODE_SENT``);
a successful answer hands over to :func:`~auth0link.emulator.authn.completion.authenticated`.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from starlette.routing import Route

from ..pages import hosted
from ..protocol.attempts import BLOCKED, MAX_OTP_ATTEMPTS, Blocked
from ..protocol.transaction import LOGIN_OPEN, PendingCode, TxState
from ..state import accounts
from ..state.applications import PASSWORDLESS_STRATEGIES
from ..web.shared import html, in_transaction, page_url, redirect, tenant_of
from .completion import authenticated

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from ..protocol.transaction import Transaction

LOG = logging.getLogger("auth0link.emulator")


def _database(request: Request, tx: Transaction) -> str | None:
    """The database connection of this login: the forced one, else the client's first."""
    tenant = tenant_of(request)
    if tx.connection is not None:
        return tx.connection if tenant.connections[tx.connection].is_database else None
    return next((c.name for c in tenant.enabled_connections(tx.client_id) if c.is_database), None)


def _login_page(request: Request, tx: Transaction, error: str | None = None, status: int = 200) -> Response:
    tenant = tenant_of(request)
    enabled = tenant.enabled_connections(tx.client_id)
    others = [] if tx.connection is not None else [c.name for c in enabled if not c.is_database]
    return html(
        hosted.login(
            state=tx.id,
            client_name=tenant.clients[tx.client_id].name,
            login_hint=tx.params.get("login_hint", ""),
            error=error,
            others=others,
            database=_database(request, tx) is not None,
        ),
        status,
    )


@in_transaction(*LOGIN_OPEN)
async def login_page(request: Request, tx: Transaction, _form: dict[str, str]) -> Response:
    """``GET /u/login``: the Universal Login page."""
    return _login_page(request, tx)


@in_transaction(*LOGIN_OPEN)
async def login_submit(request: Request, tx: Transaction, form: dict[str, str]) -> Response:
    """``POST /u/login``: check the database email and password."""
    database = _database(request, tx)
    email = form.get("username", "").strip().lower()
    tenant = tenant_of(request)
    try:
        owner = (
            tenant.attempts.check_password(tenant.users, database, email, form.get("password", ""))
            if database
            else None
        )
    except Blocked:
        return _login_page(request, tx, BLOCKED, 429)
    if database is None or owner is None:
        return _login_page(request, tx, "Wrong email or password.", 400)
    return authenticated(request, tx, owner, database)


def _idp_page(
    request: Request, tx: Transaction, connection: str, error: str | None = None, status: int = 200
) -> Response:
    if connection in PASSWORDLESS_STRATEGIES:
        return html(
            hosted.passwordless_start(
                state=tx.id, connection=connection, login_hint=tx.params.get("login_hint", ""), error=error
            ),
            status,
        )
    users = tenant_of(request).users
    choices = []
    for identity, owner in accounts.accounts_for(users, connection):
        profile = accounts.identity_profile(identity, owner)
        choices.append((identity.full_id, str(profile.get("email") or profile.get("name"))))
    return html(hosted.idp_chooser(state=tx.id, connection=connection, accounts=choices, error=error), status)


def _unknown_connection(request: Request, tx: Transaction, connection: str) -> Response | None:
    conn = tenant_of(request).connection_for(tx.client_id, connection)
    if conn is None or conn.is_database:
        return html(hosted.error("invalid_request", f"Unknown connection: {connection}"), 400)
    return None


@in_transaction(*LOGIN_OPEN)
async def idp_page(request: Request, tx: Transaction, _form: dict[str, str]) -> Response:
    """``GET /u/login/idp``: an emulated social IdP or the passwordless start page."""
    connection = request.query_params.get("connection", "")
    return _unknown_connection(request, tx, connection) or _idp_page(request, tx, connection)


@in_transaction(*LOGIN_OPEN)
async def idp_submit(request: Request, tx: Transaction, form: dict[str, str]) -> Response:
    """``POST /u/login/idp``: pick an account (social) or send a code (passwordless)."""
    connection = form.get("connection") or request.query_params.get("connection", "")
    refused = _unknown_connection(request, tx, connection)
    if refused is not None:
        return refused
    if connection in PASSWORDLESS_STRATEGIES:
        return _send_code(request, tx, connection, form)
    users = tenant_of(request).users
    account = form.get("account")
    if account:
        provider, _, raw = account.partition("|")
        owner = users.find_identity_owner(provider, raw)
        if owner is None or all(i.connection != connection for i in owner.identities):
            return _idp_page(request, tx, connection, "Unknown account.", 400)
        return authenticated(request, tx, owner, connection)
    email = form.get("email", "").strip().lower()
    if not email:
        return _idp_page(request, tx, connection, "Choose an account.", 400)
    return _sign_in(request, tx, connection, "email", email)


def _send_code(request: Request, tx: Transaction, connection: str, form: dict[str, str]) -> Response:
    field = "phone_number" if connection == "sms" else "email"
    to = form.get(field, "").strip()
    if connection == "email":
        to = to.lower()
    if not to:
        return _idp_page(request, tx, connection, f"Enter your {field.replace('_', ' ')}.", 400)
    code = tenant_of(request).outbox.send_code(to, connection)
    tx.send_code(PendingCode(to=to, code=code, connection=connection))
    # The "email"/"SMS" goes to the outbox and to stderr (never the code in the pages).
    LOG.warning("outbox: %s code for %s: %s", connection, to, code)
    challenge = "sms" if connection == "sms" else "email"
    return redirect(page_url(f"/u/login/passwordless-{challenge}-challenge", tx))


def _sign_in(request: Request, tx: Transaction, connection: str, key: str, value: str) -> Response:
    """Log in the account of ``connection`` whose profile ``key`` is ``value``, or sign it up."""
    users = tenant_of(request).users
    owner = accounts.find(users, connection, key, value) or accounts.create_social_user(
        users, connection, value
    )
    return authenticated(request, tx, owner, connection)


@in_transaction(TxState.CODE_SENT)
async def otp_page(_request: Request, tx: Transaction, _form: dict[str, str]) -> Response:
    """``GET /u/login/passwordless-{email,sms}-challenge``: enter the code."""
    pending = tx.pending
    assert pending is not None
    return html(hosted.otp(state=tx.id, connection=pending.connection, to=pending.to))


@in_transaction(TxState.CODE_SENT)
async def otp_submit(request: Request, tx: Transaction, form: dict[str, str]) -> Response:
    """``POST /u/login/passwordless-…-challenge``: check the code, log in (or sign up)."""
    pending = tx.pending
    assert pending is not None
    attempts, tries = tenant_of(request).attempts, ("login transaction", tx.id)
    right = hmac.compare_digest(form.get("code", "").strip().encode(), pending.code.encode())
    if attempts.code_exhausted(tries) or not right:
        what = "email" if pending.connection == "email" else "phone number"
        error = MAX_OTP_ATTEMPTS if attempts.code_exhausted(tries) else f"Wrong {what} or verification code."
        attempts.code_failed(tries)
        return html(hosted.otp(state=tx.id, connection=pending.connection, to=pending.to, error=error), 400)
    key = "phone_number" if pending.connection == "sms" else "email"
    return _sign_in(request, tx, pending.connection, key, pending.to)


ROUTES = [
    Route("/u/login", login_page, methods=["GET"]),
    Route("/u/login", login_submit, methods=["POST"]),
    Route("/u/login/idp", idp_page, methods=["GET"]),
    Route("/u/login/idp", idp_submit, methods=["POST"]),
    Route("/u/login/passwordless-email-challenge", otp_page, methods=["GET"]),
    Route("/u/login/passwordless-email-challenge", otp_submit, methods=["POST"]),
    Route("/u/login/passwordless-sms-challenge", otp_page, methods=["GET"]),
    Route("/u/login/passwordless-sms-challenge", otp_submit, methods=["POST"]),
]
