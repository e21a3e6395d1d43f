"""The Management API's one route table: every endpoint found by its path, nothing else."""

from __future__ import annotations

import pytest

from auth0link.emulator.mgmt.api import ROUTES, find_route
from auth0link.emulator.mgmt.routing import RouteTable


def _concrete(pattern: str) -> list[str]:
    """The segments of a request path matching ``pattern`` (placeholders filled in)."""
    return ["x%7C1" if s.startswith("{") else s for s in pattern.strip("/").split("/")]


@pytest.mark.parametrize(("method", "pattern", "handler"), ROUTES.rows)
def test_every_row_is_found_by_its_own_path(method: str, pattern: str, handler: object) -> None:
    """A request on a row's path (placeholders filled) finds that row's handler."""
    assert ROUTES.find(method, _concrete(pattern)) is handler


def test_an_empty_placeholder_or_another_literal_matches_no_row() -> None:
    """``/users/`` and ``/users/x/roles`` find nothing; a wrong method finds nothing."""
    assert ROUTES.find("GET", ["users", ""]) is None
    assert ROUTES.find("POST", ["users", "x", "roles"]) is None
    assert ROUTES.find("PUT", ["users", "x"]) is None
    assert find_route("GET", ["no-such-thing"]) is None


def test_a_fresh_tenant_answers_what_the_table_does_not_list() -> None:
    """``GET /roles`` is not a row, but a fresh tenant's answer is found for it."""
    assert ROUTES.find("GET", ["roles"]) is None
    assert find_route("GET", ["roles"]) is not None


def test_a_pattern_must_start_with_a_literal() -> None:
    """A table whose first segment is a placeholder is refused when it is compiled."""
    with pytest.raises(ValueError, match="literal"):
        RouteTable([("GET", "/{id}", "handler")])
