"""Hosted forms carry a token bound to the browser and refuse foreign origins (CSRF)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.emulator.state import demo
from auth0link.emulator.web.csrf import COOKIE
from tests.emulator.conftest import DEVICE_GRANT, csrf_field, query_of

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx

ATTACKER = "https://attacker.example"


def _attacker_device_transaction(ctx: Ctx) -> tuple[str, str]:
    """An attacker's device flow, past /activate in the attacker's own browser: (device_code, state)."""
    start = ctx.client.post(
        "/oauth/device/code", data={"client_id": demo.NATIVE_CLIENT_ID, "scope": "openid"}
    )
    attacker = ctx.browser().client
    activate = attacker.post(
        "/activate", data={"user_code": start.json()["user_code"], **csrf_field(attacker)}
    )
    return start.json()["device_code"], query_of(activate.headers["location"])["state"]


def _poll(ctx: Ctx, device_code: str) -> str:
    reply = ctx.client.post(
        "/oauth/token",
        data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": demo.NATIVE_CLIENT_ID},
    )
    return str(reply.json().get("error", "ok"))


def test_cross_site_device_confirmation_is_refused(ctx: Ctx) -> None:
    """A foreign page cannot make a signed-in victim confirm the attacker's device code."""
    device_code, state = _attacker_device_transaction(ctx)
    victim = ctx.browser()
    ctx.login(victim)  # the victim has an SSO session
    forged = victim.client.post(
        "/u/device-confirm",
        data={"state": state, "action": "confirm"},
        headers={"origin": ATTACKER},
    )
    assert forged.status_code == 403
    assert _poll(ctx, device_code) == "authorization_pending"


def test_same_origin_post_without_the_token_is_refused(ctx: Ctx) -> None:
    """Without Origin (or with the emulator's own) a post still needs the browser's token."""
    device_code, state = _attacker_device_transaction(ctx)
    victim = ctx.browser()
    ctx.login(victim)
    bare = victim.client.post("/u/device-confirm", data={"state": state, "action": "confirm"})
    assert bare.status_code == 403
    stolen = csrf_field(ctx.browser().client)  # another browser's token
    other = victim.client.post("/u/device-confirm", data={"state": state, "action": "confirm", **stolen})
    assert other.status_code == 403
    assert _poll(ctx, device_code) == "authorization_pending"


def test_a_foreign_origin_is_refused_even_with_the_token(ctx: Ctx) -> None:
    """A right token from a foreign Origin is still refused; the own origin is accepted."""
    browser = ctx.browser().client
    token = csrf_field(browser)
    foreign = browser.post(
        "/activate", data={"user_code": "BBBB-BBBB", **token}, headers={"origin": ATTACKER}
    )
    assert foreign.status_code == 403
    own = browser.post(
        "/activate", data={"user_code": "BBBB-BBBB", **token}, headers={"origin": ctx.tenant.origin}
    )
    assert own.status_code == 400  # past the check: the code is wrong
    assert "Invalid or expired code." in own.text


def test_pages_set_a_private_cookie_and_the_field(ctx: Ctx) -> None:
    """The first hosted page sets an HttpOnly, SameSite=Lax, Secure cookie; forms get the field."""
    page = ctx.browser().client.get("/activate")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie
    assert 'name="_csrf"' in page.text


def test_form_post_answers_get_no_token(ctx: Ctx) -> None:
    """The form that posts the answer to the application never carries the emulator's token."""
    browser = ctx.browser()
    ctx.login(browser)
    reply = browser.client.get(ctx.authorize_url("x" * 43, response_mode="form_post", prompt="none"))
    assert 'id="form-post"' in reply.text
    assert "_csrf" not in reply.text
