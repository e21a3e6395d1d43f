"""/dbconnections/signup and /passwordless/start with the passwordless OTP grant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.state import demo
from auth0link.emulator.state.applications import PASSWORDLESS_OTP_GRANT
from tests.emulator.conftest import BASE, SPA_ORIGIN, claims

if TYPE_CHECKING:
    import httpx

    from tests.emulator.conftest import Ctx

STRONG = "Correct-Horse-42"
WEB = {"client_id": demo.WEB_CLIENT_ID, "client_secret": demo.WEB_CLIENT_SECRET}


def signup(ctx: Ctx, **body: Any) -> httpx.Response:
    """POST /dbconnections/signup for the SPA (a public client needs no secret)."""
    payload = {"client_id": demo.SPA_CLIENT_ID, "connection": demo.DATABASE, **body}
    return ctx.client.post("/dbconnections/signup", json=payload)


def test_signup_creates_a_database_user_who_can_log_in(ctx: Ctx) -> None:
    """Sign-up answers {_id, email, email_verified: false, …}; the new user logs in with it."""
    reply = signup(
        ctx,
        email="Carol@Example.com",
        password=STRONG,
        name="Carol",
        given_name="C",
        user_metadata={"plan": "free"},
    )
    assert reply.status_code == 200
    body = reply.json()
    assert (body["email"], body["email_verified"], body["name"]) == ("carol@example.com", False, "Carol")
    assert body["user_metadata"] == {"plan": "free"}
    user = ctx.tenant.users["auth0|" + body["_id"]]
    assert (user.user_metadata, user.to_json()["given_name"]) == ({"plan": "free"}, "C")
    tokens = ctx.login(email="carol@example.com", password=STRONG)
    assert claims(tokens["id_token"])["sub"] == "auth0|" + body["_id"]


def test_signup_of_an_existing_email_is_invalid_signup(ctx: Ctx) -> None:
    """Auth0 hides that the user exists: 400 invalid_signup "Invalid sign up"."""
    reply = signup(ctx, email="alice@example.com", password=STRONG)
    assert reply.status_code == 400
    assert reply.json() == {
        "name": "BadRequestError",
        "code": "invalid_signup",
        "description": "Invalid sign up",
        "statusCode": 400,
    }


def test_signup_with_a_weak_password_lists_the_policy_rules(ctx: Ctx) -> None:
    """The database's "good" policy refuses a lower-case password with PasswordStrengthError."""
    reply = signup(ctx, email="dave@example.com", password="correct-horse")
    body = reply.json()
    assert (reply.status_code, body["name"], body["code"]) == (
        400,
        "PasswordStrengthError",
        "invalid_password",
    )
    assert body["message"] == "Password is too weak"
    assert body["description"]["verified"] is False
    assert "* At least 8 characters in length" in body["policy"]
    assert "dave@example.com" not in [u.email for u in ctx.tenant.users.values()]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"connection": "google-oauth2", "email": "e@example.com", "password": STRONG}, "invalid_connection"),
        ({"connection": "nope", "email": "e@example.com", "password": STRONG}, "invalid_connection"),
        ({"email": "not-an-email", "password": STRONG}, "invalid_body"),
        ({"email": "e@example.com"}, "invalid_body"),
    ],
)
def test_signup_refuses_bad_requests(ctx: Ctx, body: dict[str, str], code: str) -> None:
    """A social or unknown connection, a bad email or a missing password are 400s."""
    reply = signup(ctx, **body)
    assert (reply.status_code, reply.json()["code"]) == (400, code)


def test_signup_is_refused_when_the_connection_disables_it(ctx: Ctx) -> None:
    """options.disable_signup: "public signup is disabled"."""
    ctx.tenant.connections[demo.DATABASE].options["disable_signup"] = True
    reply = signup(ctx, email="erin@example.com", password=STRONG)
    assert reply.json()["description"] == "public signup is disabled"


def test_signup_from_a_foreign_origin_is_refused(ctx: Ctx) -> None:
    """Sign-up checks the browser's origin against the client's like /oauth/token."""
    reply = ctx.client.post(
        "/dbconnections/signup",
        json={
            "client_id": demo.SPA_CLIENT_ID,
            "connection": demo.DATABASE,
            "email": "f@example.com",
            "password": STRONG,
        },
        headers={"origin": "https://evil.example"},
    )
    assert reply.status_code == 401
    ok = signup(ctx, email="f@example.com", password=STRONG)
    assert ok.status_code == 200


def start(ctx: Ctx, **body: Any) -> httpx.Response:
    """POST /passwordless/start as the regular web app (with its secret)."""
    return ctx.client.post("/passwordless/start", json={**WEB, **body})


def otp_grant(ctx: Ctx, username: str, otp: str, realm: str, **extra: str) -> httpx.Response:
    """The passwordless OTP grant as the regular web app."""
    data = {
        "grant_type": PASSWORDLESS_OTP_GRANT,
        "username": username,
        "otp": otp,
        "realm": realm,
        **WEB,
        **extra,
    }
    return ctx.client.post("/oauth/token", data=data)


