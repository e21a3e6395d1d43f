"""The exit codes that need a tenant (4 API refused, 6 not found, 7 conflict), from the real CLI.

The other codes are pinned in ``tests/test_exit_codes.py``; together they give one test per code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.errors import ExitCode
from tests.support.demo_ids import ALICE_PASSWORD, DATABASE
from tests.support.e2e import agent_browser, cli_env, login_alice, run
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120), pytest.mark.callback_ports]


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    """One demo tenant for these read-only checks."""
    with start_emulator("--skip-callback-confirmation") as running:
        yield running


def test_exit_4_api_refused_insufficient_scope(emu: RunningEmulator) -> None:
    """A session without read:current_user is refused by the Management API: exit 4, the scope named."""
    env = cli_env(emu)
    browser = agent_browser(connection=DATABASE, password=ALICE_PASSWORD)
    login = run(["login", "--scopes", "openid profile email offline_access"], {**env, "BROWSER": browser})
    assert login.returncode == 0, login.stderr
    result = run(["identities"], env)
    assert result.returncode == ExitCode.API_ERROR, result.stderr
    assert "read:current_user" in result.stderr
    assert "auth0link login" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_6_not_found(emu: RunningEmulator) -> None:
    """An admin lookup of a user that does not exist exits 6."""
    env = cli_env(emu, AUTH0LINK_ACCESS_TOKEN=emu.m2m_token())
    result = run(["identities", "--user", "auth0|does-not-exist"], env)
    assert result.returncode == ExitCode.NOT_FOUND, result.stderr
    assert "does not exist" in result.stderr


def test_exit_7_conflict_nothing_to_unlink(emu: RunningEmulator) -> None:
    """Unlinking an identity that is not linked exits 7 and changes nothing."""
    env = cli_env(emu)
    login_alice(env)
    result = run(["unlink", "github", "4242424", "--yes"], env)
    assert result.returncode == ExitCode.CONFLICT, result.stderr
    assert "Traceback" not in result.stderr
