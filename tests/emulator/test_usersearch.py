"""User search: Auth0's 1,000-result window, per_page and page limits, totals, the query subset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.mgmt.search_query import compile_query
from auth0link.emulator.mgmt.user_search import PAGING_MESSAGE
from tests.emulator.test_mgmtapi import error_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.conftest import Ctx

USERS = 1200


def many_users(count: int = USERS) -> list[dict[str, Any]]:
    """``count`` verified database users, user00000@example.com onwards."""
    return [
        {"user_id": f"auth0|u{i:05d}", "email": f"user{i:05d}@example.com", "email_verified": True}
        for i in range(count)
    ]


@pytest.fixture
def big(make_ctx: Callable[..., Ctx]) -> Ctx:
    """A tenant of 1,200 users (more than the search window)."""
    return make_ctx(users=many_users())


def search(ctx: Ctx, **params: str) -> Any:
    """GET /api/v2/users with an M2M token; the raw reply."""
    return ctx.api("GET", "/users", ctx.m2m_token(), params={"search_engine": "v3", **params})


def test_the_last_page_inside_the_window_is_served(big: Ctx) -> None:
    """page 9 x 100 (results 900-999) is the last page Auth0 serves; it holds 100 users."""
    body = search(big, page="9", per_page="100", include_totals="true").json()
    assert (body["start"], body["limit"], body["length"]) == (900, 100, 100)
    assert body["users"][0]["user_id"] == "auth0|u00900"


@pytest.mark.parametrize(("page", "per_page"), [("10", "100"), ("33", "30"), ("1000", "1"), ("20", "50")])
def test_a_page_reaching_past_1000_results_is_invalid_paging(big: Ctx, page: str, per_page: str) -> None:
    """(page + 1) x per_page > 1000 is Auth0's 400 invalid_paging, with its exact message."""
    reply = search(big, page=page, per_page=per_page)
    assert error_of(reply) == (400, "invalid_paging", PAGING_MESSAGE)
    assert reply.json()["error"] == "Bad Request"


def test_the_window_applies_however_few_users_match(ctx: Ctx) -> None:
    """The cap is on the page asked for, not on the results: 6 users, page 10 x 100 is still 400."""
    assert error_of(search(ctx, page="10", per_page="100"))[:2] == (400, "invalid_paging")
    assert search(ctx, page="9", per_page="100").json() == []


def test_paging_through_a_big_tenant_stops_at_1000(big: Ctx) -> None:
    """A client paging 100 at a time reads exactly the first 1,000 users, then gets the 400."""
    token = big.m2m_token()
    seen: list[str] = []
    for page in range(12):
        reply = big.api("GET", "/users", token, params={"page": str(page), "per_page": "100"})
        if reply.status_code != 200:
            assert error_of(reply)[1] == "invalid_paging"
            break
        seen += [user["user_id"] for user in reply.json()]
    assert len(seen) == 1000
    assert seen == [f"auth0|u{i:05d}" for i in range(1000)]


def test_total_is_capped_at_1000_as_auth0_reports_it(big: Ctx) -> None:
    """include_totals: total is min(matches, 1000); a narrower query reports its exact count."""
    assert search(big, page="0", per_page="10", include_totals="true").json()["total"] == 1000
    narrow = search(big, q="email:user0001*", page="0", per_page="5", include_totals="true").json()
    assert (narrow["total"], narrow["length"]) == (10, 5)
    assert list(narrow) == ["start", "limit", "length", "users", "total"]


def test_per_page_zero_answers_only_the_total(big: Ctx) -> None:
    """per_page=0 is allowed (0 <= per_page <= 100): no users, just the summary."""
    body = search(big, page="0", per_page="0", include_totals="true").json()
    assert (body["users"], body["length"], body["limit"], body["total"]) == ([], 0, 0, 1000)


def test_without_page_at_most_50_users_come_back(big: Ctx) -> None:
    """Without page, Auth0 returns at most 50 records whatever per_page says."""
    body = search(big, per_page="100", include_totals="true").json()
    assert (body["start"], body["limit"], body["length"]) == (0, 50, 50)
    assert len(search(big).json()) == 50


PER_PAGE_HELP = "(Number of results per page.)"
PAGE_HELP = "(Page index of the results to return. First page is 0.)"


@pytest.mark.parametrize(
    ("params", "problem", "where"),
    [
        (
            {"per_page": "101", "page": "0"},
            "Value 101 is greater than maximum 100",
            f"per_page {PER_PAGE_HELP}",
        ),
        ({"per_page": "-1"}, "Value -1 is less than minimum 0", f"per_page {PER_PAGE_HELP}"),
        ({"page": "-1"}, "Value -1 is less than minimum 0", f"page {PAGE_HELP}"),
        ({"page": "two"}, "Expected type integer but found type string", f"page {PAGE_HELP}"),
    ],
)
def test_bad_paging_values_are_query_validation_errors(
    ctx: Ctx, params: dict[str, str], problem: str, where: str
) -> None:
    """per_page above 100, negative values or non-integers: 400 invalid_query_string, Auth0's wording."""
    message = f"Query validation error: '{problem}' on property {where}."
    assert error_of(search(ctx, **params)) == (400, "invalid_query_string", message)


def test_compiled_query_reads_users_without_building_bodies(big: Ctx) -> None:
    """A compiled query matches on attributes and identities, with prefix globs and AND."""
    users = list(big.tenant.users.values())
    verified = compile_query(
        'email_verified:true AND identities.connection:"Username-Password-Authentication"'
    )
    assert sum(map(verified, users)) == USERS
    assert [u.user_id for u in users if compile_query("user_id:auth0|u0119*")(u)] == [
        f"auth0|u0119{i}" for i in range(10)
    ]
    assert not any(compile_query("email_verified:false")(u) for u in users)