def test_email_code_goes_to_the_outbox_and_logs_in_with_the_otp_grant(ctx: Ctx) -> None:
    """/passwordless/start sends an email code; the OTP grant turns it into tokens, once."""
    reply = start(ctx, connection="email", email="Alice@Example.com", send="code")
    assert reply.status_code == 200
    assert reply.json() == {
        "_id": "65f0a11ce0000000000000e1",
        "email": "alice@example.com",
        "email_verified": False,
    }
    (message,) = ctx.tenant.outbox.messages("alice@example.com")
    tokens = otp_grant(ctx, "alice@example.com", message["code"], "email", scope="openid email")
    assert tokens.status_code == 200
    assert claims(tokens.json()["id_token"])["sub"] == "email|65f0a11ce0000000000000e1"
    again = otp_grant(ctx, "alice@example.com", message["code"], "email")
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "Wrong email or verification code.",
    }


def test_sms_code_signs_up_an_unknown_number(ctx: Ctx) -> None:
    """An SMS code to a new number logs in a new sms| user, as Auth0's passwordless sign-up."""
    reply = start(ctx, connection="sms", phone_number="+15555550999")
    assert reply.json()["phone_number"] == "+15555550999"
    (message,) = ctx.tenant.outbox.messages("+15555550999")
    assert message["kind"] == "sms"
    tokens = otp_grant(ctx, "+15555550999", message["code"], "sms", scope="openid")
    sub = str(claims(tokens.json()["id_token"])["sub"])
    assert sub.startswith("sms|")
    assert ctx.tenant.users[sub].phone_number == "+15555550999"


def test_wrong_or_expired_codes_are_invalid_grant(ctx: Ctx) -> None:
    """A wrong code, and a right one after its 300 s, are 403 invalid_grant."""
    start(ctx, connection="sms", phone_number="+15555550123")
    code = ctx.tenant.outbox.messages("+15555550123")[-1]["code"]
    wrong = otp_grant(ctx, "+15555550123", "000000" if code != "000000" else "111111", "sms")
    assert (wrong.status_code, wrong.json()["error_description"]) == (
        403,
        "Wrong phone number or verification code.",
    )
    ctx.advance(301)
    assert otp_grant(ctx, "+15555550123", code, "sms").status_code == 403


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"connection": demo.DATABASE, "email": "a@example.com", "send": "code"}, "bad.connection"),
        ({"connection": "email", "send": "code"}, "bad.email"),
        ({"connection": "sms"}, "bad.phone_number"),
        ({"connection": "email", "email": "a@example.com"}, "bad.send"),
    ],
)
def test_passwordless_start_refuses_bad_requests(ctx: Ctx, body: dict[str, str], error: str) -> None:
    """A non-passwordless connection, a missing address or a magic link are 400 bad.<field>."""
    reply = start(ctx, **body)
    assert (reply.status_code, reply.json()["error"]) == (400, error)


def test_confidential_clients_need_their_secret_to_start(ctx: Ctx) -> None:
    """The regular web app without its secret: 401 access_denied (Auth0: required for RWAs)."""
    reply = ctx.client.post(
        "/passwordless/start",
        json={"client_id": demo.WEB_CLIENT_ID, "connection": "email", "email": "a@example.com"},
    )
    assert (reply.status_code, reply.json()["error"]) == (401, "access_denied")


def test_otp_grant_is_refused_to_a_client_without_it(ctx: Ctx) -> None:
    """The SPA may start a passwordless login but not use the OTP grant: unauthorized_client."""
    ok = ctx.client.post(
        "/passwordless/start",
        json={
            "client_id": demo.SPA_CLIENT_ID,
            "connection": "email",
            "email": "alice@example.com",
            "send": "code",
        },
        headers={"origin": SPA_ORIGIN},
    )
    assert ok.status_code == 200
    code = ctx.tenant.outbox.messages("alice@example.com")[-1]["code"]
    reply = ctx.client.post(
        "/oauth/token",
        data={
            "grant_type": PASSWORDLESS_OTP_GRANT,
            "client_id": demo.SPA_CLIENT_ID,
            "username": "alice@example.com",
            "otp": code,
            "realm": "email",
        },
    )
    assert reply.json() == {
        "error": "unauthorized_client",
        "error_description": f"Grant type '{PASSWORDLESS_OTP_GRANT}' not allowed for the client.",
    }


def test_otp_grant_can_ask_for_a_management_api_token(ctx: Ctx) -> None:
    """audience BASE/api/v2/ with current-user scopes yields a token for the user's own profile."""
    start(ctx, connection="email", email="bob@example.com", send="code")
    code = ctx.tenant.outbox.messages("bob@example.com")[-1]["code"]
    reply = otp_grant(
        ctx,
        "bob@example.com",
        code,
        "email",
        audience=BASE + "/api/v2/",
        scope="read:current_user read:users",
    )
    assert reply.json()["scope"] == "read:current_user"
