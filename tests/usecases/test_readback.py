"""Deciding a write whose answer was lost (``auth0link.usecases.readback``): from what the tenant shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.errors import ApiError, Auth0LinkError, NetworkError, NotFound, ServerError
from auth0link.usecases.readback import DELAYS, maybe_applied, read_back

if TYPE_CHECKING:
    from collections.abc import Callable


@pytest.mark.parametrize(
    ("error", "applied"),
    [
        (NetworkError("timed out after sending", maybe_applied=True), True),
        (NetworkError("could not connect"), False),
        (ServerError("gateway timeout", status_code=504), True),
        (ServerError("internal error", status_code=500), True),
        (ServerError("unreadable 201 body", status_code=201), True),
        (ServerError("service unavailable", status_code=503), False),
        (ApiError("bad request", status_code=400), False),
        (NotFound("no such user", status_code=404), False),
    ],
    ids=["timeout", "never sent", "504", "500", "garbled 2xx", "503", "400", "404"],
)
def test_maybe_applied(error: Auth0LinkError, applied: bool) -> None:
    """Unknown: an unanswered sent write, a 5xx but 503, an unreadable 2xx; a 503 or 4xx is not applied."""
    assert maybe_applied(error) is applied


def probe_of(outcomes: list[Auth0LinkError | bool]) -> Callable[[], bool]:
    """A probe answering ``outcomes`` in turn (an error is raised)."""

    def probe() -> bool:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Auth0LinkError):
            raise outcome
        return outcome

    return probe


def test_read_back_stops_as_soon_as_the_change_shows() -> None:
    """The probe runs after each delay until it shows the change; no more reads, no more sleeps."""
    answers = iter([False, True, True])
    slept: list[float] = []
    assert read_back(lambda: next(answers), sleep=slept.append) == (True, None)
    assert slept == [d for d in DELAYS[:2] if d]


def test_read_back_never_shown_is_unknown_without_error() -> None:
    """Every read worked but none showed the change: (False, None), after every delay."""
    probe = probe_of([False] * len(DELAYS))
    slept: list[float] = []
    assert read_back(probe, sleep=slept.append) == (False, None)
    assert slept == [d for d in DELAYS if d]


def test_read_back_keeps_the_last_read_error_only() -> None:
    """A failed read is forgotten when a later read works; the last failure is returned."""
    failure = NotFound("gone", status_code=404)
    probe = probe_of([failure, False, NetworkError("a"), failure])
    assert read_back(probe, sleep=lambda _s: None) == (False, failure)
    assert read_back(probe_of([failure, False]), sleep=lambda _s: None, delays=(0, 0)) == (False, None)
