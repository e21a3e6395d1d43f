"""Attempt limits: brute-force protection on passwords, three tries per one-time code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.protocol.attempts import BLOCKED, MAX_OTP_ATTEMPTS
from auth0link.emulator.state import tenant_file
from auth0link.emulator.testing.agent import AgentError
from tests.emulator.conftest import csrf_field
from tests.emulator.test_embedded import otp_grant, start
from tests.emulator.test_extgrants import realm_login

if TYPE_CHECKING:
    from pathlib import Path

    from tests.emulator.conftest import Ctx

TOO_MANY = {"error": "too_many_attempts", "error_description": BLOCKED}


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_right_password_after_ten_wrong_ones_is_blocked(ctx: Ctx) -> None:
    """After 10 wrong passwords the user is blocked: 429 too_many_attempts, the right password too."""
    for _ in range(10):
        assert realm_login(ctx, password="wrong").status_code == 403
    reply = realm_login(ctx)
    assert (reply.status_code, reply.json()) == (429, TOO_MANY)
    assert ctx.client.post("/__emulator/reset").status_code == 204
    assert realm_login(ctx).status_code == 200


def test_a_right_password_restarts_the_count(ctx: Ctx) -> None:
    """Failures must be consecutive: 9 wrong, 1 right, 9 wrong still logs in."""
    for _ in range(9):
        realm_login(ctx, password="wrong")
    assert realm_login(ctx).status_code == 200
    for _ in range(9):
        realm_login(ctx, password="wrong")
    assert realm_login(ctx).status_code == 200


def test_the_login_page_blocks_too(ctx: Ctx) -> None:
    """The Universal Login page shows Auth0's block message after 10 wrong passwords."""
    for _ in range(10):
        with pytest.raises(AgentError, match="Wrong email or password"):
            ctx.login(password="nope")
    with pytest.raises(AgentError, match="blocked after multiple consecutive login attempts"):
        ctx.login()


def test_threshold_from_the_tenant_file(ctx: Ctx, tmp_path: Path) -> None:
    """attackProtection.bruteForceProtection.max_attempts sets the threshold (deploy-cli's keys)."""
    path = tmp_path / "tenant.yaml"
    path.write_text("attackProtection:\n  bruteForceProtection: {enabled: true, max_attempts: 2}\n")
    tenant_file.load(ctx.tenant, path)
    realm_login(ctx, password="wrong")
    realm_login(ctx, password="wrong")
    assert realm_login(ctx).status_code == 429


def test_a_bad_threshold_in_the_tenant_file_is_refused(ctx: Ctx, tmp_path: Path) -> None:
    """A threshold outside Auth0's 1-100 is one error naming the key."""
    path = tmp_path / "tenant.yaml"
    path.write_text("attackProtection:\n  bruteForceProtection: {max_attempts: 0}\n")
    with pytest.raises(Exception, match="max_attempts must be 1 to 100"):
        tenant_file.load(ctx.tenant, path)


def test_a_one_time_code_dies_after_three_wrong_tries(ctx: Ctx) -> None:
    """The OTP grant: three wrong codes, then the right one is refused with Auth0's words."""
    start(ctx, connection="email", email="alice@example.com", send="code")
    code = ctx.tenant.outbox.messages("alice@example.com")[-1]["code"]
    for _ in range(3):
        wrong = otp_grant(ctx, "alice@example.com", _wrong(code), "email")
        assert wrong.json()["error_description"] == "Wrong email or verification code."
    reply = otp_grant(ctx, "alice@example.com", code, "email")
    assert (reply.status_code, reply.json()) == (
        403,
        {"error": "invalid_grant", "error_description": MAX_OTP_ATTEMPTS},
    )
    start(ctx, connection="email", email="alice@example.com", send="code")
    fresh = ctx.tenant.outbox.messages("alice@example.com")[-1]["code"]
    assert otp_grant(ctx, "alice@example.com", fresh, "email").status_code == 200


def test_two_wrong_codes_then_the_right_one_works(ctx: Ctx) -> None:
    """Fewer than three wrong tries leave the code usable."""
    start(ctx, connection="sms", phone_number="+15555550123")
    code = ctx.tenant.outbox.messages("+15555550123")[-1]["code"]
    for _ in range(2):
        otp_grant(ctx, "+15555550123", _wrong(code), "sms")
    assert otp_grant(ctx, "+15555550123", code, "sms").status_code == 200


def test_login_page_code_dies_after_three_wrong_tries(ctx: Ctx) -> None:
    """On the passwordless code page, three wrong codes end the transaction's tries."""
    agent = ctx.browser()
    reply = agent.client.get(ctx.authorize_url("x" * 43, connection="email"), follow_redirects=True)
    state = reply.url.params["state"]
    token = csrf_field(agent.client)
    form = {"state": state, "connection": "email", "email": "alice@example.com", **token}
    sent = agent.client.post("/u/login/idp", data=form, follow_redirects=True)
    code_url = sent.url.path
    code = ctx.tenant.outbox.messages("alice@example.com")[-1]["code"]
    for _ in range(3):
        page = agent.client.post(code_url, data={"state": state, "code": _wrong(code), **token})
        assert "Wrong email or verification code." in page.text
    page = agent.client.post(code_url, data={"state": state, "code": code, **token})
    assert page.status_code == 400
    assert "maximum number of attempts" in page.text
