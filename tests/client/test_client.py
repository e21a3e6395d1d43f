"""Auth0Client against respx routes passed through ``httpx.MockTransport`` (no global patching)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest
import respx

from auth0link.client import Auth0Client, encode_segment
from auth0link.errors import (
    ApiError,
    Conflict,
    LoginRequired,
    NetworkError,
    NotFound,
    OAuthError,
    ServerError,
    UsageError,
)
from tests.support import recorded

if TYPE_CHECKING:
    from collections.abc import Iterator

BASE = "https://tenant.example.com"


@pytest.fixture
def router() -> Iterator[respx.Router]:
    """A respx router that fails on unmatched requests."""
    with respx.mock(base_url=BASE, assert_all_called=False, using="httpx") as mock:
        yield mock


def make_client(router: respx.Router, **kw: object) -> tuple[Auth0Client, list[float]]:
    """A client on the router's transport whose sleeps are recorded, not slept."""
    slept: list[float] = []
    client = Auth0Client(
        BASE,
        access_token="at-123",
        transport=httpx.MockTransport(router.handler),
        sleep=slept.append,
        clock=lambda: 1_000.0,
        **kw,  # type: ignore[arg-type]
    )
    return client, slept


def auth0_error(status: int, error: str, message: str, code: str | None = None) -> httpx.Response:
    """Auth0's Management API error body."""
    body = {"statusCode": status, "error": error, "message": message}
    if code:
        body["errorCode"] = code
    return httpx.Response(status, json=body)


USER = {
    "user_id": "auth0|abc",
    "email": "a@example.com",
    "email_verified": True,
    "identities": [
        {
            "provider": "auth0",
            "user_id": "abc",
            "connection": "Username-Password-Authentication",
            "isSocial": False,
        },
        {
            "provider": "github",
            "user_id": 1234,
            "connection": "github",
            "isSocial": True,
            "profileData": {"email": "a@gh.example", "name": "A"},
        },
    ],
    "user_metadata": {"theme": "light"},
}


def test_encode_segment_escapes_pipe_and_slash() -> None:
    """User IDs are percent-encoded as one path segment, `|` and `/` included."""
    assert encode_segment("auth0|a/b c") == "auth0%7Ca%2Fb%20c"


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("get_user", ("..",)),
        ("get_user", ("",)),
        ("patch_user_metadata", (".", {"a": 1})),
        ("patch_user", ("..", {"name": "x"})),
        ("unlink_identity", ("auth0|X", "..", ".")),
        ("unlink_identity", ("auth0|X", "..", "authenticators")),
        ("unlink_identity", ("auth0|X", "..", "..")),
        ("unlink_identity", ("auth0|X", "github", "")),
        ("unlink_identity", ("..", "github", "1")),
    ],
)
def test_dot_and_empty_segments_are_refused_before_any_request(
    router: respx.Router, call: str, args: tuple[object, ...]
) -> None:
    """'.', '..' and '' path segments raise UsageError and send nothing (httpx would collapse them)."""
    route = router.route().mock(return_value=httpx.Response(204))
    client, _ = make_client(router)
    with pytest.raises(UsageError, match="Nothing was sent"):
        getattr(client, call)(*args)
    assert not route.called


def test_link_into_a_dot_segment_primary_is_refused(router: respx.Router) -> None:
    """POST /users/../identities would become POST /users/identities: refused, nothing sent."""
    route = router.route().mock(return_value=httpx.Response(201, json=[]))
    client, _ = make_client(router)
    with pytest.raises(UsageError):
        client.link_identity("..", provider="github", user_id="1")
    assert not route.called


def test_get_user_sends_bearer_and_encodes_id(router: respx.Router) -> None:
    """get_user calls GET /api/v2/users/{encoded id} with the bearer token and parses identities."""
    route = router.get(url__regex=r".*/api/v2/users/.*").mock(return_value=httpx.Response(200, json=USER))
    client, _ = make_client(router)
    user = client.get_user("auth0|a/b")
    request = route.calls.last.request
    assert request.url.raw_path == b"/api/v2/users/auth0%7Ca%2Fb"
    assert request.headers["authorization"] == "Bearer at-123"
    assert request.headers["user-agent"].startswith("auth0link/")
    assert [i.full_id for i in user.identities] == ["auth0|abc", "github|1234"]
    assert user.primary_identity is not None
    assert user.primary_identity.provider == "auth0"
    assert [i.provider for i in user.secondary_identities] == ["github"]


