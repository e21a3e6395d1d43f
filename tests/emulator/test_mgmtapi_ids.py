"""Property: any user ID, percent-encoded as one path segment, reaches the right user."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx

# Every ID, including the dot segments "." and "..": a client that percent-encodes every octet it
# may (RFC 3986 allows "%2E") sends them intact, and the emulator decodes segments from the raw
# path, so they round-trip like any other ID.
RAW_IDS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


def segment(value: str) -> str:
    """``value`` as one path segment, with every '.' encoded too (so no dot segment is sent)."""
    return quote(value, safe="").replace(".", "%2E")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=RAW_IDS)
@example(raw=".")
@example(raw="..")
@example(raw="a/../b")
def test_any_encoded_id_round_trips(ctx: Ctx, raw: str) -> None:
    """GET /users/{id} and unlink paths decode IDs with '/', '|', '%', '.', '..', spaces, unicode."""
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
    reply = ctx.api("GET", "/users/" + segment(user_id), token)
    assert reply.status_code == 200
    assert reply.json()["user_id"] == user_id
    linked = ctx.api(
        "POST",
        "/users/" + segment("auth0|65f0b0b0b0000000000000b1") + "/identities",
        token,
        json={"provider": "github", "user_id": raw},
    )
    assert linked.status_code == 201
    unlinked = ctx.api(
        "DELETE",
        "/users/auth0%7C65f0b0b0b0000000000000b1/identities/github/" + segment(raw),
        token,
    )
    assert unlinked.status_code == 200
    assert [i["user_id"] for i in unlinked.json()] == ["65f0b0b0b0000000000000b1"]
    assert user_id in ctx.tenant.users
