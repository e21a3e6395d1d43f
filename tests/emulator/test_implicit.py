"""Implicit and hybrid /authorize answers: id_token, token id_token, code id_token; nonce, at_hash, c_hash."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE, CALLBACK, SPA_ORIGIN, Ctx, claims, pkce, web_message_of
from tests.emulator.test_response_modes import VERIFIER, log_in_on_the_page, redeem
from tests.support.demo_ids import ALICE

WEB_CALLBACK = demo.WEB_CALLBACK_URLS[0]


def half_hash(value: str) -> str:
    """OIDC's at_hash/c_hash for RS256, computed here independently of the emulator."""
    digest = hashlib.sha256(value.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(client_id: str, redirect_uri: str, **params: str) -> str:
    """An /authorize URL with openid profile email, a state and the given parameters."""
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid profile email",
        "state": "st-i",
        **params,
    }
    return BASE + "/authorize?" + urlencode(query)


def fragment_of(location: str) -> dict[str, str]:
    """The fields of a redirect's fragment."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def test_express_openid_connect_default_id_token_form_post(ctx: Ctx) -> None:
    """response_type=id_token, response_mode=form_post: a form posting id_token and state; no at_hash."""
    url = authorize(
        demo.WEB_CLIENT_ID, WEB_CALLBACK, response_type="id_token", response_mode="form_post", nonce="n-e"
    )
    answer = log_in_on_the_page(ctx.browser(), url)
    assert answer.status_code == 200
    fields = {k: unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', answer.text)}
    assert set(fields) == {"id_token", "state"}
    id_claims = claims(fields["id_token"])
    assert (id_claims["sub"], id_claims["aud"], id_claims["nonce"]) == (ALICE, demo.WEB_CLIENT_ID, "n-e")
    assert id_claims["email"] == "alice@example.com"
    assert "at_hash" not in id_claims
    assert "c_hash" not in id_claims


def test_check_session_token_id_token_over_web_message(ctx: Ctx) -> None:
    """auth0-js checkSession: prompt=none, token id_token, web_message → tokens with at_hash."""
    browser = ctx.browser()
    log_in_on_the_page(
        browser, authorize(demo.SPA_CLIENT_ID, SPA_ORIGIN, response_type="id_token", nonce="n-1")
    )
    reply = browser.client.get(
        authorize(
            demo.SPA_CLIENT_ID,
            SPA_ORIGIN,
            response_type="token id_token",
            response_mode="web_message",
            prompt="none",
            nonce="n-2",
        )
    )
    response = web_message_of(reply.text)["response"]
    assert (response["token_type"], response["expires_in"], response["state"]) == ("Bearer", "7200", "st-i")
    id_claims = claims(response["id_token"])
    assert id_claims["nonce"] == "n-2"
    assert id_claims["at_hash"] == half_hash(response["access_token"])
    assert claims(response["access_token"])["sub"] == ALICE


def test_hybrid_code_id_token_has_c_hash_and_a_redeemable_code(ctx: Ctx) -> None:
    """code id_token (fragment by default): c_hash of the code; the code redeems with PKCE."""
    url = authorize(
        demo.SPA_CLIENT_ID,
        SPA_ORIGIN,
        response_type="code id_token",
        nonce="n-h",
        code_challenge=pkce(VERIFIER),
        code_challenge_method="S256",
    )
    answer = log_in_on_the_page(ctx.browser(), url)
    fields = fragment_of(answer.headers["location"])
    assert claims(fields["id_token"])["c_hash"] == half_hash(fields["code"])
    assert "access_token" not in fields
    assert "id_token" in redeem(ctx, fields["code"])


def test_id_token_responses_need_a_nonce(ctx: Ctx) -> None:
    """Without nonce: invalid_request "Missing required parameter: nonce", in the fragment."""
    reply = ctx.client.get(authorize(demo.SPA_CLIENT_ID, SPA_ORIGIN, response_type="token id_token"))
    assert reply.status_code == 302
    assert fragment_of(reply.headers["location"]) == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: nonce",
        "state": "st-i",
    }


def test_a_client_without_the_implicit_grant_is_refused(ctx: Ctx) -> None:
    """The native client has no implicit grant: unauthorized_client, as Auth0 says it."""
    reply = ctx.client.get(authorize(demo.NATIVE_CLIENT_ID, CALLBACK, response_type="id_token", nonce="n"))
    fields = fragment_of(reply.headers["location"])
    assert fields["error"] == "unauthorized_client"
    assert fields["error_description"] == "Grant type 'implicit' not allowed for the client."
