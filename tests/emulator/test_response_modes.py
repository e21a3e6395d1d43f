"""/authorize response modes: query, fragment, form_post and web_message (popup and silent iframe)."""

from __future__ import annotations

import re
from html import unescape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE, SPA_ORIGIN, claims, csrf_field, pkce, web_message_of
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    import httpx

    from auth0link.emulator.testing.agent import LoginAgent
    from tests.emulator.conftest import Ctx

VERIFIER = "v" * 43


def spa_authorize(**params: str) -> str:
    """An /authorize URL of the demo SPA client, as auth0-spa-js builds it."""
    query = {
        "client_id": demo.SPA_CLIENT_ID,
        "redirect_uri": SPA_ORIGIN,
        "response_type": "code",
        "scope": "openid profile email offline_access",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": pkce(VERIFIER),
        "code_challenge_method": "S256",
        **params,
    }
    return BASE + "/authorize?" + urlencode(query)


def log_in_on_the_page(browser: LoginAgent, url: str) -> httpx.Response:
    """Open ``url`` and answer the login form as alice; return the answer to the form."""
    first = browser.client.get(url)
    assert first.status_code == 302, first.text
    page = browser.client.get(first.headers["location"])
    state = re.search(r'name="state" value="([^"]+)"', page.text)
    assert state is not None
    return browser.client.post(
        "/u/login",
        data={
            "state": state.group(1),
            "username": "alice@example.com",
            "password": demo.ALICE_PASSWORD,
            **csrf_field(browser.client),
        },
    )


def redeem(ctx: Ctx, code: str) -> dict[str, object]:
    """Exchange a SPA code (public client, PKCE)."""
    reply = ctx.client.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": demo.SPA_CLIENT_ID,
            "code": code,
            "code_verifier": VERIFIER,
            "redirect_uri": SPA_ORIGIN,
        },
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, object] = reply.json()
    return body


def test_query_is_the_default_mode(ctx: Ctx) -> None:
    """Without response_mode the code comes back in the query string."""
    answer = log_in_on_the_page(ctx.browser(), spa_authorize())
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(SPA_ORIGIN + "?code=")


def test_fragment_mode_puts_code_and_state_in_the_fragment(ctx: Ctx) -> None:
    """response_mode=fragment: redirect_uri#code=…&state=…, and the code redeems."""
    answer = log_in_on_the_page(ctx.browser(), spa_authorize(response_mode="fragment"))
    location = urlsplit(answer.headers["location"])
    assert (location.query, location.fragment != "") == ("", True)
    fragment = {k: v[0] for k, v in parse_qs(location.fragment).items()}
    assert fragment["state"] == "st-1"
    assert claims(str(redeem(ctx, fragment["code"])["id_token"]))["sub"] == ALICE


def test_form_post_mode_answers_a_self_submitting_form(ctx: Ctx) -> None:
    """response_mode=form_post: a page posting code and state to redirect_uri by itself."""
    answer = log_in_on_the_page(ctx.browser(), spa_authorize(response_mode="form_post"))
    assert answer.status_code == 200
    assert f'action="{SPA_ORIGIN}"' in answer.text
    assert "document.getElementById('form-post').submit()" in answer.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', answer.text))
    assert fields["state"] == "st-1"
    assert "id_token" in redeem(ctx, unescape(fields["code"]))


def test_web_message_posts_the_code_to_the_web_origin(ctx: Ctx) -> None:
    """loginWithPopup: the page posts {type: authorization_response, response: {code, state}}."""
    answer = log_in_on_the_page(ctx.browser(), spa_authorize(response_mode="web_message", prompt="login"))
    assert answer.status_code == 200
    assert 'type: "authorization_response"' in answer.text
    assert "window.opener ? window.opener : window.parent" in answer.text
    message = web_message_of(answer.text)
    assert message["targetOrigin"] == SPA_ORIGIN
    assert message["response"]["state"] == "st-1"
    assert "id_token" in redeem(ctx, message["response"]["code"])


def test_silent_web_message_without_session_posts_login_required(ctx: Ctx) -> None:
    """getTokenSilently without an SSO session: the iframe gets error=login_required."""
    reply = ctx.browser().client.get(spa_authorize(response_mode="web_message", prompt="none"))
    assert reply.status_code == 200
    assert web_message_of(reply.text)["response"] == {
        "error": "login_required",
        "error_description": "Login required",
        "state": "st-1",
    }


def test_silent_web_message_with_session_posts_a_code(ctx: Ctx) -> None:
    """With the SSO cookie, prompt=none answers a fresh code in the iframe (no confirmation)."""
    browser = ctx.browser()
    log_in_on_the_page(browser, spa_authorize())
    reply = browser.client.get(spa_authorize(response_mode="web_message", prompt="none", state="st-2"))
    response = web_message_of(reply.text)["response"]
    assert response["state"] == "st-2"
    assert claims(str(redeem(ctx, response["code"])["access_token"]))["sub"] == ALICE


def test_web_message_needs_a_registered_web_origin(ctx: Ctx) -> None:
    """The native client has no Allowed Web Origins: web_message is Auth0's 400 error page."""
    url = ctx.authorize_url(pkce(VERIFIER), response_mode="web_message", prompt="none")
    reply = ctx.client.get(url)
    assert reply.status_code == 400
    assert (
        "The specified redirect_uri &#x27;http://127.0.0.1:8484/callback&#x27; does not have a "
        "registered origin." in reply.text
    )


def test_unknown_response_mode_is_an_error_page(ctx: Ctx) -> None:
    """An unsupported response_mode cannot be answered in it: a 400 error page."""
    reply = ctx.client.get(spa_authorize(response_mode="carrier_pigeon"))
    assert reply.status_code == 400
    assert "Unsupported response_mode: carrier_pigeon" in reply.text


def test_errors_travel_in_the_requested_mode(ctx: Ctx) -> None:
    """A request error (bad audience) comes back in the fragment when fragment was asked."""
    reply = ctx.client.get(spa_authorize(response_mode="fragment", audience="https://other.example/"))
    fragment = parse_qs(urlsplit(reply.headers["location"]).fragment)
    assert fragment["error"] == ["access_denied"]
