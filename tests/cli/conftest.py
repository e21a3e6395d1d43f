"""The CLI in process, wired to the emulator's tenant (in process) through injected services."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.application import Services
from auth0link.tokens import MemoryTokenStore, TokenSet
from tests.support.demo_ids import ALICE
from tests.support.tenant import BASE, NATIVE, LocalTenant

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from click.testing import Result

    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest
    from tests.conftest import Runner

KEY = f"default:{BASE}:{NATIVE}"


@dataclasses.dataclass
class Wired:
    """The local tenant, a memory token store holding Alice's session, and what to inject."""

    tenant: LocalTenant
    store: MemoryTokenStore
    cli: Runner
    second_login: Callable[[SecondLoginRequest], SecondLogin] | None = None
    stdin_isatty: bool = False
    opened: list[str] = dataclasses.field(default_factory=list)
    logins: int = 0

    def services(self) -> Services:
        """What the CLI gets instead of the network, the keyring, the terminal and the browser."""
        inner = self.second_login

        def counted(request: SecondLoginRequest) -> SecondLogin:
            self.logins += 1
            assert inner is not None
            return inner(request)

        return Services(
            transport=self.tenant.transport,
            store=self.store,
            sleep=lambda _seconds: None,
            second_login=counted if inner is not None else None,
            browser=self._browser,
            stdin_isatty=self.stdin_isatty,
        )

    def _browser(self, url: str) -> bool:
        """A browser that only records what it was asked to open."""
        self.opened.append(url)
        return False

    def __call__(self, *args: str, **kw: Any) -> Result:
        """``auth0link ARGS`` with the injected services."""
        return self.cli(*args, obj=self.services(), **kw)

    def machine_login(self) -> None:
        """``login --machine`` with the emulator's M2M client, the secret on stdin; it must work."""
        from auth0link.emulator.state import demo

        result = self(
            "login",
            "--machine",
            "--client-id",
            demo.M2M_CLIENT_ID,
            "--client-secret",
            "-",
            input=demo.M2M_CLIENT_SECRET + "\n",
        )
        assert result.exit_code == 0, result.stderr

    def writes(self) -> list[tuple[str, str]]:
        """What the CLI changed at the tenant (method, path)."""
        return self.tenant.faults.writes()


@pytest.fixture
def wired(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wired]:
    """The CLI pointed at a fresh demo tenant, Alice logged in (a real login), Google as second login."""
    monkeypatch.setenv("AUTH0LINK_DOMAIN", BASE)
    monkeypatch.setenv("AUTH0LINK_CLIENT_ID", NATIVE)
    tenant = LocalTenant()
    tokens = tenant.tokens()
    store = MemoryTokenStore()
    store.save(
        KEY,
        TokenSet(
            access_token=tokens.access_token,
            expires_at=time.time() + tokens.expires_in,
            scope=tokens.scope,
            refresh_token=tokens.refresh_token,
            id_token=tokens.id_token,
            user_id=ALICE,
        ),
    )
    tenant.faults.requests.clear()
    yield Wired(tenant=tenant, store=store, cli=cli, second_login=tenant.second_login())
    tenant.close()
