"""Faults, end to end (issue #8): the real CLI against the emulator's injected failures.

For each fault the CLI exits with the documented code and one ``error:`` line (no traceback),
retries only what is safe (GET; never a blind POST/DELETE), checks a write whose answer was lost
by reading the user back, and leaves the tenant and the stored session consistent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from auth0link.errors import ExitCode
from auth0link.token_file import FileTokenStore
from tests.support.demo_ids import ALICE, GOOGLE
from tests.support.e2e import (
    agent_browser,
    clear_faults,
    cli_env,
    identity_ids,
    login_alice,
    machine_client,
    run,
    set_faults,
    user_exists,
)
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240), pytest.mark.callback_ports]


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[RunningEmulator]:
    """One emulator process for the module (a start is about 0.8 s); each test resets it."""
    with start_emulator("--skip-callback-confirmation") as running:
        yield running


@pytest.fixture
def emu(shared_emu: RunningEmulator) -> RunningEmulator:
    """The demo tenant as a fresh start leaves it (users, sessions, codes, faults, clock, rate limit).

    A request a ``hang`` fault still holds is processed after the reset: a token exchange then
    finds no code, a read reads; neither changes the next test's tenant.
    """
    shared_emu.reset()
    return shared_emu


@pytest.fixture
def env(emu: RunningEmulator) -> dict[str, str]:
    """A CLI environment logged in as alice (file storage, so the session can be inspected)."""
    environment = cli_env(emu, AUTH0LINK_TIMEOUT="3")
    login_alice(environment)
    return environment


def one_error_line(stderr: str) -> str:
    """The single error line of a failed command (plus an optional hint line)."""
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def stored_session(env: dict[str, str]) -> str:
    """The stored access token (from the 0600 token file)."""
    store = FileTokenStore(Path(env["AUTH0LINK_CONFIG_DIR"]) / "tokens.json")
    keys = store.keys()
    assert len(keys) == 1
    tokens = store.load(keys[0])
    assert tokens is not None
    return tokens.access_token


# -- identities (GET: retried) ----------------------------------------------------------------


def test_identities_retries_transient_5xx(emu: RunningEmulator, env: dict[str, str]) -> None:
    """Two 503s on GET are retried away: the command still succeeds."""
    set_faults(emu, "GET /api/v2/users/*=503x2")
    result = run(["identities", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE]


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("GET /api/v2/users/*=500x*", "The tenant failed (HTTP 500)"),
        ("GET /api/v2/users/*=502x*", "The tenant failed (HTTP 502)"),
        ("GET /api/v2/users/*=badjson", "invalid response"),
        ("GET /api/v2/users/*=hang:6x*", "did not answer within 1 s"),
        ("GET /api/v2/users/*=dropx*", "connection"),
    ],
)
def test_identities_persistent_faults_exit_5(
    emu: RunningEmulator, env: dict[str, str], spec: str, fragment: str
) -> None:
    """Persistent server faults, bad JSON, hangs and drops exit 5 with one line, session intact."""
    before = stored_session(env)
    set_faults(emu, spec)
    # a 1 s timeout: the hang is found as surely as with 3 s, and the retries take 3 s, not 9
    result = run(["identities"], {**env, "AUTH0LINK_TIMEOUT": "1"})
    assert result.returncode == ExitCode.NETWORK, result.stderr
    assert fragment in one_error_line(result.stderr)
    assert stored_session(env) == before


def test_identities_waits_out_429(emu: RunningEmulator, env: dict[str, str]) -> None:
    """A 429 with a reset in 2 s is waited out, then the command succeeds."""
    set_faults(emu, "GET /api/v2/users/*=429:2")
    started = time.monotonic()
    result = run(["identities", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.5


# -- unlink (DELETE: never blindly retried) ---------------------------------------------------


def link_google(emu: RunningEmulator, env: dict[str, str]) -> None:
    """Link the demo Google account into alice through the real `link` command."""
    result = run(
        ["link", "--connection", "google-oauth2", "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 0, result.stderr
    assert GOOGLE in identity_ids(result.stdout)


def test_unlink_503_changes_nothing(emu: RunningEmulator, env: dict[str, str]) -> None:
    """A DELETE answered 503 is not retried; exit 5, and the identity is still linked."""
    link_google(emu, env)
    set_faults(emu, "DELETE /api/v2/users/*=503x*")
    result = run(["unlink", "google-oauth2", "109876543210987654321", "--yes"], env)
    assert result.returncode == ExitCode.NETWORK
    one_error_line(result.stderr)
    clear_faults(emu)
    with machine_client(emu) as admin:
        assert admin.get_user(ALICE).find_identity("google-oauth2", "109876543210987654321") is not None
        assert not user_exists(admin, GOOGLE)


def test_unlink_lost_answer_is_checked_by_reading_back(emu: RunningEmulator, env: dict[str, str]) -> None:
    """A DELETE applied but whose answer was dropped is confirmed by reading the user back."""
    link_google(emu, env)
    set_faults(emu, "DELETE /api/v2/users/*=drop")
    result = run(["unlink", "google-oauth2", "109876543210987654321", "--yes", "--json"], env)
    with machine_client(emu) as admin:
        unlinked = admin.get_user(ALICE).find_identity("google-oauth2", "109876543210987654321") is None
        assert unlinked
        assert user_exists(admin, GOOGLE)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE]


# -- link (POST: never blindly retried; lost answers read back) -------------------------------


def test_link_503_says_what_changed(emu: RunningEmulator, env: dict[str, str]) -> None:
    """A link POST answered 503: exit 5, not linked, and the message names the backup."""
    set_faults(emu, "POST /api/v2/users/*/identities=503x*")
    result = run(
        ["link", "--connection", "google-oauth2", "--yes"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == ExitCode.NETWORK, result.stderr
    assert "Traceback" not in result.stderr
    assert "backup" in result.stderr.lower()
    clear_faults(emu)
    with machine_client(emu) as admin:
        assert admin.get_user(ALICE).find_identity("google-oauth2", "109876543210987654321") is None
        assert user_exists(admin, GOOGLE)


def test_link_lost_answer_is_checked_by_reading_back(emu: RunningEmulator, env: dict[str, str]) -> None:
    """A link applied but whose answer was dropped is confirmed by reading back, not re-posted."""
    set_faults(emu, "POST /api/v2/users/*/identities=drop")
    result = run(
        ["link", "--connection", "google-oauth2", "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert GOOGLE in identity_ids(result.stdout)
    with machine_client(emu) as admin:
        assert not user_exists(admin, GOOGLE)


# -- login and refresh (token endpoint) ------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["POST /oauth/token=503x*", "POST /oauth/token=badjson", "POST /oauth/token=hang:6"]
)
def test_login_token_exchange_fault_stores_nothing(emu: RunningEmulator, spec: str) -> None:
    """A failed code exchange exits 5 with one line and stores no session."""
    environment = cli_env(emu, AUTH0LINK_TIMEOUT="3")
    set_faults(emu, spec)
    browser = agent_browser(connection="Username-Password-Authentication", password="correct-horse-alice")
    result = run(["login", "--timeout", "30"], {**environment, "BROWSER": browser})
    assert result.returncode == ExitCode.NETWORK, result.stderr
    one_error_line(result.stderr)
    assert not (Path(environment["AUTH0LINK_CONFIG_DIR"]) / "tokens.json").exists()
    status = run(["status"], environment)
    assert status.returncode == ExitCode.LOGIN_REQUIRED


@pytest.fixture
def short_emu() -> Iterator[RunningEmulator]:
    """An emulator whose access tokens live 2 s, so every later command refreshes."""
    with start_emulator("--skip-callback-confirmation", "--token-ttl", "2") as running:
        yield running


def test_refresh_fault_keeps_session_usable(short_emu: RunningEmulator) -> None:
    """A 503 during refresh exits 5 and keeps the stored session, which refreshes fine later."""
    environment = cli_env(short_emu, AUTH0LINK_TIMEOUT="3")
    login_alice(environment)
    time.sleep(0.2)
    set_faults(short_emu, "POST /oauth/token=503x*")
    failed = run(["identities"], environment)
    assert failed.returncode == ExitCode.NETWORK
    one_error_line(failed.stderr)
    clear_faults(short_emu)
    again = run(["identities", "--json"], environment)
    assert again.returncode == 0, again.stderr
    assert identity_ids(again.stdout) == [ALICE]


def test_refresh_lost_answer_recovers_within_rotation_leeway(short_emu: RunningEmulator) -> None:
    """A refresh whose answer was dropped (token rotated server-side) is retried at once, within Auth0's reuse leeway."""
    environment = cli_env(short_emu, AUTH0LINK_TIMEOUT="3")
    login_alice(environment)
    time.sleep(0.2)
    set_faults(short_emu, "POST /oauth/token=drop")
    result = run(["identities", "--json"], environment)
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE]
    status = run(["status", "--json"], environment)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)


