"""Answers pinned to recordings of a real tenant's traffic (auth0/go-auth0's go-vcr cassettes).

Each test replays the requests of one recording, ``test/data/recordings/<name>.yaml`` in
github.com/auth0/go-auth0, and compares status, content type and body shape with what the real
tenant answered (IDs and timestamps aside).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from auth0link.emulator.state import demo
from auth0link.emulator.state.applications import PASSWORD_REALM_GRANT
from tests.emulator.conftest import ALICE_ENC

if TYPE_CHECKING:
    import httpx

    from tests.emulator.conftest import Ctx

JSON_UTF8 = "application/json; charset=utf-8"
PROFILE_KEYS = ["email", "given_name", "family_name", "username", "nickname", "picture", "email_verified"]
USER_KEYS = {
    "blocked",
    "created_at",
    "email",
    "email_verified",
    "family_name",
    "given_name",
    "identities",
    "name",
    "nickname",
    "picture",
    "updated_at",
    "user_id",
    "user_metadata",
    "username",
    "app_metadata",
}


def go_sdk_user(ctx: Ctx, token: str, number: int) -> dict[str, Any]:
    """``POST /users`` with the body the Go SDK's tests send (TestUserManager_Link.yaml)."""
    body = {
        "connection": "Username-Password-Authentication",
        "email": f"chuck{number}@example.com",
        "given_name": "Chuck",
        "family_name": "Sanchez",
        "username": f"test-user{number}",
        "nickname": "Chucky",
        "password": "Passwords hide their chuck",
        "user_metadata": {"favourite_attack": "roundhouse_kick"},
        "verify_email": False,
        "app_metadata": {"facts": ["count_to_infinity_twice"]},
        "picture": "https://example-picture-url.jpg",
        "blocked": False,
        "email_verified": True,
    }
    reply = ctx.api("POST", "/users", token, json=body)
    assert (reply.status_code, reply.headers["content-type"]) == (201, JSON_UTF8), reply.text
    user: dict[str, Any] = reply.json()
    return user


def connection_id_of(ctx: Ctx, token: str, name: str) -> str:
    """The connection's ID as the Go SDK finds it (``GET /connections?name=…&include_totals``)."""
    query = {"include_totals": "true", "name": name, "per_page": "50"}
    reply = ctx.api("GET", "/connections", token, params=query)
    page = reply.json()
    assert list(page) == ["total", "start", "limit", "connections"]
    return str(page["connections"][0]["id"])


def expected_identity(user: dict[str, Any]) -> dict[str, Any]:
    """An identity of a link answer as the recording has it: profileData first, then the rest."""
    return {
        "profileData": {key: user[key] for key in PROFILE_KEYS},
        **user["identities"][0],
    }


def test_new_user_has_the_recorded_keys_and_no_logins_count(ctx: Ctx) -> None:
    """POST /users answers 201 with the recorded key set: no logins_count before a first login."""
    token = ctx.m2m_token()
    user = go_sdk_user(ctx, token, 249)
    assert set(user) == USER_KEYS
    assert user["name"] == "chuck249@example.com"


def test_go_sdk_link_with_a_prefixed_user_id_answers_as_recorded(ctx: Ctx) -> None:
    """Link with provider, connection_id and "auth0|…" user_id: 201, profileData on every identity."""
    token = ctx.m2m_token()
    primary, secondary = go_sdk_user(ctx, token, 249), go_sdk_user(ctx, token, 203)
    body = {
        "connection_id": connection_id_of(ctx, token, "Username-Password-Authentication"),
        "user_id": secondary["user_id"],
        "provider": "auth0",
    }
    reply = ctx.api("POST", f"/users/{quote(primary['user_id'], safe='')}/identities", token, json=body)
    assert (reply.status_code, reply.headers["content-type"]) == (201, JSON_UTF8)
    assert reply.json() == [expected_identity(primary), expected_identity(secondary)]
    assert [list(identity["profileData"]) for identity in reply.json()] == [PROFILE_KEYS, PROFILE_KEYS]


