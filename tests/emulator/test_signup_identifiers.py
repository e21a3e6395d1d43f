"""Sign-up as Auth0's libraries call it (no secret), by email, username or phone; the password grant's realm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.state import demo
from auth0link.emulator.state.applications import PASSWORD_REALM_GRANT
from auth0link.emulator.state.persistence import build_tenant
from tests.emulator.conftest import BASE, claims
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from tests.emulator.conftest import Ctx

STRONG = "Correct-Horse-42"
FLEXIBLE = {
    "phone_number": {"identifier": {"active": True}, "signup": {"status": "optional"}},
    "username": {"identifier": {"active": True}, "signup": {"status": "optional"}},
    "email": {"identifier": {"active": True}, "signup": {"status": "optional"}},
}


def web_signup(ctx: Ctx, **body: Any) -> httpx.Response:
    """POST /dbconnections/signup from the regular web app, without its secret (as auth0 Node SDKs)."""
    payload = {"client_id": demo.WEB_CLIENT_ID, "connection": demo.DATABASE, "password": STRONG, **body}
    return ctx.client.post("/dbconnections/signup", json=payload)


def token(ctx: Ctx, grant_type: str, username: str, **extra: str) -> httpx.Response:
    """A password grant as the regular web app (with its secret)."""
    data = {
        "grant_type": grant_type,
        "client_id": demo.WEB_CLIENT_ID,
        "client_secret": demo.WEB_CLIENT_SECRET,
        "username": username,
        "password": STRONG if username != "alice@example.com" else demo.ALICE_PASSWORD,
        "scope": "openid",
        **extra,
    }
    return ctx.client.post("/oauth/token", data=data)


def test_a_confidential_client_signs_up_without_a_secret(ctx: Ctx) -> None:
    """Signup takes no secret: the regular web app's sign-up is 200 with {_id, email_verified, email}."""
    reply = web_signup(ctx, email="Greta@Example.com")
    assert (reply.status_code, reply.headers["content-type"]) == (200, "application/json; charset=utf-8")
    body = reply.json()
    assert list(body) == ["_id", "email_verified", "email"]
    assert (body["email"], body["email_verified"]) == ("greta@example.com", False)


def test_requires_username_needs_a_username_and_it_logs_in(ctx: Ctx) -> None:
    """requires_username: a username is required; the user then logs in with it (password-realm)."""
    ctx.tenant.connections[demo.DATABASE].options["requires_username"] = True
    missing = web_signup(ctx, email="hal@example.com")
    assert (missing.status_code, missing.json()["description"]) == (
        400,
        "Missing required property: username",
    )
    reply = web_signup(ctx, email="hal@example.com", username="hal9000")
    assert reply.json()["username"] == "hal9000"
    again = web_signup(ctx, email="hal2@example.com", username="hal9000")
    assert again.json()["code"] == "invalid_signup"
    login = token(ctx, PASSWORD_REALM_GRANT, "hal9000", realm=demo.DATABASE)
    assert claims(login.json()["id_token"])["sub"] == "auth0|" + reply.json()["_id"]


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"phone_number": "+15555550100"}, {"phone_number": "+15555550100", "phone_verified": False}),
        ({"username": "solo"}, {"username": "solo"}),
    ],
)
def test_flexible_identifiers_take_a_phone_number_or_a_username_alone(
    ctx: Ctx, body: dict[str, str], shown: dict[str, Any]
) -> None:
    """With attributes active for phone_number and username, either alone signs up (no email)."""
    ctx.tenant.connections[demo.DATABASE].options["attributes"] = FLEXIBLE
    reply = web_signup(ctx, **body)
    assert reply.status_code == 200, reply.text
    assert {k: v for k, v in reply.json().items() if k != "_id"} == shown
    user = ctx.tenant.users["auth0|" + reply.json()["_id"]]
    assert user.email is None
    login = token(ctx, PASSWORD_REALM_GRANT, next(iter(body.values())), realm=demo.DATABASE)
    assert login.status_code == 200


def test_without_any_identifier_the_signup_says_what_is_missing(ctx: Ctx) -> None:
    """No email on a classic database: 400 invalid_body "Missing required property: email"."""
    reply = web_signup(ctx, username="nobody")
    assert (reply.status_code, reply.json()["description"]) == (400, "Missing required property: email")


def test_password_grant_honours_realm_and_without_it_needs_a_default_directory(ctx: Ctx) -> None:
    """grant_type=password: realm is used; without realm or a default directory, Auth0's 500."""
    with_realm = token(ctx, "password", "alice@example.com", realm=demo.DATABASE)
    assert claims(with_realm.json()["id_token"])["sub"] == ALICE
    bare = token(ctx, "password", "alice@example.com")
    assert (bare.status_code, bare.json()) == (
        500,
        {
            "error": "server_error",
            "error_description": "Authorization server not configured with default connection.",
        },
    )
    ctx.tenant.config.default_directory = demo.DATABASE
    assert claims(token(ctx, "password", "alice@example.com").json()["id_token"])["sub"] == ALICE
    realm_grant = token(ctx, PASSWORD_REALM_GRANT, "alice@example.com", realm=demo.DATABASE)
    assert realm_grant.status_code == 200


def test_a_tenant_file_sets_the_default_directory(tmp_path: Path) -> None:
    """tenant.default_directory in a --tenant file names the database; another name is refused."""
    path = tmp_path / "tenant.yaml"
    path.write_text(f"tenant:\n  default_directory: {demo.DATABASE}\n", encoding="utf-8")
    assert build_tenant(BASE, tenant_file=path).config.default_directory == demo.DATABASE
    path.write_text("tenant:\n  default_directory: google-oauth2\n", encoding="utf-8")
    with pytest.raises(EmulatorError, match="default_directory"):
        build_tenant(BASE, tenant_file=path)


def test_management_api_creates_a_username_only_user_where_the_connection_allows(ctx: Ctx) -> None:
    """POST /users takes a username alone on a connection with it active; a taken one is 409."""
    ctx.tenant.connections[demo.DATABASE].options["attributes"] = FLEXIBLE
    token = ctx.m2m_token()
    body = {"connection": demo.DATABASE, "username": "robot7", "password": STRONG}
    reply = ctx.client.post("/api/v2/users", json=body, headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 201, reply.text
    user = reply.json()
    assert (user["username"], user["name"], "email" in user) == ("robot7", "robot7", False)
    again = ctx.client.post("/api/v2/users", json=body, headers={"authorization": f"Bearer {token}"})
    assert (again.status_code, again.json()["message"]) == (409, "The user already exists.")
    del ctx.tenant.connections[demo.DATABASE].options["attributes"]
    classic = ctx.client.post("/api/v2/users", json=body, headers={"authorization": f"Bearer {token}"})
    assert (classic.status_code, classic.json()["message"]) == (
        400,
        "Payload validation error: 'Missing required property: email'.",
    )
