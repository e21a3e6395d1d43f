"""Machine credentials: client credentials grant, stored token and secret, re-request on expiry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.state import demo
from auth0link.errors import LoginRequired, TokenStorageError, UsageError
from auth0link.machine import MachineSession, machine_key, read_secret, secret_key
from auth0link.tokens import MemoryTokenStore
from tests.support.tenant import BASE, LocalTenant

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

M2M = demo.M2M_CLIENT_ID
SECRET = demo.M2M_CLIENT_SECRET


def session(
    tenant: LocalTenant,
    tmp_path: Path,
    store: Any,
    clock: list[float],
    factory: Callable[[], Any] | None = None,
    **env: str,
) -> MachineSession:
    """An MachineSession on the tenant (or through ``factory``), with the given environment values."""
    return MachineSession(
        store=store,
        profile="default",
        domain=BASE,
        audience=f"{BASE}/api/v2/",
        config_dir=tmp_path,
        env_token=env.get("AUTH0LINK_ACCESS_TOKEN"),
        env_secret=env.get("AUTH0LINK_CLIENT_SECRET"),
        env_client_id=env.get("AUTH0LINK_MACHINE_CLIENT_ID"),
        client_factory=factory or tenant.client,
        clock=lambda: clock[0],
    )


def token_requests(tenant: LocalTenant) -> int:
    """How many times the token endpoint was called."""
    return sum(1 for method, path in tenant.faults.requests if (method, path) == ("POST", "/oauth/token"))


def test_login_stores_token_secret_and_client_id(tenant: LocalTenant, tmp_path: Path) -> None:
    """login requests audience <domain>/api/v2/ and stores the machine token and the secret."""
    store = MemoryTokenStore()
    result = session(tenant, tmp_path, store, [1000.0]).login(M2M, SECRET)
    assert set(result.scope.split()) >= {"read:users", "update:users"}
    tokens = store.load(machine_key("default", BASE, M2M))
    assert tokens is not None
    assert tokens.kind == "machine"
    with tenant.client(tokens.access_token) as client:  # the tenant accepts it for the Management API
        assert client.get_user("auth0|65f0a11ce0000000000000a1").email == "alice@example.com"
    secret = store.load(secret_key("default", BASE, M2M))
    assert secret is not None
    assert secret.access_token == SECRET
    assert SECRET not in (tmp_path / "machine" / "default.json").read_text()


def test_expired_token_is_re_requested_with_the_stored_secret(tenant: LocalTenant, tmp_path: Path) -> None:
    """A later run (new session object) re-requests the token when it expired, without asking."""
    store, clock = MemoryTokenStore(), [1000.0]
    session(tenant, tmp_path, store, clock).login(M2M, SECRET)
    later = session(tenant, tmp_path, store, clock)
    assert later.access_token()
    assert token_requests(tenant) == 1  # still valid: no request
    clock[0] += 86400
    assert later.access_token()
    assert token_requests(tenant) == 2


def test_wrong_secret_stores_nothing(tenant: LocalTenant, tmp_path: Path) -> None:
    """A refused secret becomes LoginRequired and nothing is stored."""
    store = MemoryTokenStore()
    with pytest.raises(LoginRequired, match="refused the machine credentials"):
        session(tenant, tmp_path, store, [1000.0]).login(M2M, "wrong")
    assert store.keys() == []


def test_no_credentials_says_how_to_log_in(tenant: LocalTenant, tmp_path: Path) -> None:
    """Without a machine login, admin commands name `login --machine`."""
    with pytest.raises(LoginRequired) as info:
        session(tenant, tmp_path, MemoryTokenStore(), [0.0]).access_token()
    assert "login --machine" in str(info.value.hint)


def test_env_secret_works_without_a_keyring(tenant: LocalTenant, tmp_path: Path) -> None:
    """CI: with no usable keyring, the environment's client ID and secret give a run-only token."""

    class Broken(MemoryTokenStore):
        def load(self, key: str) -> Any:  # noqa: ARG002 - the protocol signature
            """Fail like a missing keyring."""
            raise TokenStorageError("no keyring")

    admin = session(
        tenant, tmp_path, Broken(), [0.0], AUTH0LINK_MACHINE_CLIENT_ID=M2M, AUTH0LINK_CLIENT_SECRET=SECRET
    )
    assert admin.access_token()
    assert token_requests(tenant) == 1


def test_secret_is_never_read_from_argv() -> None:
    """A secret value passed as an argument is refused; '-' reads stdin; the env var is used otherwise."""
    with pytest.raises(UsageError, match="command line"):
        read_secret("literal-secret", None, lambda: "")
    assert read_secret("-", None, lambda: f"{SECRET}\n") == SECRET
    assert read_secret(None, SECRET, lambda: "") == SECRET
    with pytest.raises(UsageError, match="No client secret"):
        read_secret(None, None, lambda: "")


def test_logout_wins_over_a_token_re_requested_meanwhile(tenant: LocalTenant, tmp_path: Path) -> None:
    """A command re-requesting an expired token while `logout --machine` runs does not store it again."""
    store, clock = MemoryTokenStore(), [1000.0]
    session(tenant, tmp_path, store, clock).login(M2M, SECRET)
    clock[0] += 86400  # the token expired: the next command re-requests it with the stored secret

    def logout_meanwhile() -> Any:
        session(tenant, tmp_path, store, clock).logout()  # another terminal
        return tenant.client()

    running = session(tenant, tmp_path, store, clock, logout_meanwhile)
    with pytest.raises(LoginRequired, match="removed"):
        running.access_token()
    assert store.keys() == []
