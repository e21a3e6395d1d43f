"""The Management API: users, search, link/unlink semantics, scopes, errors, rate limits."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jwt
import pytest

from tests.emulator.conftest import ALICE_ENC
from tests.support.demo_ids import ALICE, BOB, EMAIL_USER, GITHUB, GOOGLE

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.conftest import Ctx


def enc(user_id: str) -> str:
    """Percent-encode a user ID as one path segment."""
    return quote(user_id, safe="")


def error_of(reply: Any) -> tuple[int, str, str]:
    """(statusCode, errorCode, message) of an Auth0 error body, checked for shape.

    401s have no errorCode on Auth0 (``""`` here); token errors carry ``attributes``.
    """
    body = reply.json()
    if reply.status_code == 401:
        assert set(body) <= {"statusCode", "error", "message", "attributes"}
        assert body.get("attributes", {"error": body["message"]}) == {"error": body["message"]}
        body["errorCode"] = ""
    else:
        assert set(body) == {"statusCode", "error", "message", "errorCode"}
    assert body["statusCode"] == reply.status_code
    return body["statusCode"], body["errorCode"], body["message"]


def test_get_user_with_m2m_token(ctx: Ctx) -> None:
    """GET /users/{id} returns Auth0's user shape with identities[0] the primary."""
    reply = ctx.api("GET", f"/users/{ALICE_ENC}", ctx.m2m_token())
    assert reply.status_code == 200
    user = reply.json()
    assert user["user_id"] == ALICE
    assert user["identities"] == [
        {
            "connection": "Username-Password-Authentication",
            "provider": "auth0",
            "user_id": "65f0a11ce0000000000000a1",
            "isSocial": False,
        }
    ]
    assert user["user_metadata"] == {"theme": "light", "newsletter": True}
    for key in (
        "email",
        "email_verified",
        "name",
        "nickname",
        "picture",
        "created_at",
        "updated_at",
    ):
        assert key in user
    assert "logins_count" not in user  # absent until the first login, as on a real tenant


def test_user_token_reads_only_its_own_user(ctx: Ctx) -> None:
    """read:current_user works on the token's own user; another user is 403 insufficient_scope."""
    token = ctx.login()["access_token"]
    assert ctx.api("GET", f"/users/{ALICE_ENC}", token).status_code == 200
    reply = ctx.api("GET", f"/users/{enc(BOB)}", token)
    assert error_of(reply) == (
        403,
        "insufficient_scope",
        "Insufficient scope, expected any of: read:users,read:current_user",
    )


def test_missing_invalid_and_expired_tokens_are_401(ctx: Ctx) -> None:
    """No token, a garbage token and an expired token are 401 with Auth0's messages."""
    assert error_of(ctx.api("GET", f"/users/{ALICE_ENC}", None))[2] == "Missing authentication"
    assert error_of(ctx.api("GET", f"/users/{ALICE_ENC}", "abc"))[2] == "Invalid token"
    token = ctx.m2m_token()
    ctx.advance(86401)
    assert error_of(ctx.api("GET", f"/users/{ALICE_ENC}", token)) == (
        401,
        "",
        "Expired token received for JSON Web Token validation",
    )
    missing = ctx.api("GET", f"/users/{ALICE_ENC}", None).json()
    assert missing == {"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"}


def test_token_without_api_audience_is_401(ctx: Ctx) -> None:
    """A user token obtained without the Management API audience cannot call it."""
    token = ctx.login(audience="")["access_token"]
    assert ctx.api("GET", f"/users/{ALICE_ENC}", token).status_code == 401


def test_unknown_user_is_404_inexistent_user(ctx: Ctx) -> None:
    """A user that does not exist is 404 inexistent_user."""
    reply = ctx.api("GET", "/users/auth0%7Cnobody", ctx.m2m_token())
    assert error_of(reply) == (404, "inexistent_user", "The user does not exist.")


def test_unknown_route_is_404(ctx: Ctx) -> None:
    """An unknown Management API path is a 404 with the error body."""
    assert ctx.api("GET", "/no-such-resource", ctx.m2m_token()).status_code == 404


def test_ids_with_encoded_slash_and_pipe_are_decoded(make_ctx: Callable[..., Ctx]) -> None:
    """An ID holding '/' and '|' works when percent-encoded (decoded from the raw path)."""
    odd = "auth0|team/alice|x y"
    local = make_ctx(users=[{"user_id": odd, "email": "odd@example.com", "password": "pw"}])
    reply = local.api("GET", f"/users/{enc(odd)}", local.m2m_token())
    assert reply.status_code == 200
    assert reply.json()["user_id"] == odd


