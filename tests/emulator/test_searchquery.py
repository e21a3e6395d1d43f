"""User search v3's query syntax (Auth0's "User Search Query Syntax") and ``sort``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.mgmt.search_query import compile_query
from auth0link.emulator.state.model import ManagementError
from auth0link.emulator.state.persistence import build_tenant
from tests.emulator.conftest import BASE
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from auth0link.emulator.state.tenant import Tenant
    from tests.emulator.conftest import Ctx

PEOPLE: list[dict[str, Any]] = [
    {
        "user_id": "auth0|p1",
        "email": "Jane.Smith@Example.com",
        "name": "Jane Smith",
        "extra": {"username": "jsmith", "given_name": "Jane"},
        "logins_count": 3,
        "created_at": "2020-01-05T10:00:00.000Z",
        "updated_at": "2020-01-05T10:00:00.000Z",
        "app_metadata": {"plan": "gold", "roles": [{"name": "admin"}], "seats": 5},
        "user_metadata": {"city": "Paris"},
    },
    {
        "user_id": "auth0|p2",
        "email": "john@usa.example",
        "name": "John Doe",
        "extra": {"username": "jdoe"},
        "created_at": "2019-06-01T00:00:00.000Z",
        "updated_at": "2019-06-01T00:00:00.000Z",
        "app_metadata": {"plan": "silver", "seats": 12},
    },
    {
        "user_id": "auth0|p3",
        "email": "ann@example.org",
        "name": "Ann Other",
        "logins_count": 1,
        "created_at": "2021-03-01T00:00:00.000Z",
        "updated_at": "2021-03-01T00:00:00.000Z",
    },
]


@pytest.fixture
def people() -> Tenant:
    """A tenant holding only the three people above."""
    tenant = build_tenant(BASE, users=[])
    for spec in PEOPLE:
        tenant.users.add({**spec, "connection": "Username-Password-Authentication"})
    return tenant


def found(tenant: Tenant, q: str) -> list[str]:
    """The user IDs ``q`` matches, in tenant order."""
    predicate = compile_query(q)
    return [user.user_id for user in tenant.users.values() if predicate(user)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('username:"jsmith"', ["auth0|p1"]),
        ("username:jdoe", ["auth0|p2"]),
        ("email:jane.smith@example.com", ["auth0|p1"]),  # normalised fields ignore case
        ("name:jane", ["auth0|p1"]),  # a word of the name
        ('name:"jane smith"', ["auth0|p1"]),
        ('name:"jane"', []),  # a phrase is the whole value
        ("app_metadata.plan:gold", ["auth0|p1"]),
        ("app_metadata.plan:Gold", []),  # metadata is case-sensitive
        ("app_metadata.roles.name:admin", ["auth0|p1"]),  # through arrays
        ("app_metadata.seats:[5 TO 10]", ["auth0|p1"]),
        ('user_metadata.city:"Paris"', ["auth0|p1"]),
        ("NOT app_metadata.plan:gold", ["auth0|p2", "auth0|p3"]),
        ("-username:jdoe", ["auth0|p1", "auth0|p3"]),
        ("logins_count:[1 TO *]", ["auth0|p1", "auth0|p3"]),
        ("logins_count:{1 TO *]", ["auth0|p1"]),
        ("created_at:[2020-01-01 TO *]", ["auth0|p1", "auth0|p3"]),
        ("created_at:[* TO 2020-01-01}", ["auth0|p2"]),
        ("name:j*", ["auth0|p1", "auth0|p2"]),
        ("email:*usa.example", ["auth0|p2"]),
        ("name:*ohn*", ["auth0|p2"]),
        ("email.domain:example.org", ["auth0|p3"]),
        ("username:jdoe OR username:jsmith", ["auth0|p1", "auth0|p2"]),
        ("name:(ann OR john) AND NOT logins_count:1", ["auth0|p2"]),
        ("_exists_:username", ["auth0|p1", "auth0|p2"]),
        ("logins_count:*", ["auth0|p1", "auth0|p3"]),
        ("doe", ["auth0|p2"]),  # no field: the normalised fields
    ],
)
def test_query_syntax_matches_as_auth0_documents(people: Tenant, q: str, expected: list[str]) -> None:
    """Fields, metadata paths, NOT, ranges, wildcards, groups and exists select the right users."""
    assert found(people, q) == expected


@pytest.mark.parametrize(
    ("q", "problem"),
    [
        ("favourite:blue", "Unsupported field in q: favourite"),
        ("user_metadata.city:Par*", "Wildcards are not allowed on user_metadata fields: user_metadata.city"),
        ("user_metadata.age:[1 TO 5]", "Ranges are not allowed on user_metadata fields: user_metadata.age"),
        ("name:*ab", "A suffix match needs at least 3 characters: name:*ab"),
        ("name:(jane", "Unsupported query syntax in q: name:(jane"),
    ],
)
def test_unsupported_queries_are_400_invalid_query_string(people: Tenant, q: str, problem: str) -> None:
    """What Auth0's v3 search does not allow is a 400 invalid_query_string naming the problem."""
    with pytest.raises(ManagementError) as caught:
        found(people, q)
    assert (caught.value.status, caught.value.error_code) == (400, "invalid_query_string")
    assert caught.value.message == f"Query validation error: '{problem}'."


def test_sort_orders_the_matches_and_a_bad_sort_is_refused(ctx: Ctx) -> None:
    """sort=field:-1 and :1 order the users (those without the field last); a bad value is 400."""
    token = ctx.m2m_token()
    for spec in PEOPLE:
        ctx.tenant.users.add({**spec, "connection": "Username-Password-Authentication"})
    q = {"q": "user_id:auth0|p*", "search_engine": "v3"}
    newest = ctx.api("GET", "/users", token, params={**q, "sort": "created_at:-1"}).json()
    assert [u["user_id"] for u in newest] == ["auth0|p3", "auth0|p1", "auth0|p2"]
    by_logins = ctx.api("GET", "/users", token, params={**q, "sort": "logins_count:1"}).json()
    assert [u["user_id"] for u in by_logins] == ["auth0|p3", "auth0|p1", "auth0|p2"]
    bad = ctx.api("GET", "/users", token, params={**q, "sort": "created_at:up"})
    assert (bad.status_code, bad.json()["errorCode"]) == (400, "invalid_query_string")
    assert "on property sort" in bad.json()["message"]


def test_search_envelope_is_the_recorded_one(ctx: Ctx) -> None:
    """include_totals: {start, limit, length, users, total} in that order (TestUserManager_Search.yaml)."""
    token = ctx.m2m_token()
    params = {"include_totals": "true", "per_page": "50", "q": f'user_id:"{ALICE}"', "search_engine": "v3"}
    page = ctx.api("GET", "/users", token, params=params).json()
    assert list(page) == ["start", "limit", "length", "users", "total"]
    assert (page["start"], page["limit"], page["length"], page["total"]) == (0, 50, 1, 1)