def test_unlink_encodes_every_segment(router: respx.Router) -> None:
    """unlink_identity encodes the primary, provider and user_id segments separately."""
    primary = recorded.database_user("p", 152)
    remaining = [recorded.identity_with_profile(primary)]
    route = router.delete(url__regex=r".*/identities/.*").mock(
        return_value=httpx.Response(200, json=remaining, headers=recorded.JSON_HEADERS)
    )
    client, _ = make_client(router)
    (kept,) = client.unlink_identity("auth0|p", "oidc", "x/y|z")
    assert (kept.full_id, kept.profile_data["email"]) == ("auth0|p", "chuck152@example.com")
    assert route.calls.last.request.url.raw_path == b"/api/v2/users/auth0%7Cp/identities/oidc/x%2Fy%7Cz"


def test_link_with_id_token_body(router: respx.Router) -> None:
    """link_identity(link_with=…) posts {"link_with": token}; a real tenant's 201 answer parses."""
    primary, secondary = recorded.database_user("p", 249), recorded.database_user("s", 203)
    route = router.post("/api/v2/users/auth0%7Cp/identities").mock(
        return_value=httpx.Response(
            201, json=recorded.link_answer(primary, secondary), headers=recorded.JSON_HEADERS
        )
    )
    client, _ = make_client(router)
    identities = client.link_identity("auth0|p", link_with="eyJ.secondary.token")
    assert json.loads(route.calls.last.request.content) == {"link_with": "eyJ.secondary.token"}
    assert [i.full_id for i in identities] == ["auth0|p", "auth0|s"]
    assert [i.profile_data["username"] for i in identities] == ["test-user249", "test-user203"]
    assert "name" not in identities[1].profile_data  # a database profile has none on a real tenant


def test_link_with_provider_body(router: respx.Router) -> None:
    """The admin form posts provider, user_id and connection_id."""
    route = router.post("/api/v2/users/auth0%7Cp/identities").mock(return_value=httpx.Response(201, json=[]))
    client, _ = make_client(router)
    client.link_identity("auth0|p", provider="google-oauth2", user_id="109", connection_id="con_1")
    assert json.loads(route.calls.last.request.content) == {
        "provider": "google-oauth2",
        "user_id": "109",
        "connection_id": "con_1",
    }


def test_link_requires_one_form(router: respx.Router) -> None:
    """Passing both body forms (or neither) is a programming error, caught before any request."""
    client, _ = make_client(router)
    with pytest.raises(ValueError, match="either"):
        client.link_identity("auth0|p", link_with="t", provider="x", user_id="y")
    with pytest.raises(ValueError, match="needs"):
        client.link_identity("auth0|p")


@pytest.mark.parametrize(
    ("status", "error", "code", "exc_type"),
    [
        (400, "Bad Request", "invalid_body", ApiError),
        (404, "Not Found", "inexistent_user", NotFound),
        (409, "Conflict", None, Conflict),
    ],
)
def test_error_bodies_become_typed_errors(
    router: respx.Router, status: int, error: str, code: str | None, exc_type: type[ApiError]
) -> None:
    """Each Auth0 error body maps to its class and keeps statusCode, error and errorCode."""
    router.get("/api/v2/users/x").mock(return_value=auth0_error(status, error, "Something happened.", code))
    client, slept = make_client(router)
    with pytest.raises(exc_type) as info:
        client.get_user("x")
    assert type(info.value) is exc_type
    assert info.value.status_code == status
    assert info.value.error == error
    assert info.value.error_code == code
    assert "Something happened." in info.value.message
    assert slept == []  # 4xx are never retried


def test_401_means_login_required(router: respx.Router) -> None:
    """An invalid/expired token (401) asks the user to log in again (exit 3)."""
    router.get("/api/v2/users/x").mock(return_value=auth0_error(401, "Unauthorized", "Invalid token"))
    client, _ = make_client(router)
    with pytest.raises(LoginRequired, match="Invalid token") as info:
        client.get_user("x")
    assert info.value.hint == "run: auth0link login"