def test_patch_merges_user_metadata_and_null_deletes(ctx: Ctx) -> None:
    """PATCH merges user_metadata at the top level; a null value removes the key."""
    token = ctx.login()["access_token"]
    reply = ctx.api(
        "PATCH", f"/users/{ALICE_ENC}", token, json={"user_metadata": {"theme": None, "locale": "fr"}}
    )
    assert reply.status_code == 200
    assert reply.json()["user_metadata"] == {"newsletter": True, "locale": "fr"}


def test_user_token_cannot_patch_app_metadata_or_others(ctx: Ctx) -> None:
    """A user token may not touch app_metadata, nor another user's metadata."""
    token = ctx.login()["access_token"]
    reply = ctx.api("PATCH", f"/users/{ALICE_ENC}", token, json={"app_metadata": {"plan": "free"}})
    assert error_of(reply)[:2] == (403, "insufficient_scope")
    reply = ctx.api("PATCH", f"/users/{enc(BOB)}", token, json={"user_metadata": {"x": 1}})
    assert error_of(reply)[:2] == (403, "insufficient_scope")


@pytest.mark.parametrize(
    "body",
    [b"[]", b"{", b"{}", b'{"user_metadata": "x"}', b'{"user_id": "y"}'],
)
def test_patch_bad_bodies_are_400_invalid_body(ctx: Ctx, body: bytes) -> None:
    """Non-object, empty or bad JSON, wrong types and unknown fields are 400 invalid_body."""
    reply = ctx.api(
        "PATCH",
        f"/users/{ALICE_ENC}",
        ctx.m2m_token(),
        content=body,
        headers={"content-type": "application/json"},
    )
    assert error_of(reply)[:2] == (400, "invalid_body")


def test_an_empty_patch_is_checked_for_scope_before_the_body(ctx: Ctx) -> None:
    """PATCH {} with a read-only token is 403 (the scope check comes first), with update:users 400."""
    for scope, expected in (
        ("read:users", (403, "insufficient_scope")),
        ("update:users", (400, "invalid_body")),
    ):
        reply = ctx.api("PATCH", f"/users/{ALICE_ENC}", ctx.m2m_token(scope=scope), json={})
        assert error_of(reply)[:2] == expected


def test_users_by_email_and_search(ctx: Ctx) -> None:
    """users-by-email and q=email:"…" find alice's four accounts; totals and paging work."""
    token = ctx.m2m_token()
    found = ctx.api("GET", "/users-by-email", token, params={"email": "alice@example.com"}).json()
    assert {u["user_id"] for u in found} == {ALICE, GOOGLE, GITHUB, EMAIL_USER}
    page = ctx.api(
        "GET",
        "/users",
        token,
        params={
            "q": 'email:"alice@example.com"',
            "search_engine": "v3",
            "page": "1",
            "per_page": "3",
            "include_totals": "true",
        },
    ).json()
    assert (page["start"], page["limit"], page["length"], page["total"]) == (3, 3, 1, 4)
    plain = ctx.api("GET", "/users", token, params={"q": "identities.connection:github"}).json()
    assert [u["user_id"] for u in plain] == [GITHUB]


def test_search_and_by_email_need_read_users(ctx: Ctx) -> None:
    """A user token cannot list users; a bad query is 400 invalid_query_string."""
    token = ctx.login()["access_token"]
    assert ctx.api("GET", "/users-by-email", token, params={"email": "a@b.c"}).status_code == 403
    m2m = ctx.m2m_token()
    assert error_of(ctx.api("GET", "/users-by-email", m2m))[:2] == (400, "invalid_query_string")
    assert error_of(ctx.api("GET", "/users", m2m, params={"q": "foo:bar"}))[:2] == (
        400,
        "invalid_query_string",
    )
    assert error_of(ctx.api("GET", "/users", m2m, params={"per_page": "101"}))[:2] == (
        400,
        "invalid_query_string",
    )


def test_link_with_id_token_moves_secondary_and_discards_metadata(ctx: Ctx) -> None:
    """link_with: 201 with identities; secondary deleted, its metadata gone, profileData kept."""
    primary = ctx.login()["access_token"]
    secondary = ctx.login(connection="google-oauth2", password=None, prompt="login")["id_token"]
    reply = ctx.api("POST", f"/users/{ALICE_ENC}/identities", primary, json={"link_with": secondary})
    assert reply.status_code == 201
    identities = reply.json()
    assert [i["provider"] for i in identities] == ["auth0", "google-oauth2"]
    assert identities[1]["profileData"]["email"] == "alice@example.com"
    assert identities[1]["isSocial"] is True
    m2m = ctx.m2m_token()
    assert ctx.api("GET", f"/users/{enc(GOOGLE)}", m2m).status_code == 404
    alice = ctx.api("GET", f"/users/{ALICE_ENC}", m2m).json()
    assert alice["user_metadata"] == {"theme": "light", "newsletter": True}  # google's discarded
    assert len(alice["identities"]) == 2


