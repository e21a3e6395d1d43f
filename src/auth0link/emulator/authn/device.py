"""The user's side of the device flow: ``/activate`` → ``/u/device-confirm`` → login → success.

The device's side (``POST /oauth/device/code`` and polling ``/oauth/token``) is in :mod:`.oauth`
and :mod:`.grants`. The device flow honours no ``connection``/``prompt``/``max_age``: the user
picks on these pages, and an SSO session skips the login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from ..pages import hosted
from ..protocol.transaction import TxState
from ..web.shared import html, in_transaction, page_url, read_form, redirect, tenant_of
from .completion import complete_device
from .sso import current_session

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from ..protocol.transaction import Transaction
    from ..state.model import DeviceCode

USER_CODE_LENGTH = 8


def _invalid_code(user_code: str = "") -> Response:
    return html(hosted.device_code(user_code=user_code, error="Invalid or expired code."), 400)


async def activate_page(request: Request) -> Response:
    """``GET /activate[?user_code=…]``: enter (or check) the code shown on the device."""
    return html(hosted.device_code(user_code=request.query_params.get("user_code", "")))


def _normalize_user_code(raw: str) -> str:
    letters = "".join(ch for ch in raw.upper() if ch.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == USER_CODE_LENGTH else raw.strip().upper()


async def activate_submit(request: Request) -> Response:
    """``POST /activate``: find the pending device authorization, then confirm it."""
    tenant = tenant_of(request)
    form = await read_form(request)
    record = tenant.devices.by_user_code(_normalize_user_code(form.get("user_code", "")))
    if record is None or not record.awaiting_user(tenant.now()):
        return _invalid_code(form.get("user_code", ""))
    tx = tenant.transactions.begin("device", record.client_id, {}, device_code=record.device_code)
    return redirect(page_url("/u/device-confirm", tx))


def _waiting_record(request: Request, tx: Transaction) -> DeviceCode | None:
    tenant = tenant_of(request)
    record = tenant.devices.get(tx.device_code or "")
    return record if record is not None and record.awaiting_user(tenant.now()) else None


@in_transaction(TxState.CONFIRM_DEVICE, missing=_invalid_code)
async def device_confirm_page(request: Request, tx: Transaction, _form: dict[str, str]) -> Response:
    """``GET /u/device-confirm``: show the code and ask to confirm."""
    record = _waiting_record(request, tx)
    if record is None:
        return _invalid_code()
    client_name = tenant_of(request).clients[tx.client_id].name
    return html(hosted.device_confirm(state=tx.id, user_code=record.user_code, client_name=client_name))


@in_transaction(TxState.CONFIRM_DEVICE, missing=_invalid_code)
async def device_confirm_submit(request: Request, tx: Transaction, form: dict[str, str]) -> Response:
    """``POST /u/device-confirm``: confirm (then log in, or use the session) or cancel."""
    record = _waiting_record(request, tx)
    if record is None:
        return _invalid_code()
    if form.get("action") != "confirm":
        record.deny()
        tx.cancel()
        tenant_of(request).transactions.end(tx)
        return html(hosted.device_done(approved=False))
    tx.confirm_device()
    session = current_session(request)
    if session is None:
        return redirect(page_url("/u/login", tx))
    tx.resume(session.user_id, session.connection, session.auth_time)
    return complete_device(request, tx, session)


ROUTES = [
    Route("/activate", activate_page, methods=["GET"]),
    Route("/activate", activate_submit, methods=["POST"]),
    Route("/u/device-confirm", device_confirm_page, methods=["GET"]),
    Route("/u/device-confirm", device_confirm_submit, methods=["POST"]),
]
