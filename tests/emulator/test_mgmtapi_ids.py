"""Property: any user ID, percent-encoded as one path segment, reaches the right user."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx

# "." and ".." are dot segments: every HTTP client removes them from paths (RFC 3986 §5.2.4),
# so no server, Auth0 included, can receive them as an ID segment.
RAW_IDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
    min_size=1,
    max_size=40,
).filter(lambda raw: raw not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=RAW_IDS)
def test_any_encoded_id_round_trips(ctx: Ctx, raw: str) -> None:
    """GET /users/{quote(id)} and unlink paths decode IDs with '/', '|', '%', spaces, unicode."""
    user_id = f"github|{raw}"
    if user_id not in ctx.tenant.users:
        ctx.tenant.users.add({"user_id": user_id, "email": "p@example.com"})
    token = ctx.emulator.tenant.key.sign(
        {
            "iss": ctx.tenant.issuer,
            "sub": "m2m@clients",
            "aud": ctx.tenant.api_audience,
            "exp": int(ctx.clock[0]) + 600,
            "scope": "read:users update:users",
        }
    )
    reply = ctx.api("GET", "/users/" + quote(user_id, safe=""), token)
    assert reply.status_code == 200
    assert reply.json()["user_id"] == user_id
    linked = ctx.api(
        "POST",
        "/users/" + quote("auth0|65f0b0b0b0000000000000b1", safe="") + "/identities",
        token,
        json={"provider": "github", "user_id": raw},
    )
    assert linked.status_code == 201
    unlinked = ctx.api(
        "DELETE",
        "/users/auth0%7C65f0b0b0b0000000000000b1/identities/github/" + quote(raw, safe=""),
        token,
    )
    assert unlinked.status_code == 200
    assert user_id in ctx.tenant.users