def test_401_renews_the_token_once_and_resends(router: respx.Router) -> None:
    """A 401 calls renew_token with the rejected token and re-sends once with the new one."""
    route = router.get("/api/v2/users/x").mock(
        side_effect=[
            auth0_error(401, "Unauthorized", "Expired token received"),
            httpx.Response(200, json=USER),
        ]
    )
    rejected: list[str] = []

    def renew(token: str) -> str:
        rejected.append(token)
        return "at-new"

    client, _ = make_client(router, renew_token=renew)
    assert client.get_user("x").user_id == "auth0|abc"
    assert rejected == ["at-123"]
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer at-123", "Bearer at-new"]
    assert client.access_token == "at-new"  # later calls use the renewed token


def test_401_on_a_write_is_resent_once_after_renewing(router: respx.Router) -> None:
    """A 401 means the write was not applied: re-sent exactly once after renewing (never more)."""
    route = router.patch("/api/v2/users/x").mock(
        side_effect=[auth0_error(401, "Unauthorized", "Invalid token"), httpx.Response(200, json=USER)]
    )
    client, _ = make_client(router, renew_token=lambda _token: "at-new")
    client.patch_user_metadata("x", {"a": 1})
    assert route.call_count == 2
    assert [json.loads(c.request.content) for c in route.calls] == [{"user_metadata": {"a": 1}}] * 2


def test_a_second_401_is_login_required_without_a_third_attempt(router: respx.Router) -> None:
    """Still 401 after renewing: LoginRequired (exit 3) with the fix, after exactly two requests."""
    route = router.delete("/api/v2/users/x/identities/github/1").mock(
        return_value=auth0_error(401, "Unauthorized", "Invalid token")
    )
    renewed: list[str] = []

    def renew(token: str) -> str:
        renewed.append(token)
        return "at-new"

    client, _ = make_client(router, renew_token=renew)
    with pytest.raises(LoginRequired) as info:
        client.unlink_identity("x", "github", "1")
    assert route.call_count == 2
    assert renewed == ["at-123"]
    assert info.value.message == "The Management API rejected the access token (Invalid token)."
    assert info.value.hint == "run: auth0link login"


def test_a_failed_renewal_is_the_error_shown(router: respx.Router) -> None:
    """When the token cannot be renewed (revoked session), the renewer's error says what to do."""
    router.get("/api/v2/users/x").mock(return_value=auth0_error(401, "Unauthorized", "Invalid token"))

    def revoked(_token: str) -> str:
        raise LoginRequired("The session can no longer be refreshed.", hint="run: auth0link login")

    client, _ = make_client(router, renew_token=revoked)
    with pytest.raises(LoginRequired, match="can no longer be refreshed"):
        client.get_user("x")


def test_a_machine_tokens_401_names_the_machine_login(router: respx.Router) -> None:
    """A rejected client-credentials token's fix is login --machine with that client ID."""
    router.get("/api/v2/users/x").mock(return_value=auth0_error(401, "Unauthorized", "Invalid token"))
    client, _ = make_client(router)
    client.access_token = jwt_like(
        {"sub": "m2mClient@clients", "gty": "client-credentials", "azp": "m2mClient"}
    )
    with pytest.raises(LoginRequired) as info:
        client.get_user("x")
    assert info.value.hint == "run: auth0link login --machine --client-id m2mClient"


def jwt_like(claims: dict[str, object]) -> str:
    """An unsigned JWT-shaped token carrying ``claims`` (the client reads them for its hints)."""
    import base64

    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


SCOPE_403 = "Insufficient scope, expected any of: read:users,read:current_user"


def test_scope_hint_for_a_user_login_asks_for_the_current_user_scope(router: respx.Router) -> None:
    """A user's token lacking a scope is told to log in asking for the *current_user* one, not read:users."""
    router.get("/api/v2/users/x").mock(
        return_value=auth0_error(403, "Forbidden", SCOPE_403, "insufficient_scope")
    )
    client, _ = make_client(router)
    client.access_token = jwt_like({"sub": "auth0|x", "scope": "openid email"})
    with pytest.raises(ApiError) as info:
        client.get_user("x")
    assert (
        info.value.hint
        == "log in again asking for read:current_user: auth0link login --scopes 'openid email read:current_user'"
    )
    assert "read:users" not in (info.value.hint or "")


