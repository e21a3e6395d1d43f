"""User search for the Management API: ``q``, ``sort``, paging and field selection.

``GET /api/v2/users?q=…`` compiles ``q`` once (Auth0's Lucene subset, see :mod:`.search_query`)
and reads the user records directly; ``sort=field:1|-1`` orders the matches before paging (users
without the field last, as Elasticsearch does). ``fields=a,b&include_fields=true|false`` selects
the keys of each user body.

Paging is Auth0's (see "View Search Results by Page" and the ``get-users`` reference):

- ``page`` from 0, ``per_page`` from 0 to 100 (default 50); without ``page`` at most 50 users are
  returned whatever ``per_page`` says ("When the page parameter is not set, we return a maximum
  of 50 records").
- Only the first 1,000 results of a query can be read: a page that reaches past them is a 400
  ``invalid_paging`` with Auth0's exact message. The condition is ``(page + 1) * per_page >
  1000`` (Auth0's documented rule for role members, and Elasticsearch's ``from + size`` window
  behind search v3), whether or not that many users match.
- ``include_totals=true`` wraps the page as ``{start, limit, length, users, total}`` where
  ``total`` is capped at 1,000, as Auth0 reports it.

The validation messages follow Auth0's query validator ("Query validation error: 'Value 101 is
greater than maximum 100' on property per_page (Number of results per page.)."); the property
descriptions come from the ``get-users`` reference.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..state.model import ManagementError
from .search_query import bad_query, compile_query, sort_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ..state.model import User

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
SEARCH_WINDOW = 1000
PAGING_MESSAGE = (
    "You can only page through the first 1000 records. "
    "See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation"
)
_PROPERTY_HELP = {
    "page": "Page index of the results to return. First page is 0.",
    "per_page": "Number of results per page.",
    "sort": (
        "Field to sort by. Use <code>field:order</code> where order is <code>1</code> for ascending"
        " and <code>-1</code> for descending. e.g. <code>created_at:1</code>"
    ),
}
_SORT = re.compile(r"([a-zA-Z0-9_.]+):(1|-1)")


def _bad_property(message: str, name: str) -> ManagementError:
    """A 400 on one query property, worded as Auth0's validator words it."""
    return ManagementError(
        400,
        f"Query validation error: '{message}' on property {name} ({_PROPERTY_HELP[name]}).",
        "invalid_query_string",
    )


def project(user: dict[str, Any], query: dict[str, list[str]], kept: tuple[str, ...] = ()) -> dict[str, Any]:
    """Apply ``fields=a,b`` and ``include_fields=true|false`` (Auth0's field selection).

    ``kept`` are keys a real tenant returns whatever ``fields`` says (``tenant`` on clients).
    """
    raw = query.get("fields", [""])[0]
    if not raw:
        return user
    fields = {f.strip() for f in raw.split(",") if f.strip()}
    include = query.get("include_fields", ["true"])[0].lower() != "false"
    return {k: v for k, v in user.items() if (k in fields) == include or k in kept}


def query_integer(
    query: dict[str, list[str]],
    name: str,
    *,
    default: int,
    low: int,
    high: int | None,
    bad: Callable[[str, str], ManagementError],
) -> int:
    """An integer query parameter between ``low`` and ``high``, refused as Auth0's validator words it."""
    raw = query.get(name, [""])[0]
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad("Expected type integer but found type string", name) from None
    if value < low:
        raise bad(f"Value {value} is less than minimum {low}", name)
    if high is not None and value > high:
        raise bad(f"Value {value} is greater than maximum {high}", name)
    return value


def paging(query: dict[str, list[str]]) -> tuple[int, int]:
    """``(page, per_page)`` of a search, checked as Auth0 checks them (module docstring)."""
    page = query_integer(query, "page", default=0, low=0, high=None, bad=_bad_property)
    per_page = query_integer(
        query, "per_page", default=DEFAULT_PER_PAGE, low=0, high=MAX_PER_PAGE, bad=_bad_property
    )
    if query.get("page", [""])[0] == "":
        per_page = min(per_page, DEFAULT_PER_PAGE)
    if (page + 1) * per_page > SEARCH_WINDOW:
        raise ManagementError(400, PAGING_MESSAGE, "invalid_paging")
    return page, per_page


def search(users: Iterable[User], query: dict[str, list[str]]) -> Any:
    """``GET /users``: the page of matching users (or the totals object), Auth0's limits applied."""
    engine = query.get("search_engine", ["v3"])[0]
    if engine not in ("v3", ""):
        raise bad_query(f"Invalid value for search_engine: {engine}")
    page, per_page = paging(query)
    predicate = compile_query(query.get("q", [""])[0])
    found = [user for user in users if predicate(user)]
    order = query.get("sort", [""])[0]
    if order:
        wanted = _SORT.fullmatch(order)
        if wanted is None:
            raise _bad_property(r"String does not match pattern ^(([a-zA-Z0-9_\.]+))\:(1|-1)$", "sort")
        key = sort_key(wanted[1])
        # Users without the field come last in both directions (Elasticsearch's "missing": "_last").
        present = sorted((u for u in found if not key(u)[0]), key=key, reverse=wanted[2] == "-1")
        found = present + [u for u in found if key(u)[0]]
    start = page * per_page
    window = [project(user.to_json(), query) for user in found[start : start + per_page]]
    if query.get("include_totals", ["false"])[0].lower() != "true":
        return window
    return {
        "start": start,
        "limit": per_page,
        "length": len(window),
        "users": window,
        "total": min(len(found), SEARCH_WINDOW),
    }
