"""The tenant's stores behind methods: sessions, codes, device codes, outbox, clock, reset."""

from __future__ import annotations

from auth0link.emulator.state.model import AuthCode
from auth0link.emulator.state.persistence import build_tenant
from tests.emulator.conftest import BASE
from tests.support.demo_ids import ALICE, GITHUB


def _code(user_id: str) -> AuthCode:
    """An authorization code record for ``user_id``."""
    return AuthCode(
        "c", "http://127.0.0.1:8484/callback", None, user_id, "openid", None, None, "sid", 1, False, 2e9
    )


def test_sessions_die_with_their_user_and_on_logout() -> None:
    """A session is found by sid until logout, and is worthless once its user is gone."""
    tenant = build_tenant(BASE)
    session = tenant.sessions.start(ALICE, 100, "Username-Password-Authentication")
    assert tenant.sessions.get(session.sid) is session
    assert tenant.sessions.get(None) is None
    other = tenant.sessions.start(GITHUB, 100, "github")
    tenant.users.link(ALICE, "github", GITHUB.split("|")[1])
    assert tenant.sessions.get(other.sid) is None
    tenant.sessions.end(session.sid)
    assert tenant.sessions.get(session.sid) is None
    assert tenant.counters()["sessions"] == 1


def test_codes_are_single_use_and_refresh_tokens_go_with_a_deleted_user() -> None:
    """take_code hands a code out once; delete_user drops the user's refresh tokens."""
    tenant = build_tenant(BASE)
    code = tenant.codes.issue(_code(ALICE))
    record = tenant.codes.take(code)
    assert record is not None
    assert record.user_id == ALICE
    assert tenant.codes.take(code) is None
    token = tenant.refresh_tokens.issue(client_id="c", user_id=ALICE, scope="openid", audience=None, sid=None)
    tenant.delete_user(ALICE)
    assert tenant.refresh_tokens.get(token) is None
    assert ALICE not in tenant.users


def test_device_codes_outbox_clock_and_reset() -> None:
    """Device codes are found by user code; the outbox filters by address; reset forgets all but the users."""
    tenant = build_tenant(BASE)
    tenant.keep_initial()
    record = tenant.devices.start("c", "openid", None)
    assert tenant.devices.by_user_code(record.user_code) is record
    assert tenant.devices.get(record.device_code) is record
    code = tenant.outbox.send_code("Alice@Example.com", "email")
    assert [m["code"] for m in tenant.outbox.messages("alice@example.com")] == [code]
    tenant.clock.advance(60)
    assert tenant.clock.offset == 60
    tenant.users.link(ALICE, "github", GITHUB.split("|")[1])
    tenant.reset()
    assert (tenant.clock.offset, tenant.outbox.messages(), tenant.devices.get(record.device_code)) == (
        0.0,
        [],
        None,
    )
    assert GITHUB in tenant.users
    assert tenant.users.linked_index() == {}
