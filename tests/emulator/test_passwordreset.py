"""POST /dbconnections/change_password: Auth0's sentence, an email only for a real user, its errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.emulator.state import demo
from tests.emulator.conftest import SPA_ORIGIN

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx

SENT = "We've just sent you an email to reset your password."


def _ask(ctx: Ctx, email: str, **extra: str) -> tuple[int, str]:
    headers = {"origin": extra.pop("origin")} if "origin" in extra else {}
    body = {"client_id": demo.SPA_CLIENT_ID, "email": email, "connection": demo.DATABASE, **extra}
    reply = ctx.client.post("/dbconnections/change_password", json=body, headers=headers)
    return reply.status_code, reply.text


def _outbox(ctx: Ctx, to: str) -> list[dict[str, str]]:
    return list(ctx.client.get("/__emulator/outbox", params={"to": to}).json()["messages"])


def test_a_known_user_gets_the_email_and_auth0s_sentence(ctx: Ctx) -> None:
    """200 with Auth0's text, and a password_reset message in the outbox for alice."""
    assert _ask(ctx, "Alice@example.com", origin=SPA_ORIGIN) == (200, SENT)
    [message] = _outbox(ctx, "alice@example.com")
    assert message["kind"] == "password_reset"


def test_an_unknown_email_gets_the_same_answer_and_no_email(ctx: Ctx) -> None:
    """The answer does not tell whether an account exists; nothing is sent."""
    assert _ask(ctx, "nobody@example.com") == (200, SENT)
    assert _outbox(ctx, "nobody@example.com") == []


def test_bad_requests_are_400_and_foreign_origins_401(ctx: Ctx) -> None:
    """Missing email, a non-database connection, an unknown client: 400; another site: 401."""
    assert _ask(ctx, "")[0] == 400
    assert _ask(ctx, "alice@example.com", connection="google-oauth2")[0] == 400
    assert _ask(ctx, "alice@example.com", client_id="nope")[0] == 400
    status, text = _ask(ctx, "alice@example.com", origin="https://evil.example")
    assert (status, "access_denied" in text) == (401, True)
    assert _outbox(ctx, "alice@example.com") == []
