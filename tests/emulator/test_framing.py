"""Clickjacking protection on the hosted pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.emulator.conftest import pkce

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


@pytest.mark.parametrize("path", ["/activate", "/v2/logout", "/u/login?state=unknown"])
def test_hosted_pages_refuse_framing(ctx: Ctx, path: str) -> None:
    """Every hosted page sends X-Frame-Options deny and CSP frame-ancestors 'none'."""
    reply = ctx.client.get(path)
    assert reply.headers["x-frame-options"] == "deny"
    assert reply.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_login_page_refuses_framing(ctx: Ctx) -> None:
    """The login page of a live transaction cannot be framed."""
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43)))
    page = ctx.client.get(reply.headers["location"])
    assert 'id="login-form"' in page.text
    assert page.headers["x-frame-options"] == "deny"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_json_answers_carry_no_frame_headers(ctx: Ctx) -> None:
    """Only HTML pages get the framing headers (JSON APIs are untouched)."""
    reply = ctx.client.get("/.well-known/openid-configuration")
    assert "x-frame-options" not in reply.headers


def test_silent_authentication_may_be_framed_by_the_app_only(ctx: Ctx) -> None:
    """The prompt=none web_message answer runs in the app's iframe: only its origin may frame it."""
    from tests.emulator.conftest import SPA_ORIGIN
    from tests.emulator.test_response_modes import spa_authorize

    reply = ctx.browser().client.get(spa_authorize(response_mode="web_message", prompt="none"))
    assert reply.status_code == 200
    assert reply.headers["content-security-policy"] == f"frame-ancestors {SPA_ORIGIN}"
    assert "x-frame-options" not in reply.headers