def test_scope_hint_for_a_machine_names_the_grant(router: respx.Router) -> None:
    """A machine token lacking a scope is told to grant the admin scope to its application."""
    router.get("/api/v2/users/x").mock(
        return_value=auth0_error(403, "Forbidden", SCOPE_403, "insufficient_scope")
    )
    client, _ = make_client(router)
    client.access_token = jwt_like({"sub": "m2mClient@clients", "gty": "client-credentials", "scope": ""})
    with pytest.raises(ApiError) as info:
        client.get_user("x")
    hint = info.value.hint or ""
    assert hint.startswith("grant read:users to the application m2mClient")
    assert hint.endswith("auth0link login --machine --client-id m2mClient")


def test_scope_hint_for_an_admin_only_endpoint_with_a_user_login(router: respx.Router) -> None:
    """A user's token on an admin-only endpoint is pointed at machine credentials, not at login --scopes."""
    router.get("/api/v2/users-by-email").mock(
        return_value=auth0_error(
            403, "Forbidden", "Insufficient scope, expected any of: read:users", "insufficient_scope"
        )
    )
    client, _ = make_client(router)
    client.access_token = jwt_like({"sub": "auth0|x", "scope": "openid"})
    with pytest.raises(ApiError) as info:
        client.users_by_email("a@example.com")
    assert "login --machine" in (info.value.hint or "")
    assert "--scopes" not in (info.value.hint or "")


def test_insufficient_scope_names_scope_and_login_command(router: respx.Router) -> None:
    """A 403 insufficient_scope names the missing scope and the login command that requests it."""
    router.post("/api/v2/users/p/identities").mock(
        return_value=auth0_error(
            403,
            "Forbidden",
            "Insufficient scope, expected any of: update:current_user_identities,update:users",
            "insufficient_scope",
        )
    )
    client, _ = make_client(router)
    with pytest.raises(ApiError) as info:
        client.link_identity("p", link_with="t")
    assert info.value.error_code == "insufficient_scope"
    assert info.value.hint is not None
    assert "update:current_user_identities" in info.value.hint
    assert "auth0link login" in info.value.hint


def test_non_json_error_body_is_handled(router: respx.Router) -> None:
    """An HTML error page still becomes a typed error, not a decoding crash."""
    router.get("/api/v2/users/x").mock(return_value=httpx.Response(400, text="<html>nope</html>"))
    client, _ = make_client(router)
    with pytest.raises(ApiError, match="Bad Request"):
        client.get_user("x")


def test_invalid_json_success_body_is_server_error(router: respx.Router) -> None:
    """A 200 with a body that is not JSON is a server fault (exit 5), not a traceback."""
    router.get("/api/v2/users/x").mock(return_value=httpx.Response(200, text="{not json"))
    client, _ = make_client(router)
    with pytest.raises(ServerError, match="invalid response"):
        client.get_user("x")