def test_unlink_recreates_a_bare_separate_user(ctx: Ctx) -> None:
    """Unlink: 200 with remaining identities; the secondary is a separate user without metadata."""
    m2m = ctx.m2m_token()
    ctx.api(
        "POST",
        f"/users/{ALICE_ENC}/identities",
        m2m,
        json={"provider": "google-oauth2", "user_id": GOOGLE.split("|")[1]},
    )
    reply = ctx.api("DELETE", f"/users/{ALICE_ENC}/identities/google-oauth2/{GOOGLE.split('|')[1]}", m2m)
    assert reply.status_code == 200
    assert [i["provider"] for i in reply.json()] == ["auth0"]
    restored = ctx.api("GET", f"/users/{enc(GOOGLE)}", m2m).json()
    assert restored["email"] == "alice@example.com"
    assert "user_metadata" not in restored
    assert restored["identities"] == [
        {
            "connection": "google-oauth2",
            "provider": "google-oauth2",
            "user_id": GOOGLE.split("|")[1],
            "isSocial": True,
        }
    ]


def test_user_token_can_unlink_its_own_identities(ctx: Ctx) -> None:
    """update:current_user_identities allows unlinking from the token's own user."""
    ctx.tenant.users.link(ALICE, "github", "4242424")
    token = ctx.login()["access_token"]
    assert ctx.api("DELETE", f"/users/{ALICE_ENC}/identities/github/4242424", token).status_code == 200
    other = ctx.api("DELETE", f"/users/{enc(BOB)}/identities/github/4242424", token)
    assert error_of(other)[:2] == (403, "insufficient_scope")


def test_link_errors(ctx: Ctx) -> None:
    """Self-link is 400, an already linked identity 409, an unknown secondary 404."""
    m2m = ctx.m2m_token()
    path = f"/users/{ALICE_ENC}/identities"
    self_link = ctx.api("POST", path, m2m, json={"provider": "auth0", "user_id": ALICE.split("|")[1]})
    assert error_of(self_link) == (400, "invalid_body", "Main identity and the new one are the same.")
    body = {"provider": "github", "user_id": "4242424"}
    assert ctx.api("POST", path, m2m, json=body).status_code == 201
    assert error_of(ctx.api("POST", path, m2m, json=body))[0] == 409
    assert error_of(ctx.api("POST", f"/users/{enc(BOB)}/identities", m2m, json=body))[0] == 409
    missing = ctx.api("POST", path, m2m, json={"provider": "github", "user_id": "1"})
    assert error_of(missing)[:2] == (404, "inexistent_user")
    assert error_of(ctx.api("POST", path, m2m, json={"provider": "github"}))[:2] == (400, "invalid_body")
    wrong_conn = ctx.api(
        "POST",
        f"/users/{enc(BOB)}/identities",
        m2m,
        json={"provider": "email", "user_id": EMAIL_USER.split("|")[1], "connection_id": "con_nope"},
    )
    assert error_of(wrong_conn)[:2] == (400, "invalid_body")


def test_link_with_must_match_azp_and_be_ours(ctx: Ctx) -> None:
    """link_with must be an unexpired RS256 ID token of this tenant with aud == the token's azp."""
    primary = ctx.login()["access_token"]
    path = f"/users/{ALICE_ENC}/identities"
    foreign = jwt.encode({"sub": GOOGLE, "aud": "x"}, "k" * 32, algorithm="HS256")
    assert error_of(ctx.api("POST", path, primary, json={"link_with": foreign}))[0] == 400
    wrong_aud = ctx.tenant.key.sign(
        {"iss": ctx.tenant.issuer, "sub": GOOGLE, "aud": "other-client", "exp": int(ctx.clock[0]) + 60}
    )
    assert error_of(ctx.api("POST", path, primary, json={"link_with": wrong_aud}))[0] == 400
    expired = ctx.tenant.key.sign(
        {
            "iss": ctx.tenant.issuer,
            "sub": GOOGLE,
            "aud": jwt.decode(primary, options={"verify_signature": False})["azp"],
            "exp": int(ctx.clock[0]) - 1,
        }
    )
    assert error_of(ctx.api("POST", path, primary, json={"link_with": expired}))[0] == 400
    mixed = {"link_with": expired, "provider": "github"}
    assert error_of(ctx.api("POST", path, primary, json=mixed))[:2] == (400, "invalid_body")


