"""The end of a login: the user is known, so confirm if needed, then hand out a code (or approve a device).

Every way in (a login page, the SSO session, the confirmation screen, the device confirmation)
ends in :func:`complete` with the transaction in ``AUTHENTICATED``; it moves it on to ``CONSENT``
or ``DONE``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..pages import hosted
from ..protocol import minting
from ..state.model import AuthCode
from ..web.shared import html, needs_confirmation, page_url, redirect, tenant_of
from . import implicit
from .delivery import deliver, response_mode
from .sso import set_session_cookie

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from ..protocol.transaction import Transaction
    from ..state.model import SsoSession, User
    from ..state.tenant import Tenant


def authenticated(request: Request, tx: Transaction, user: User, connection: str) -> Response:
    """A login page identified ``user`` at ``connection``: finish the transaction."""
    tx.authenticate(user.user_id, connection, int(tenant_of(request).now()))
    return complete(request, tx)


def complete(request: Request, tx: Transaction, session: SsoSession | None = None) -> Response:
    """Confirm (non-verifiable callback, nothing shown yet) or hand the app a code (or tokens).

    ``session`` is the SSO session the user came with; without one a new session starts.
    """
    if tx.kind == "device":
        return complete_device(request, tx, session)
    tenant = tenant_of(request)
    client = tenant.clients[tx.client_id]
    redirect_uri = tx.params["redirect_uri"]
    if not tx.prompted and needs_confirmation(client, redirect_uri):
        tx.ask_consent()
        return redirect(page_url("/u/consent", tx))
    tx.finish()
    tenant.transactions.end(tx)
    new_session = session is None
    session = session or _new_session(tenant, tx)
    user = tenant.users[session.user_id]
    tenant.users.record_login(user)
    audience = tx.params.get("audience") or None
    scope = minting.grant_scope(tenant, client, tx.params.get("scope", ""), audience)
    include_auth_time = "login" in tx.params.get("prompt", "").split() or "max_age" in tx.params
    code = None
    if "code" in implicit.response_types(tx.params):
        code = tenant.codes.issue(
            AuthCode(
                client_id=tx.client_id,
                redirect_uri=redirect_uri,
                code_challenge=tx.params.get("code_challenge"),
                user_id=user.user_id,
                scope=scope,
                audience=audience,
                nonce=tx.params.get("nonce"),
                sid=session.sid,
                auth_time=session.auth_time,
                include_auth_time=include_auth_time,
                expires=tenant.now() + tenant.code_ttl,
            )
        )
    if implicit.is_implicit(tx.params):
        auth_time = session.auth_time if include_auth_time else None
        params = implicit.answer(
            tenant, client, user, session, tx.params, scope=scope, code=code, auth_time=auth_time
        )
    else:
        params = {"code": code or ""}
        if tx.params.get("state") is not None:
            params["state"] = tx.params["state"]
    response = deliver(redirect_uri, response_mode(tx.params), params)
    if new_session:
        set_session_cookie(request, response, session)
    return response


def complete_device(request: Request, tx: Transaction, session: SsoSession | None) -> Response:
    """Approve the device authorization (if it is still waiting) and show the success page."""
    tenant = tenant_of(request)
    record = tenant.devices.get(tx.device_code or "")
    tenant.transactions.end(tx)
    if record is None or not record.awaiting_user(tenant.now()):
        return html(hosted.device_code(error="Invalid or expired code."), 400)
    tx.finish()
    new_session = session is None
    session = session or _new_session(tenant, tx)
    tenant.users.record_login(tenant.users[session.user_id])
    record.approve(session)
    response = html(hosted.device_done(approved=True))
    if new_session:
        set_session_cookie(request, response, session)
    return response


def _new_session(tenant: Tenant, tx: Transaction) -> SsoSession:
    if tx.user_id is None or tx.login_connection is None or tx.auth_time is None:
        raise RuntimeError("a transaction completes only once its user is known")
    return tenant.sessions.start(tx.user_id, tx.auth_time, tx.login_connection)