def test_429_waits_for_ratelimit_reset_then_retries(router: respx.Router) -> None:
    """A 429 waits until x-ratelimit-reset (relative to the injected clock) and retries."""
    limited = auth0_error(429, "Too Many Requests", "Global limit has been reached", "too_many_requests")
    limited.headers.update(
        {"x-ratelimit-limit": "50", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1003"}
    )
    ok = httpx.Response(
        200,
        json=USER,
        headers={"x-ratelimit-limit": "50", "x-ratelimit-remaining": "49", "x-ratelimit-reset": "1004"},
    )
    router.get("/api/v2/users/x").mock(side_effect=[limited, ok])
    client, slept = make_client(router)
    assert client.get_user("x").user_id == "auth0|abc"
    assert len(slept) == 1
    assert 3.0 <= slept[0] <= 3.2
    assert client.rate_limit.limit == 50
    assert client.rate_limit.remaining == 49


def test_429_honours_retry_after_for_post(router: respx.Router) -> None:
    """POST is retried on 429 (not processed), waiting Retry-After seconds."""
    limited = auth0_error(429, "Too Many Requests", "slow down", "too_many_requests")
    limited.headers["retry-after"] = "2"
    route = router.post("/api/v2/users/p/identities").mock(
        side_effect=[limited, httpx.Response(201, json=[])]
    )
    client, slept = make_client(router)
    client.link_identity("p", link_with="t")
    assert slept == [2.0]
    assert route.call_count == 2


def test_429_retry_is_bounded(router: respx.Router) -> None:
    """After the bounded number of 429 retries the error surfaces (exit 4) with a hint."""
    router.get("/api/v2/users/x").mock(
        return_value=auth0_error(429, "Too Many Requests", "limit", "too_many_requests")
    )
    client, slept = make_client(router, max_rate_limit_retries=2)
    with pytest.raises(ApiError, match="Rate limited") as info:
        client.get_user("x")
    assert info.value.status_code == 429
    assert len(slept) == 2


def test_429_with_reset_beyond_cap_is_not_waited(router: respx.Router) -> None:
    """A reset far in the future is reported instead of sleeping past max_rate_limit_wait."""
    limited = auth0_error(429, "Too Many Requests", "limit", "too_many_requests")
    limited.headers["x-ratelimit-reset"] = "99999"
    router.get("/api/v2/users/x").mock(return_value=limited)
    client, slept = make_client(router, max_rate_limit_wait=30)
    with pytest.raises(ApiError):
        client.get_user("x")
    assert slept == []


def test_get_retried_on_5xx_then_succeeds(router: respx.Router) -> None:
    """GET is retried with backoff on 5xx."""
    route = router.get("/api/v2/users/x").mock(
        side_effect=[auth0_error(503, "Service Unavailable", "down"), httpx.Response(200, json=USER)]
    )
    client, slept = make_client(router)
    client.get_user("x")
    assert route.call_count == 2
    assert len(slept) == 1


def test_get_5xx_gives_up_after_retries(router: respx.Router) -> None:
    """Persistent 5xx on GET ends as ServerError (exit 5) after max_retries."""
    route = router.get("/api/v2/users/x").mock(return_value=auth0_error(500, "Internal Server Error", "boom"))
    client, _ = make_client(router, max_retries=2)
    with pytest.raises(ServerError):
        client.get_user("x")
    assert route.call_count == 3


def test_post_not_retried_on_5xx(router: respx.Router) -> None:
    """A POST that failed with 5xx is never blindly retried."""
    route = router.post("/api/v2/users/p/identities").mock(return_value=auth0_error(502, "Bad Gateway", "x"))
    client, slept = make_client(router)
    with pytest.raises(ServerError):
        client.link_identity("p", link_with="t")
    assert route.call_count == 1
    assert slept == []


def test_delete_not_retried_on_read_timeout(router: respx.Router) -> None:
    """A DELETE whose response timed out is not retried, and the error says the outcome is unknown."""
    route = router.delete(url__regex=r".*/identities/.*").mock(side_effect=httpx.ReadTimeout("slow"))
    client, _ = make_client(router)
    with pytest.raises(NetworkError, match="may or may not have been applied"):
        client.unlink_identity("p", "github", "1")
    assert route.call_count == 1


def test_post_retried_when_connection_never_made(router: respx.Router) -> None:
    """A connect error means nothing was sent, so even a POST may be retried."""
    route = router.post("/api/v2/users/p/identities").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json=[])]
    )
    client, _ = make_client(router)
    client.link_identity("p", link_with="t")
    assert route.call_count == 2


def test_get_timeout_retried_then_network_error(router: respx.Router) -> None:
    """GET timeouts are retried, then reported as NetworkError (exit 5) naming the timeout."""
    route = router.get("/api/v2/users/x").mock(side_effect=httpx.ReadTimeout("slow"))
    client, _ = make_client(router, max_retries=1)
    with pytest.raises(NetworkError, match="did not answer within"):
        client.get_user("x")
    assert route.call_count == 2


def test_no_token_is_login_required(router: respx.Router) -> None:
    """A Management call without an access token asks for a login before any request."""
    client = Auth0Client(BASE, transport=httpx.MockTransport(router.handler))
    with pytest.raises(LoginRequired):
        client.get_user("x")


def test_token_endpoint_error_is_oauth_error(router: respx.Router) -> None:
    """/oauth/token errors carry the RFC 6749 error code and description."""
    router.post("/oauth/token").mock(
        return_value=httpx.Response(
            403, json={"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}
        )
    )
    client, _ = make_client(router)
    with pytest.raises(OAuthError) as info:
        client.token({"grant_type": "refresh_token", "client_id": "c", "refresh_token": "r"})
    assert info.value.error == "invalid_grant"
    assert info.value.status_code == 403
    assert "Unknown or invalid refresh token" in info.value.message


def test_token_is_form_encoded_and_parsed(router: respx.Router) -> None:
    """The token request is form-encoded; the response is parsed into TokenResponse."""
    route = router.post("/oauth/token").mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "A",
                "token_type": "Bearer",
                "expires_in": 86400,
                "scope": "openid",
                "id_token": "I",
                "refresh_token": "R",
            },
        )
    )
    client, _ = make_client(router)
    result = client.token({"grant_type": "authorization_code", "code": "c"})
    assert route.calls.last.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert (result.access_token, result.id_token, result.refresh_token, result.expires_in) == (
        "A",
        "I",
        "R",
        86400,
    )
    assert "A" not in repr(result)


