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
    session = tenant.start_session(ALICE, 100, "Username-Password-Authentication")
    assert tenant.session(session.sid) is session
    assert tenant.session(None) is None
    other = tenant.start_session(GITHUB, 100, "github")
    tenant.users.link(ALICE, "github", GITHUB.split("|")[1])
    assert tenant.session(other.sid) is None
    tenant.end_session(session.sid)
    assert tenant.session(session.sid) is None
    assert tenant.counters()["sessions"] == 1


def test_codes_are_single_use_and_refresh_tokens_go_with_a_deleted_user() -> None:
    """take_code hands a code out once; delete_user drops the user's refresh tokens."""
    tenant = build_tenant(BASE)
    code = tenant.issue_code(_code(ALICE))
    record = tenant.take_code(code)
    assert record is not None
    assert record.user_id == ALICE
    assert tenant.take_code(code) is None
    token = tenant.issue_refresh_token(client_id="c", user_id=ALICE, scope="openid", audience=None, sid=None)
    tenant.delete_user(ALICE)
    assert tenant.refresh_token(token) is None
    assert ALICE not in tenant.users


def test_device_codes_outbox_clock_and_reset() -> None:
    """Device codes are found by user code; the outbox filters by address; reset forgets all but the users."""
    tenant = build_tenant(BASE)
    tenant.keep_initial()
    record = tenant.start_device_authorization("c", "openid", None)
    assert tenant.device_by_user_code(record.user_code) is record
    assert tenant.device_code(record.device_code) is record
    code = tenant.send_code("Alice@Example.com", "email")
    assert [m["code"] for m in tenant.messages("alice@example.com")] == [code]
    tenant.advance_clock(60)
    assert tenant.clock_offset == 60
    tenant.users.link(ALICE, "github", GITHUB.split("|")[1])
    tenant.reset()
    assert (tenant.clock_offset, tenant.messages(), tenant.device_code(record.device_code)) == (0.0, [], None)
    assert GITHUB in tenant.users
    assert tenant.users.linked_index() == {}
