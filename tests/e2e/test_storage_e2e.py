"""End to end: the insecure file store with several profiles at once, and private directories.

Issue #11: four profiles refreshing at once wrote back each other's stale rotated refresh
tokens (the tenant then revoked the families); directories were 0777 under umask 000; the M2M
secret went into the plain-text file without a word.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.demo_ids import ALICE, ALICE_PASSWORD, DATABASE
from tests.support.e2e import agent_browser, cli_env, run
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.callback_ports]


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """A demo tenant whose access tokens live 3 s, so that every command refreshes."""
    with start_emulator("--skip-callback-confirmation", "--token-ttl", "3") as running:
        yield running


def _at_once(env: dict[str, str], profiles: list[str], *command: str) -> None:
    """Run ``auth0link --profile P COMMAND`` for every profile at the same time; each must exit 0."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "auth0link", "--profile", profile, *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for profile in profiles
    ]
    ended = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * len(profiles), [err for _, err in ended]


def test_six_profiles_refreshing_at_once_all_keep_their_sessions(emu: RunningEmulator) -> None:
    """Six profiles in one tokens.json refresh in parallel, twice: every session survives."""
    env = cli_env(emu)
    profiles = [f"p{i}" for i in range(6)]
    browser = agent_browser(connection=DATABASE, password=ALICE_PASSWORD)
    for group in (profiles[:3], profiles[3:]):  # three logins at once: one callback port each
        _at_once({**env, "BROWSER": browser}, group, "login")
    for _ in range(2):
        _at_once(env, profiles, "token")
    emu.advance_clock(10)  # past the reuse leeway: a stale refresh token written back now revokes its family
    _at_once(env, profiles, "token")
    status = run(["--profile", "p0", "status", "--json"], env)
    assert status.returncode == 0, status.stderr
    sessions = {s["profile"]: s for s in json.loads(status.stdout)["sessions"]}
    assert sorted(sessions) == profiles
    assert all(s["logged_in"] and s["user_id"] == ALICE for s in sessions.values())


def test_under_umask_000_every_directory_is_private_and_the_m2m_secret_is_announced(
    emu: RunningEmulator,
) -> None:
    """Real processes under umask 000: config/data dirs are 0700; the secret in the file is announced."""
    env = cli_env(emu)
    root = Path(env["AUTH0LINK_CONFIG_DIR"]).parent
    previous = os.umask(0)
    try:
        assert run(["config", "set", "scopes", "openid profile email offline_access"], env).returncode == 0
        browser = agent_browser(connection=DATABASE, password=ALICE_PASSWORD)
        assert run(["login"], {**env, "BROWSER": browser}).returncode == 0
        machine = run(
            ["login", "--machine", "--client-id", emu.m2m_client_id, "--client-secret", "-"],
            env,
            stdin=emu.m2m_client_secret + "\n",
        )
        batch = run(["batch-link", "-"], {**env, "AUTH0LINK_CLIENT_SECRET": emu.m2m_client_secret})
    finally:
        os.umask(previous)
    assert machine.returncode == 0, machine.stderr
    assert f"in plain text in {Path(env['AUTH0LINK_CONFIG_DIR']) / 'tokens.json'}" in machine.stderr
    assert batch.returncode == 0, batch.stderr
    dirs = sorted(p for p in root.rglob("*") if p.is_dir())
    names = {p.relative_to(root).as_posix() for p in dirs}
    assert {"config/profiles", "config/machine", "config/locks", "config/cache", "data/journals"} <= names
    assert {
        p.relative_to(root).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in dirs
    } == dict.fromkeys(names, "0o700")
    files = [p for p in root.rglob("*") if p.is_file()]
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in files)
