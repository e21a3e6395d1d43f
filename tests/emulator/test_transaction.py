"""The login transaction: its state machine, and the one guard of the hosted pages."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


def test_expired_transaction_is_an_error_page(ctx: Ctx) -> None:
    """A login page with an unknown state shows an error page."""
    reply = ctx.client.get("/u/login", params={"state": secrets.token_urlsafe(8)})
    assert reply.status_code == 400
    assert 'id="error-page"' in reply.text