def test_unlink_answers_the_remaining_identities_with_profile_data(ctx: Ctx) -> None:
    """DELETE …/identities/auth0/{id}: 200 with the primary's identity and its profileData."""
    token = ctx.m2m_token()
    primary, secondary = go_sdk_user(ctx, token, 152), go_sdk_user(ctx, token, 718)
    path = f"/users/{quote(primary['user_id'], safe='')}/identities"
    raw_id = secondary["identities"][0]["user_id"]
    assert ctx.api("POST", path, token, json={"provider": "auth0", "user_id": raw_id}).status_code == 201
    reply = ctx.api("DELETE", f"{path}/auth0/{raw_id}", token)
    assert (reply.status_code, reply.headers["content-type"]) == (200, JSON_UTF8)
    assert reply.json() == [expected_identity(primary)]
    restored = ctx.api("GET", f"/users/{quote(secondary['user_id'], safe='')}", token).json()
    assert (restored["username"], restored["given_name"]) == ("test-user718", "Chuck")


def test_link_forms_link_with_and_bare_user_id_still_link(ctx: Ctx) -> None:
    """provider + bare user_id links as before, and the stored primary shows no profileData."""
    token = ctx.m2m_token()
    primary, secondary = go_sdk_user(ctx, token, 11), go_sdk_user(ctx, token, 12)
    path = f"/users/{quote(primary['user_id'], safe='')}/identities"
    raw_id = secondary["identities"][0]["user_id"]
    assert ctx.api("POST", path, token, json={"provider": "auth0", "user_id": raw_id}).status_code == 201
    stored = ctx.api("GET", f"/users/{quote(primary['user_id'], safe='')}", token).json()
    assert "profileData" not in stored["identities"][0]
    assert stored["identities"][1]["profileData"]["username"] == "test-user12"


def test_authentication_api_json_says_charset_utf8(ctx: Ctx) -> None:
    """Token, error, userinfo and discovery answers: application/json; charset=utf-8, as Auth0's."""
    tokens = ctx.login()
    bad = ctx.client.post("/oauth/token", data={"grant_type": "authorization_code", "code": "x"})
    userinfo = ctx.client.get("/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"})
    discovery = ctx.client.get("/.well-known/openid-configuration")
    jwks = ctx.client.get("/.well-known/jwks.json")
    answers = [bad, userinfo, discovery, jwks]
    assert [(reply.status_code >= 400, reply.headers["content-type"]) for reply in answers] == [
        (True, JSON_UTF8),
        (False, JSON_UTF8),
        (False, JSON_UTF8),
        (False, JSON_UTF8),
    ]
    raw = ctx.client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert raw.headers["content-type"] == JSON_UTF8


def realm_grant(ctx: Ctx, username: str, password: str, **extra: str) -> httpx.Response:
    """The password-realm grant as the regular web app, on the demo database."""
    data = {
        "grant_type": PASSWORD_REALM_GRANT,
        "client_id": demo.WEB_CLIENT_ID,
        "client_secret": demo.WEB_CLIENT_SECRET,
        "username": username,
        "password": password,
        "realm": demo.DATABASE,
        "scope": "openid",
        **extra,
    }
    return ctx.client.post("/oauth/token", data=data)


def test_a_password_change_sets_last_password_reset_and_the_new_password(ctx: Ctx) -> None:
    """PATCH password: 200 with last_password_reset; the new password logs in, the old does not."""
    token = ctx.m2m_token()
    new_password = "Another Strong 1 Password"
    reply = ctx.api("PATCH", f"/users/{ALICE_ENC}", token, json={"password": new_password})
    assert reply.status_code == 200
    assert reply.json()["last_password_reset"] == "2027-01-15T08:00:00.000Z"
    assert realm_grant(ctx, "alice@example.com", new_password).status_code == 200
    assert realm_grant(ctx, "alice@example.com", demo.ALICE_PASSWORD).status_code == 403
    weak = ctx.api("PATCH", f"/users/{ALICE_ENC}", token, json={"password": "abc"})
    assert (weak.status_code, weak.json()["message"]) == (400, "PasswordStrengthError: Password is too weak")


def test_sms_passwordless_start_answers_without_request_language(ctx: Ctx) -> None:
    """/passwordless/start (sms): _id, phone_number and phone_verified, and nothing else."""
    body = {"client_id": demo.WEB_CLIENT_ID, "client_secret": demo.WEB_CLIENT_SECRET}
    reply = ctx.client.post(
        "/passwordless/start", json={**body, "connection": "sms", "phone_number": "+15555550998"}
    )
    assert (reply.status_code, reply.headers["content-type"]) == (200, JSON_UTF8)
    assert sorted(reply.json()) == ["_id", "phone_number", "phone_verified"]
