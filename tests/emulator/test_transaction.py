"""The login transaction: its state machine, and the one guard of the hosted pages."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.protocol.transaction import (
    LOGIN_OPEN,
    TRANSACTION_TTL,
    PendingCode,
    Transaction,
    TransactionStateError,
    TxState,
)
from auth0link.emulator.state import demo
from tests.emulator.conftest import csrf_field, pkce, query_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.conftest import Ctx


def test_expired_transaction_is_an_error_page(ctx: Ctx) -> None:
    """A login page with an unknown state shows an error page."""
    reply = ctx.client.get("/u/login", params={"state": secrets.token_urlsafe(8)})
    assert reply.status_code == 400
    assert 'id="error-page"' in reply.text


def _tx(kind: str = "authorize") -> Transaction:
    """A fresh transaction of ``kind``."""
    return Transaction(id="t", kind=kind, client_id="c", params={}, created=0.0)


def test_authorize_path_with_consent_reaches_done() -> None:
    """LOGIN → AUTHENTICATED (silent) → CONSENT → AUTHENTICATED (prompted) → DONE."""
    tx = _tx()
    seen = [tx.state]
    tx.resume("auth0|a", "db", 5)
    seen.append(tx.state)
    assert (tx.prompted, tx.user_id) == (False, "auth0|a")
    tx.ask_consent()
    seen.append(tx.state)
    tx.accept_consent()
    seen.append(tx.state)
    assert tx.prompted
    tx.finish()
    seen.append(tx.state)
    assert seen == [
        TxState.LOGIN,
        TxState.AUTHENTICATED,
        TxState.CONSENT,
        TxState.AUTHENTICATED,
        TxState.DONE,
    ]


def test_passwordless_and_device_paths() -> None:
    """A sent code keeps the login open; a device starts at CONFIRM_DEVICE and can be cancelled there."""
    tx = _tx()
    tx.send_code(PendingCode(to="a@example.com", code="123456", connection="email"))
    assert tx.state is TxState.CODE_SENT
    tx.authenticate("email|e", "email", 7)
    assert (tx.state, tx.pending, tx.prompted) == (TxState.AUTHENTICATED, None, True)
    device = _tx("device")
    assert device.state is TxState.CONFIRM_DEVICE
    device.confirm_device()
    assert (device.state, device.prompted) == (TxState.LOGIN, True)
    cancelled = _tx("device")
    cancelled.cancel()
    assert cancelled.state is TxState.CANCELLED


@pytest.mark.parametrize(
    ("state", "move"),
    [
        (TxState.CONFIRM_DEVICE, lambda tx: tx.authenticate("u|1", "db", 1)),
        (TxState.CONSENT, lambda tx: tx.authenticate("u|1", "db", 1)),
        (TxState.DONE, lambda tx: tx.finish()),
        (TxState.LOGIN, lambda tx: tx.finish()),
        (TxState.LOGIN, lambda tx: tx.cancel()),
        (TxState.AUTHENTICATED, lambda tx: tx.resume("u|1", "db", 1)),
        (TxState.CANCELLED, lambda tx: tx.accept_consent()),
    ],
)
def test_transitions_check_the_current_state(state: TxState, move: Callable[[Transaction], None]) -> None:
    """A transition from a state that does not allow it raises and leaves the state as it was."""
    tx = _tx()
    tx.state = state
    with pytest.raises(TransactionStateError):
        move(tx)
    assert tx.state is state


def test_tenant_lookup_filters_unknown_expired_and_wrong_state(ctx: Ctx) -> None:
    """tenant.transactions.get finds a live transaction only in the asked states; an expired one is forgotten."""
    tenant = ctx.tenant
    tx = tenant.transactions.begin("authorize", demo.NATIVE_CLIENT_ID, {})
    assert tenant.transactions.get(tx.id, LOGIN_OPEN) is tx
    assert tenant.transactions.get(tx.id, {TxState.CONSENT}) is None
    assert tenant.transactions.get("unknown", LOGIN_OPEN) is None
    ctx.advance(TRANSACTION_TTL + 1)
    assert tenant.transactions.get(tx.id, LOGIN_OPEN) is None
    ctx.advance(-TRANSACTION_TTL - 1)
    assert tenant.transactions.get(tx.id, LOGIN_OPEN) is None


def test_login_page_is_closed_once_the_user_is_known(ctx: Ctx) -> None:
    """While the confirmation screen waits, the transaction's login page answers "unknown or expired"."""
    agent = ctx.browser()
    ctx.login(agent)  # an SSO session
    reply = agent.client.get(ctx.authorize_url(pkce(secrets.token_urlsafe(40))))
    consent = reply.headers["location"]
    assert consent.startswith("/u/consent?state=")
    state = query_of(consent)["state"]
    closed = agent.client.get("/u/login", params={"state": state})
    assert closed.status_code == 400
    assert "unknown or has expired" in closed.text
    assert agent.client.get(consent).status_code == 200


def test_device_login_needs_the_confirmation_first(ctx: Ctx) -> None:
    """A device transaction's login page stays closed until the user confirms the code."""
    start = ctx.client.post(
        "/oauth/device/code", data={"client_id": demo.NATIVE_CLIENT_ID, "scope": "openid"}
    )
    token = csrf_field(ctx.client)
    activate = ctx.client.post("/activate", data={"user_code": start.json()["user_code"], **token})
    state = query_of(activate.headers["location"])["state"]
    login = {"state": state, "username": "alice@example.com", "password": demo.ALICE_PASSWORD, **token}
    early = ctx.client.post("/u/login", data=login)
    assert early.status_code == 400
    assert "unknown or has expired" in early.text
    confirmed = ctx.client.post("/u/device-confirm", data={"state": state, "action": "confirm", **token})
    assert confirmed.headers["location"].startswith("/u/login?state=")
    done = ctx.client.post("/u/login", data=login)
    assert 'id="device-success"' in done.text
