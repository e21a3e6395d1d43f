"""The hosted login pages: database form, social chooser, passwordless codes, sign-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.testing.agent import AgentError
from tests.emulator.conftest import claims, csrf_field, pkce, query_of
from tests.support.demo_ids import ALICE, EMAIL_USER, GITHUB, GOOGLE

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


def test_wrong_password_is_refused_on_the_page(ctx: Ctx) -> None:
    """A wrong password re-renders the login page with Auth0's message (HTTP 400)."""
    with pytest.raises(AgentError, match="Wrong email or password"):
        ctx.login(password="nope")


def test_login_hint_prefills_the_email(ctx: Ctx) -> None:
    """login_hint is pre-filled in the email field."""
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), login_hint="bob@example.com"))
    page = ctx.client.get(reply.headers["location"])
    assert 'value="bob@example.com"' in page.text


def test_connection_skips_the_chooser(ctx: Ctx) -> None:
    """connection=google-oauth2 goes straight to that IdP's account chooser."""
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), connection="google-oauth2"))
    assert reply.headers["location"].startswith("/u/login/idp?")
    page = ctx.client.get(reply.headers["location"])
    assert 'id="idp-account-chooser"' in page.text
    assert 'id="login-form"' not in page.text


def test_social_logins_give_the_social_user(ctx: Ctx) -> None:
    """Google and GitHub logins return their own users, with their email_verified."""
    google = claims(ctx.login(connection="google-oauth2", password=None)["id_token"])
    assert google["sub"] == GOOGLE
    github = claims(ctx.login(connection="github", password=None)["id_token"])
    assert github["sub"] == GITHUB
    assert github["email_verified"] is False


def test_unknown_social_account_signs_up(ctx: Ctx) -> None:
    """A new account at an IdP creates a new user on first login."""
    idt = claims(ctx.login(email="new@example.com", connection="github", password=None)["id_token"])
    assert str(idt["sub"]).startswith("github|")
    assert str(idt["sub"]) in ctx.tenant.users


def test_passwordless_email_code_from_outbox(ctx: Ctx) -> None:
    """The email connection sends a code to the outbox; entering it logs the user in."""
    idt = claims(ctx.login(connection="email", password=None)["id_token"])
    assert idt["sub"] == EMAIL_USER
    (message,) = ctx.client.get("/__emulator/outbox", params={"to": "alice@example.com"}).json()["messages"]
    assert message["kind"] == "email"
    assert len(message["code"]) == 6


def test_passwordless_sms_login(ctx: Ctx) -> None:
    """The sms connection works with a phone number and a code."""
    idt = claims(ctx.login(email="+15555550123", connection="sms", password=None)["id_token"])
    assert idt["sub"] == "sms|65f0ca401000000000000051"


def test_wrong_one_time_code_is_refused(ctx: Ctx) -> None:
    """A wrong passwordless code re-renders the code page with an error."""
    browser = ctx.browser()
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43), connection="email"))
    page = browser.client.get(reply.headers["location"])
    state = query_of(str(page.url))["state"]
    token = csrf_field(browser.client)
    sent = browser.client.post(
        "/u/login/idp", data={"state": state, "connection": "email", "email": "alice@example.com", **token}
    )
    wrong = browser.client.post(sent.headers["location"], data={"state": state, "code": "000000x", **token})
    assert wrong.status_code == 400
    assert "Wrong email or verification code." in wrong.text


def test_linked_secondary_login_yields_the_primary(ctx: Ctx) -> None:
    """After linking, logging in with the secondary identity returns the primary user."""
    ctx.tenant.users.link(ALICE, "google-oauth2", GOOGLE.split("|")[1])
    idt = claims(ctx.login(connection="google-oauth2", password=None)["id_token"])
    assert idt["sub"] == ALICE
