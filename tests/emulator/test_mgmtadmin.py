"""Management API: POST /users, GET /clients, GET /connections (scopes, bodies, errors)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.state import demo
from tests.emulator.conftest import claims
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx

STRONG = "Correct-Horse-42"


def test_create_database_user(ctx: Ctx) -> None:
    """create:users makes an auth0|… user (201) who can then log in with the password."""
    reply = ctx.api(
        "POST",
        "/users",
        ctx.m2m_token(),
        json={
            "connection": demo.DATABASE,
            "email": "Carol@Example.com",
            "password": STRONG,
            "email_verified": True,
            "user_metadata": {"theme": "dark"},
            "family_name": "Jones",
        },
    )
    assert reply.status_code == 201
    user = reply.json()
    assert (user["user_id"][:6], user["family_name"]) == ("auth0|", "Jones")
    assert (user["email"], user["email_verified"], user["user_metadata"]) == (
        "carol@example.com",
        True,
        {"theme": "dark"},
    )
    assert user["identities"] == [
        {"connection": demo.DATABASE, "provider": "auth0", "user_id": user["user_id"][6:], "isSocial": False}
    ]
    assert claims(ctx.login(email="carol@example.com", password=STRONG)["id_token"])["sub"] == user["user_id"]


def test_create_passwordless_users_and_a_chosen_id(ctx: Ctx) -> None:
    """Email and SMS users need their address; user_id picks the ID."""
    token = ctx.m2m_token()
    email = ctx.api(
        "POST", "/users", token, json={"connection": "email", "email": "e@example.com", "user_id": "abc"}
    )
    assert email.json()["user_id"] == "email|abc"
    sms = ctx.api("POST", "/users", token, json={"connection": "sms", "phone_number": "+15555550100"})
    assert sms.json()["phone_number"] == "+15555550100"
    assert sms.json()["user_id"].startswith("sms|")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"email": "x@example.com", "password": STRONG},
            400,
            "Payload validation error: 'Missing required property: connection'.",
        ),
        ({"connection": "Nope", "email": "x@example.com"}, 400, "The connection does not exist."),
        (
            {"connection": "google-oauth2", "email": "x@example.com"},
            400,
            "Connection is not supported for this operation.",
        ),
        (
            {"connection": demo.DATABASE, "email": "x@example.com"},
            400,
            "Payload validation error: 'Missing required property: password'.",
        ),
        (
            {"connection": demo.DATABASE, "email": "x@example.com", "password": "weak"},
            400,
            "PasswordStrengthError: Password is too weak",
        ),
        (
            {"connection": demo.DATABASE, "email": "alice@example.com", "password": STRONG},
            409,
            "The user already exists.",
        ),
        ({"connection": "sms"}, 400, "Payload validation error: 'Missing required property: phone_number'."),
        (
            {"connection": "email", "email": "x@example.com", "colour": "red"},
            400,
            "Payload validation error: 'Additional properties not allowed: colour'.",
        ),
        (
            {"connection": "email", "email": "x@example.com", "user_metadata": []},
            400,
            "Payload validation error: 'Expected type object but found type array'.",
        ),
    ],
)
def test_create_user_errors(ctx: Ctx, body: dict[str, Any], status: int, message: str) -> None:
    """Missing/unknown/social connection, missing or weak password, duplicates, bad fields."""
    reply = ctx.api("POST", "/users", ctx.m2m_token(), json=body)
    assert (reply.status_code, reply.json()["message"]) == (status, message)


def test_create_user_needs_create_users(ctx: Ctx) -> None:
    """A user token (current-user scopes only) may not create users: 403 insufficient_scope."""
    token = ctx.login()["access_token"]
    reply = ctx.api("POST", "/users", token, json={"connection": "email", "email": "x@example.com"})
    assert (reply.status_code, reply.json()["errorCode"]) == (403, "insufficient_scope")
    assert reply.json()["message"] == "Insufficient scope, expected any of: create:users"


def test_list_clients_without_secrets(ctx: Ctx) -> None:
    """read:clients lists every client with its settings but no client_secret."""
    reply = ctx.api("GET", "/clients", ctx.m2m_token())
    assert reply.status_code == 200
    clients = {c["client_id"]: c for c in reply.json()}
    assert set(clients) == {demo.NATIVE_CLIENT_ID, demo.SPA_CLIENT_ID, demo.WEB_CLIENT_ID, demo.M2M_CLIENT_ID}
    spa = clients[demo.SPA_CLIENT_ID]
    assert (spa["app_type"], spa["token_endpoint_auth_method"]) == ("spa", "none")
    assert spa["web_origins"] == ["http://localhost:3000", "http://127.0.0.1:3000"]
    assert all("client_secret" not in c for c in clients.values())


def test_list_clients_with_client_keys_shows_secrets_and_filters(ctx: Ctx) -> None:
    """read:client_keys adds client_secret; app_type filters; include_totals wraps the page."""
    m2m = ctx.tenant.clients[demo.M2M_CLIENT_ID]
    ctx.tenant.clients[demo.M2M_CLIENT_ID] = dataclasses.replace(m2m, scopes=("read:client_keys",))
    token = ctx.m2m_token()
    reply = ctx.api("GET", "/clients", token, params={"app_type": "regular_web", "include_totals": "true"})
    body = reply.json()
    assert (body["total"], body["clients"][0]["client_secret"]) == (1, demo.WEB_CLIENT_SECRET)
    fields = ctx.api(
        "GET", "/clients", token, params={"fields": "client_id,name", "per_page": "1", "page": "1"}
    )
    # fields= keeps "tenant", as a real tenant does (auth0/go-auth0 TestClient_List.yaml).
    assert fields.json() == [
        {"tenant": "emulator", "client_id": demo.SPA_CLIENT_ID, "name": "Account linking SPA (demo)"}
    ]


def test_list_connections(ctx: Ctx) -> None:
    """read:connections lists connections with strategy and enabled clients; strategy filters."""
    reply = ctx.api("GET", "/connections", ctx.m2m_token(), params={"strategy": "auth0"})
    (database,) = reply.json()
    assert (database["name"], database["id"], database["strategy"]) == (
        demo.DATABASE,
        "con_Emu1atorDatabase",
        "auth0",
    )
    assert demo.SPA_CLIENT_ID in database["enabled_clients"]
    assert demo.M2M_CLIENT_ID not in database["enabled_clients"]
    everything = ctx.api("GET", "/connections", ctx.m2m_token()).json()
    assert [c["name"] for c in everything] == list(demo.CONNECTIONS)


@pytest.mark.parametrize(
    ("path", "scope"), [("/clients", "read:clients"), ("/connections", "read:connections")]
)
def test_lists_need_their_scope(ctx: Ctx, path: str, scope: str) -> None:
    """A token without the scope gets 403 naming it; no token gets 401."""
    reply = ctx.api("GET", path, ctx.m2m_token(scope="read:users"))
    assert reply.status_code == 403
    assert scope in reply.json()["message"]
    assert ctx.api("GET", path, None).status_code == 401


def test_created_user_is_a_user_like_the_others(ctx: Ctx) -> None:
    """The created user shows in search and can be linked into alice."""
    token = ctx.m2m_token()
    created = ctx.api(
        "POST", "/users", token, json={"connection": "email", "email": "alice2@example.com"}
    ).json()
    provider, raw = created["user_id"].split("|")
    linked = ctx.api(
        "POST",
        f"/users/{ALICE.replace('|', '%7C')}/identities",
        token,
        json={"provider": provider, "user_id": raw},
    )
    assert linked.status_code == 201
