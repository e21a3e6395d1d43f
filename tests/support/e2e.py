"""Helpers for end-to-end tests: run the real CLI as a subprocess against a running emulator."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import httpx

from auth0link.client import Auth0Client
from auth0link.errors import NotFound
from tests.support.demo_ids import (
    ALICE_EMAIL,
    ALICE_PASSWORD,
    DATABASE,
)

if TYPE_CHECKING:
    from tests.support.emulator import RunningEmulator


def agent_browser(*, connection: str, email: str = ALICE_EMAIL, password: str | None = None) -> str:
    """A ``BROWSER`` value that completes the login as the emulator's scripted user."""
    args = [
        sys.executable,
        "-m",
        "auth0link.emulator.testing.agent",
        "--email",
        email,
        "--connection",
        connection,
    ]
    if password:
        args += ["--password", password]
    return shlex.join(args) + " %s"


def cli_env(emu: RunningEmulator, **extra: str) -> dict[str, str]:
    """A CLI subprocess environment: this emulator, the test's isolated dirs, file token storage."""
    env = {**os.environ, **emu.env(), "AUTH0LINK_STORAGE": "file"}
    for name in ("AUTH0LINK_ACCESS_TOKEN", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], *, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``auth0link ARGS`` as a real process (stdin given or empty, never a TTY)."""
    return subprocess.run(
        [sys.executable, "-m", "auth0link", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def login_alice(env: dict[str, str]) -> None:
    """``auth0link login`` as the database user, through the emulator's real login page."""
    browser = agent_browser(connection=DATABASE, password=ALICE_PASSWORD)
    result = run(["login"], {**env, "BROWSER": browser})
    assert result.returncode == 0, result.stderr


def machine_client(emu: RunningEmulator) -> Auth0Client:
    """A Management API client holding the emulator's M2M token (read:users, update:users)."""
    client = Auth0Client(emu.base_url, ca_bundle=emu.ca_bundle)
    token = client.token(
        {
            "grant_type": "client_credentials",
            "client_id": emu.m2m_client_id,
            "client_secret": emu.m2m_client_secret,
            "audience": emu.base_url + "/api/v2/",
        }
    )
    client.access_token = token.access_token
    return client


def user_exists(client: Auth0Client, user_id: str) -> bool:
    """Whether ``user_id`` is a separate user in the tenant."""
    try:
        client.get_user(user_id)
    except NotFound:
        return False
    return True


def set_faults(emu: RunningEmulator, spec: str) -> None:
    """Install fault rules through the emulator's test-only admin endpoint."""
    response = httpx.post(
        f"{emu.base_url}/__emulator/faults",
        json={"spec": spec},
        timeout=10,
        verify=emu.verify,
        headers=emu.control_headers,
    )
    response.raise_for_status()


def clear_faults(emu: RunningEmulator) -> None:
    """Remove every fault rule."""
    httpx.delete(
        f"{emu.base_url}/__emulator/faults", timeout=10, verify=emu.verify, headers=emu.control_headers
    ).raise_for_status()


def identity_ids(stdout: str) -> list[str]:
    """``provider|user_id`` of each identity in ``identities --json`` output."""
    data: dict[str, Any] = json.loads(stdout)
    return [f"{i['provider']}|{i['user_id']}" for i in data["identities"]]
