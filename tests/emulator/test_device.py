"""The device flow: /oauth/device/code, /activate pages and polling states."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import jwt

from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE, DEVICE_GRANT, csrf_field
from tests.support.demo_ids import ALICE, BOB

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


def start(ctx: Ctx, **extra: str) -> dict[str, Any]:
    """Start a device authorization."""
    reply = ctx.client.post(
        "/oauth/device/code",
        data={
            "client_id": demo.NATIVE_CLIENT_ID,
            "scope": "openid profile email offline_access read:current_user",
            "audience": BASE + "/api/v2/",
            **extra,
        },
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def poll(ctx: Ctx, device_code: str) -> tuple[int, dict[str, Any]]:
    """One poll of the token endpoint."""
    reply = ctx.client.post(
        "/oauth/token",
        data={"grant_type": DEVICE_GRANT, "client_id": demo.NATIVE_CLIENT_ID, "device_code": device_code},
    )
    return reply.status_code, reply.json()


def test_device_code_response_shape(ctx: Ctx) -> None:
    """The device authorization answer has Auth0's fields and a BCDF-GHJK style user code."""
    body = start(ctx)
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", body["user_code"])
    assert body["verification_uri"] == BASE + "/activate"
    assert body["verification_uri_complete"] == f"{BASE}/activate?user_code={body['user_code']}"
    assert (body["expires_in"], body["interval"]) == (900, 5)


def test_pending_then_slow_down_then_approved(ctx: Ctx) -> None:
    """Polls: authorization_pending (403), too fast → slow_down (429), approved → tokens."""
    body = start(ctx)
    assert poll(ctx, body["device_code"])[0:1] == (403,)
    status, error = poll(ctx, body["device_code"])
    assert (status, error["error"]) == (429, "slow_down")
    ctx.advance(5)
    status, error = poll(ctx, body["device_code"])
    assert (status, error["error"]) == (403, "authorization_pending")
    ctx.browser().approve_device(
        body["verification_uri_complete"], email="alice@example.com", password=demo.ALICE_PASSWORD
    )
    ctx.advance(5)
    status, tokens = poll(ctx, body["device_code"])
    assert status == 200
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"] == ALICE
    assert tokens["refresh_token"]
    assert poll(ctx, body["device_code"])[1]["error"] == "invalid_grant"  # used


def test_user_can_type_the_code_and_pick_a_connection(ctx: Ctx) -> None:
    """/activate without the code: the user types it (any case, no dash) and logs in with bob."""
    body = start(ctx)
    typed = body["user_code"].replace("-", "").lower()
    ctx.browser().approve_device(
        BASE + "/activate", user_code=typed, email="bob@example.com", password=demo.BOB_PASSWORD
    )
    status, tokens = poll(ctx, body["device_code"])
    assert status == 200
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"] == BOB


def test_cancel_gives_access_denied(ctx: Ctx) -> None:
    """Cancelling on the confirmation page makes the poll return access_denied (403)."""
    body = start(ctx)
    ctx.browser().approve_device(body["verification_uri_complete"], deny=True)
    assert poll(ctx, body["device_code"]) == (
        403,
        {
            "error": "access_denied",
            "error_description": "User cancelled the confirmation prompt or consent page.",
        },
    )


def test_expired_token_once_then_invalid_grant(ctx: Ctx) -> None:
    """After expires_in, the first poll is expired_token (403) and later ones invalid_grant."""
    body = start(ctx)
    ctx.advance(901)
    assert poll(ctx, body["device_code"])[1]["error"] == "expired_token"
    assert poll(ctx, body["device_code"])[1]["error"] == "invalid_grant"


def test_unknown_device_code_is_invalid_grant(ctx: Ctx) -> None:
    """A made-up device code is invalid_grant (403)."""
    status, body = poll(ctx, "nope")
    assert (status, body["error"]) == (403, "invalid_grant")


def test_activate_rejects_a_wrong_code(ctx: Ctx) -> None:
    """A wrong user code re-renders /activate with an error (400)."""
    reply = ctx.client.post("/activate", data={"user_code": "BBBB-BBBB", **csrf_field(ctx.client)})
    assert reply.status_code == 400
    assert "Invalid or expired code." in reply.text


def test_device_flow_uses_the_sso_session(ctx: Ctx) -> None:
    """With an SSO session the user only confirms the code (no login page)."""
    browser = ctx.browser()
    ctx.login(browser)
    body = start(ctx)
    browser.approve_device(body["verification_uri_complete"])  # no credentials needed
    assert poll(ctx, body["device_code"])[0] == 200


def test_device_code_errors(ctx: Ctx) -> None:
    """Unknown clients and the M2M client cannot start a device flow."""
    reply = ctx.client.post("/oauth/device/code", data={"client_id": demo.M2M_CLIENT_ID})
    assert (reply.status_code, reply.json()["error"]) == (403, "unauthorized_client")
    reply = ctx.client.post("/oauth/device/code", data={"client_id": "nope"})
    assert reply.status_code == 401
    reply = ctx.client.post("/oauth/device/code", data={})
    assert (reply.status_code, reply.json()["error"]) == (400, "invalid_request")
