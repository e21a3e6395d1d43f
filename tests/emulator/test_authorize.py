"""/authorize: validation, silent SSO, prompt/max_age, and the non-verifiable callback confirmation screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from tests.emulator.conftest import CALLBACK, claims, csrf_field, pkce, query_of
from tests.support.demo_ids import ALICE, BOB

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.conftest import Ctx


def test_database_login_returns_code_and_tokens(ctx: Ctx) -> None:
    """Email + password on the login page yields a code, then ID/access/refresh tokens."""
    tokens = ctx.login()
    idt = claims(tokens["id_token"])
    assert idt["sub"] == ALICE
    assert idt["aud"] == demo.NATIVE_CLIENT_ID
    assert idt["iss"] == "https://emulator.test/"
    assert idt["nonce"] == "n-0S6"
    assert idt["email"] == "alice@example.com"
    assert idt["exp"] == idt["iat"] + 36000  # type: ignore[operator] # ints from the JWT
    assert "sid" in idt
    assert tokens["refresh_token"]
    assert tokens["token_type"] == "Bearer"
    at = claims(tokens["access_token"])
    assert at["aud"] == ["https://emulator.test/api/v2/", "https://emulator.test/userinfo"]
    assert at["azp"] == demo.NATIVE_CLIENT_ID
    assert "read:current_user" in str(at["scope"])


def test_state_is_echoed_on_the_callback(ctx: Ctx) -> None:
    """The callback carries the state sent to /authorize."""
    url = ctx.browser().complete_authorize(
        ctx.authorize_url(pkce("v" * 43), state="s-42"),
        email="alice@example.com",
        password=demo.ALICE_PASSWORD,
        deliver=False,
    )
    assert url.startswith(CALLBACK + "?")
    assert query_of(url)["state"] == "s-42"


def test_auth_time_only_with_prompt_login_or_max_age(ctx: Ctx) -> None:
    """auth_time is in the ID token when prompt=login or max_age was sent, not otherwise."""
    assert "auth_time" not in claims(ctx.login()["id_token"])
    assert claims(ctx.login(prompt="login")["id_token"])["auth_time"] == int(ctx.clock[0])
    assert "auth_time" in claims(ctx.login(max_age="3600")["id_token"])


def test_second_authorize_logs_in_silently_through_sso(ctx: Ctx) -> None:
    """After a login, /authorize without prompt=login needs no credentials (SSO session)."""
    browser = ctx.browser()
    ctx.login(browser)
    again = ctx.login(browser, email="", password=None)
    assert claims(again["id_token"])["sub"] == ALICE


def test_sso_session_is_skipped_by_prompt_login(ctx: Ctx) -> None:
    """With an SSO session, prompt=login still shows the login page."""
    browser = ctx.browser()
    ctx.login(browser)
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43), prompt="login"))
    assert reply.status_code == 302
    assert reply.headers["location"].startswith("/u/login?")
    page = browser.client.get(reply.headers["location"])
    assert 'id="login-form"' in page.text
    switched = ctx.login(browser, email="bob@example.com", password=demo.BOB_PASSWORD, prompt="login")
    assert claims(switched["id_token"])["sub"] == BOB


def test_max_age_zero_forces_a_fresh_login(ctx: Ctx) -> None:
    """max_age=0 forces the login page even with an SSO session."""
    browser = ctx.browser()
    ctx.login(browser)
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43), max_age="0"))
    assert reply.headers["location"].startswith("/u/login?")


def test_silent_sso_on_loopback_shows_the_confirmation_screen(ctx: Ctx) -> None:
    """A silent SSO login to a loopback callback stops at the non-verifiable callback screen."""
    browser = ctx.browser()
    ctx.login(browser)
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43)))
    assert reply.headers["location"].startswith("/u/consent?")
    page = browser.client.get(reply.headers["location"])
    assert 'id="callback-confirm-form"' in page.text
    assert CALLBACK in page.text


def test_confirmation_screen_can_be_cancelled(ctx: Ctx) -> None:
    """Cancelling the confirmation screen sends access_denied to the callback."""
    browser = ctx.browser()
    ctx.login(browser)
    url = browser.complete_authorize(
        ctx.authorize_url(pkce("x" * 43)), email="alice@example.com", deny=True, deliver=False
    )
    assert query_of(url)["error"] == "access_denied"
    assert query_of(url)["state"] == "xyz"


def test_confirmation_screen_is_not_shown_after_a_login_page(ctx: Ctx) -> None:
    """A login that showed the login page goes straight to the callback (no extra screen)."""
    browser = ctx.browser()
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43)))
    login = browser.client.get(reply.headers["location"])
    state = query_of(str(login.url))["state"]
    posted = browser.client.post(
        "/u/login",
        data={
            "state": state,
            "username": "alice@example.com",
            "password": demo.ALICE_PASSWORD,
            **csrf_field(browser.client),
        },
    )
    assert posted.status_code == 302
    assert posted.headers["location"].startswith(CALLBACK + "?code=")


def test_skip_callback_confirmation_turns_the_screen_off(make_ctx: Callable[..., Ctx]) -> None:
    """With the client setting on, silent SSO goes straight to the callback."""
    local = make_ctx(skip_callback_confirmation=True)
    browser = local.browser()
    local.login(browser)
    reply = browser.client.get(local.authorize_url(pkce("x" * 43)))
    assert reply.headers["location"].startswith(CALLBACK + "?code=")
    none = browser.client.get(local.authorize_url(pkce("x" * 43), prompt="none"))
    assert none.headers["location"].startswith(CALLBACK + "?code=")


def test_prompt_none_without_session_is_login_required(make_ctx: Callable[..., Ctx]) -> None:
    """prompt=none without an SSO session redirects with error=login_required."""
    local = make_ctx(skip_callback_confirmation=True)
    reply = local.client.get(local.authorize_url(pkce("x" * 43), prompt="none"))
    assert query_of(reply.headers["location"]) == {
        "error": "login_required",
        "error_description": "Login required",
        "state": "xyz",
    }


def test_prompt_none_is_rejected_while_confirmation_is_on(ctx: Ctx) -> None:
    """With the confirmation screen enabled, prompt=none is rejected even with a session."""
    browser = ctx.browser()
    ctx.login(browser)
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43), prompt="none"))
    assert query_of(reply.headers["location"])["error"] == "invalid_request"


def test_redirect_uri_mismatch_shows_auth0_error_page(ctx: Ctx) -> None:
    """An unregistered redirect_uri (even another loopback port) gets Callback URL mismatch."""
    for uri in ("http://127.0.0.1:60005/callback", "http://127.0.0.1:8484/callback/"):
        reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), redirect_uri=uri))
        assert reply.status_code == 400
        assert "Callback URL mismatch." in reply.text
        assert f"{uri} is not in the list of allowed callback URLs" in reply.text
        assert "unauthorized_client" in reply.text


def test_localhost_and_127_are_distinct_registered_callbacks(ctx: Ctx) -> None:
    """http://localhost:8486/callback is registered on its own and works."""
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), redirect_uri="http://localhost:8486/callback"))
    assert reply.status_code == 302
    assert reply.headers["location"].startswith("/u/login?")


def test_unknown_client_is_an_error_page(ctx: Ctx) -> None:
    """An unknown client_id gets an error page, not a redirect."""
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), client_id="nope"))
    assert reply.status_code == 400
    assert 'id="error-page"' in reply.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"response_type": "code token_x"}, "unsupported_response_type"),
        ({"audience": "https://other.example/api"}, "access_denied"),
        ({"connection": "facebook"}, "invalid_request"),
    ],
)
def test_invalid_authorize_requests_redirect_with_error(ctx: Ctx, params: dict[str, str], error: str) -> None:
    """PKCE missing or plain, bad response_type, audience or connection come back as errors."""
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), **params))
    assert reply.status_code == 302
    location = reply.headers["location"]
    assert location.startswith(CALLBACK + "?")
    assert query_of(location)["error"] == error