def test_users_by_email_passes_query(router: respx.Router) -> None:
    """users_by_email sends the email as a query parameter."""
    route = router.get("/api/v2/users-by-email").mock(return_value=httpx.Response(200, json=[USER]))
    client, _ = make_client(router)
    users = client.users_by_email("a+b@example.com")
    assert route.calls.last.request.url.params["email"] == "a+b@example.com"
    assert users[0].email == "a@example.com"


def test_search_users_with_totals(router: respx.Router) -> None:
    """search_users uses search_engine=v3 and returns the total when included."""
    page = recorded.search_page([recorded.database_user("a", 904)], start=20, limit=10, total=21)
    route = router.get("/api/v2/users").mock(
        return_value=httpx.Response(200, json=page, headers=recorded.JSON_HEADERS)
    )
    client, _ = make_client(router)
    users, total = client.search_users('email:"a@example.com"', page=2, per_page=10)
    params = route.calls.last.request.url.params
    assert (params["search_engine"], params["page"], params["per_page"]) == ("v3", "2", "10")
    assert total == 21
    assert [(u.user_id, u.email, u.raw.get("logins_count")) for u in users] == [
        ("auth0|a", "chuck904@example.com", None)
    ]


def test_debug_log_redacts_secrets(router: respx.Router, caplog: pytest.LogCaptureFixture) -> None:
    """The --debug HTTP log never contains tokens, secrets, codes or the Authorization header."""
    router.post("/oauth/token").mock(
        return_value=httpx.Response(
            200, json={"access_token": "SECRET-AT", "refresh_token": "SECRET-RT", "expires_in": 1}
        )
    )
    client, _ = make_client(router, debug=True)
    client.access_token = "SECRET-BEARER"
    with caplog.at_level("DEBUG", logger="auth0link.http"):
        client.token({"grant_type": "client_credentials", "client_secret": "SECRET-CS", "client_id": "cid"})
    text = caplog.text
    assert "oauth/token" in text
    assert "cid" in text
    for secret in ("SECRET-AT", "SECRET-RT", "SECRET-CS"):
        assert secret not in text


def test_token_endpoint_5xx_is_server_error_not_refusal(router: respx.Router) -> None:
    """A failing authorization server is exit 5 ("try again"), never exit 3 ("log in again")."""
    route = router.post("/oauth/token").mock(return_value=httpx.Response(503, json={"error": "server_error"}))
    client, slept = make_client(router)
    with pytest.raises(ServerError, match="HTTP 503"):
        client.token({"grant_type": "authorization_code", "code": "c"})
    assert route.call_count == 1  # a code exchange is never blindly retried
    assert slept == []


def test_a_dns_failure_is_named_with_the_domain_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host name DNS cannot resolve: "Could not resolve HOST: DNS lookup failed (…)", not a bare "Could not connect"."""
    import socket

    def no_such_host(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    client = Auth0Client("https://wrong-tenant.eu.auth0.com", sleep=lambda _s: None, max_retries=0)
    with pytest.raises(NetworkError) as info:
        client.request("GET", "/.well-known/openid-configuration")
    assert info.value.message == (
        "Could not resolve wrong-tenant.eu.auth0.com: DNS lookup failed (Name or service not known)."
    )
    assert "config get domain" in (info.value.hint or "")


def test_a_refused_loopback_connection_keeps_the_port() -> None:
    """127.0.0.1:PORT with nothing listening: the message names 127.0.0.1:PORT and the refusal."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = Auth0Client(f"http://127.0.0.1:{port}", sleep=lambda _s: None, max_retries=0)
    with pytest.raises(NetworkError) as info:
        client.request("GET", "/.well-known/openid-configuration")
    assert (
        info.value.message
        == f"Could not connect to 127.0.0.1:{port}: connection refused (nothing listens on that port)."
    )
