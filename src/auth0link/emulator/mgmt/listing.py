"""How Management API lists page: by page number, or by checkpoint where Auth0 offers it.

* ``page`` (from 0), ``per_page`` (1 to 100, default 50) and ``include_totals=true`` → ``{start,
  limit, total, <key>: […]}``, else the bare array.
* Checkpoint paging (``GET /connections``, ``GET /client-grants``, …): ``take`` (1 to 100, default
  50) and ``from`` (the ``next`` of the previous answer) → ``{<key>: […], next}``, ``next`` left
  out on the last page. ``from`` is the ID of the first item of the page; any ``from`` or
  ``take`` selects checkpoint paging, and it ignores ``include_totals``.
"""

from __future__ import annotations

from typing import Any, Final

from ..state.model import ManagementError
from .user_search import project, query_integer

MAX_PER_PAGE: Final = 100
DEFAULT_PER_PAGE: Final = 50


def _bad(message: str, name: str) -> ManagementError:
    """Auth0's validator wording for one query property."""
    return ManagementError(
        400, f"Query validation error: '{message}' on property {name}.", "invalid_query_string"
    )


def _number(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    return query_integer(query, name, default=default, low=low, high=high, bad=_bad)


def page(
    items: list[dict[str, Any]],
    query: dict[str, list[str]],
    key: str,
    *,
    checkpoint: bool = False,
    kept: tuple[str, ...] = (),
) -> Any:
    """One page of ``items`` (each with an ``id`` when ``checkpoint``), with field selection.

    ``kept`` are keys a real tenant returns whatever ``fields`` says (``tenant`` on clients).
    """
    if checkpoint and ("from" in query or "take" in query):
        return _checkpoint(items, query, key, kept)
    number = _number(query, "page", 0, 0, 10**9)
    per_page = _number(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    window = [project(item, query, kept) for item in items[number * per_page : (number + 1) * per_page]]
    if query.get("include_totals", ["false"])[0].lower() == "true":
        # No "length" here, unlike user search (auth0/go-auth0, test/data/recordings/
        # TestClient_List.yaml and TestUserManager_Link.yaml's GET /connections).
        return {"total": len(items), "start": number * per_page, "limit": per_page, key: window}
    return window


def _checkpoint(
    items: list[dict[str, Any]], query: dict[str, list[str]], key: str, kept: tuple[str, ...]
) -> dict[str, Any]:
    take = _number(query, "take", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    start = 0
    after = query.get("from", [""])[0]
    if after:
        start = next((i for i, item in enumerate(items) if item.get("id") == after), len(items))
    window = items[start : start + take]
    body: dict[str, Any] = {key: [project(item, query, kept) for item in window]}
    if start + take < len(items):
        body["next"] = items[start + take]["id"]
    return body