def test_user_token_needs_update_users_for_provider_form(ctx: Ctx) -> None:
    """The provider/user_id body form needs update:users (a user token gets 403)."""
    token = ctx.login()["access_token"]
    reply = ctx.api(
        "POST", f"/users/{ALICE_ENC}/identities", token, json={"provider": "github", "user_id": "4242424"}
    )
    assert error_of(reply) == (403, "insufficient_scope", "Insufficient scope, expected any of: update:users")


def test_m2m_scope_is_enforced(ctx: Ctx) -> None:
    """An M2M token with only read:users cannot link."""
    token = ctx.m2m_token(scope="read:users")
    reply = ctx.api(
        "POST", f"/users/{ALICE_ENC}/identities", token, json={"provider": "github", "user_id": "4242424"}
    )
    assert error_of(reply)[:2] == (403, "insufficient_scope")


def test_unlink_errors(ctx: Ctx) -> None:
    """Unlinking the primary identity is 400; an identity that is not linked is 404."""
    m2m = ctx.m2m_token()
    primary = ctx.api("DELETE", f"/users/{ALICE_ENC}/identities/auth0/{ALICE.split('|')[1]}", m2m)
    assert error_of(primary)[0] == 400
    missing = ctx.api("DELETE", f"/users/{ALICE_ENC}/identities/github/4242424", m2m)
    assert error_of(missing)[0] == 404
    nobody = ctx.api("DELETE", "/users/auth0%7Cnobody/identities/github/4242424", m2m)
    assert error_of(nobody)[:2] == (404, "inexistent_user")


def test_rate_limit_headers_on_every_response(ctx: Ctx) -> None:
    """x-ratelimit-limit/remaining/reset (epoch seconds) are on successes and errors alike."""
    for reply in (ctx.api("GET", f"/users/{ALICE_ENC}", ctx.m2m_token()), ctx.api("GET", "/users/x", None)):
        assert int(reply.headers["x-ratelimit-limit"]) > 0
        assert int(reply.headers["x-ratelimit-remaining"]) >= 0
        assert abs(int(reply.headers["x-ratelimit-reset"]) - time.time()) < 3600


def test_rate_limit_429_past_the_burst(make_ctx: Callable[..., Ctx]) -> None:
    """With a 1/s bucket of burst 2, the third quick request is 429 too_many_requests."""
    local = make_ctx(rate_limit=(1.0, 2))
    token = local.m2m_token()
    replies = [local.api("GET", f"/users/{ALICE_ENC}", token) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert error_of(replies[2])[:2] == (429, "too_many_requests")
    assert replies[2].headers["x-ratelimit-limit"] == "2"
    assert replies[2].headers["x-ratelimit-remaining"] == "0"
    assert int(replies[2].headers["x-ratelimit-reset"]) >= int(time.time())


def test_fields_and_include_fields_select_attributes(ctx: Ctx) -> None:
    """fields=… keeps only those attributes; include_fields=false drops them instead."""
    token = ctx.m2m_token()
    only = ctx.api("GET", f"/users/{ALICE_ENC}", token, params={"fields": "user_id,identities"}).json()
    assert set(only) == {"user_id", "identities"}
    without = ctx.api(
        "GET", f"/users/{ALICE_ENC}", token, params={"fields": "identities", "include_fields": "false"}
    ).json()
    assert "identities" not in without
    assert without["user_id"] == ALICE


def test_delete_user_needs_delete_users_and_answers_204(ctx: Ctx) -> None:
    """DELETE /users/{id} deletes the user and its linked identities (204; 204 again when gone)."""
    ctx.tenant.users.link(ALICE, "github", "4242424")
    reader = ctx.m2m_token(scope="read:users update:users")
    refused = ctx.api("DELETE", f"/users/{ALICE_ENC}", reader)
    assert error_of(refused) == (
        403,
        "insufficient_scope",
        "Insufficient scope, expected any of: delete:users",
    )
    user_token = ctx.login()["access_token"]
    assert error_of(ctx.api("DELETE", f"/users/{ALICE_ENC}", user_token))[:2] == (403, "insufficient_scope")
    assert ALICE in ctx.tenant.users
    m2m = ctx.m2m_token()
    reply = ctx.api("DELETE", f"/users/{ALICE_ENC}", m2m)
    assert (reply.status_code, reply.content) == (204, b"")
    assert "x-ratelimit-limit" in reply.headers
    assert ALICE not in ctx.tenant.users
    assert ctx.tenant.users.find_identity_owner("github", "4242424") is None
    assert ctx.api("GET", f"/users/{ALICE_ENC}", m2m).status_code == 404
    assert ctx.api("DELETE", f"/users/{ALICE_ENC}", m2m).status_code == 204