def test_link_with_unreadable_answer_reports_the_link(emu: RunningEmulator, env: dict[str, str]) -> None:
    """A link applied but answered with invalid JSON is read back and reported as linked (exit 0)."""
    set_faults(emu, "POST /api/v2/users/*/identities=badjson")
    result = run(
        ["link", "--connection", "google-oauth2", "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 0, result.stderr
    assert "not done" not in result.stderr
    assert GOOGLE in identity_ids(result.stdout)


def test_link_applied_after_the_cli_timed_out_is_reported_linked(
    emu: RunningEmulator, env: dict[str, str]
) -> None:
    """AUTH0LINK_TIMEOUT=1 against a 3 s hang: the read-backs wait for the link to land; never "not done"."""
    set_faults(emu, "POST /api/v2/users/*/identities=hang:3")
    result = run(
        ["link", "--connection", "google-oauth2", "--yes", "--json"],
        {**env, "AUTH0LINK_TIMEOUT": "1", "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 0, result.stderr
    assert GOOGLE in identity_ids(result.stdout)
    with machine_client(emu) as admin:
        assert not user_exists(admin, GOOGLE)


def test_unlink_with_unreadable_answer_reports_the_unlink(emu: RunningEmulator, env: dict[str, str]) -> None:
    """An unlink applied but answered with invalid JSON is reported as done, not "still linked"."""
    link_google(emu, env)
    set_faults(emu, "DELETE /api/v2/users/*=badjson")
    result = run(["unlink", "google-oauth2", "109876543210987654321", "--yes", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert "Still linked" not in result.stderr
    assert identity_ids(result.stdout) == [ALICE]
