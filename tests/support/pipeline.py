"""``suggest --all | batch-link -`` as real processes against a real emulator (e2e test and benchmark).

:func:`link_all` starts an emulator on a tenant of ``pairs`` duplicate pairs, pipes the two CLIs
into each other and returns batch-link's summary with the emulator's final users, for the
200-pair end-to-end test and the 5,000-pair run of ``benchmarks/batch_pipeline.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tests.support.emulator import start_emulator
from tests.support.tenants import write_duplicate_pairs

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.emulator import RunningEmulator

RATE = "400/s"  # a real token bucket with 429s, paced by the same code, faster than Auth0's 50/s


def cli_env(emu: RunningEmulator) -> dict[str, str]:
    """Admin credentials for a run (secret in the environment, never argv; no keyring)."""
    return {
        **os.environ,
        **emu.env(),  # the bare 127.0.0.1:PORT domain and the CA, as a user sets them
        "AUTH0LINK_MACHINE_CLIENT_ID": emu.m2m_client_id,
        "AUTH0LINK_CLIENT_SECRET": emu.m2m_client_secret,
    }


def cli(*args: str) -> list[str]:
    """argv running this checkout's CLI."""
    return [sys.executable, "-m", "auth0link", *args]


def final_users(emu: RunningEmulator) -> dict[str, dict[str, Any]]:
    """Every user in the emulator (the test-only state dump is not rate limited)."""
    body = httpx.get(
        f"{emu.base_url}/__emulator/state", timeout=60, verify=emu.verify, headers=emu.control_headers
    ).json()
    return {u["user_id"]: u for u in body["users"]}


def assert_all_linked(users: dict[str, dict[str, Any]], pairs: int) -> None:
    """User by user: each primary holds its Google identity once, with merged metadata."""
    assert len(users) == pairs
    for i in range(pairs):
        primary = users[f"auth0|db{i:020d}"]
        identities = [(x["provider"], x["user_id"]) for x in primary["identities"]]
        assert identities == [("auth0", f"db{i:020d}"), ("google-oauth2", f"{i:021d}")], primary["user_id"]
        assert primary["user_metadata"] == {"theme": "light", "n": i, "locale": "fr", "g": i}


@dataclass
class PipelineRun:
    """What one ``suggest --all | batch-link -`` run did."""

    summary: dict[str, Any]
    stdout: str
    stderr: str
    users: dict[str, dict[str, Any]]
    secret: str
    seconds: float


def link_all(tmp: Path, pairs: int, *, rate: str = RATE, workers: int = 8) -> PipelineRun:
    """Run ``suggest --all | batch-link - --json`` on a fresh tenant of ``pairs`` duplicate pairs."""
    write_duplicate_pairs(tmp / "users.json", pairs)
    with start_emulator("--users", str(tmp / "users.json"), "--rate-limit", rate, timeout=120) as emu:
        env = cli_env(emu)
        started = time.monotonic()
        suggest = subprocess.Popen(cli("suggest", "--all"), stdout=subprocess.PIPE, env=env)
        assert suggest.stdout is not None
        result = subprocess.run(
            cli("batch-link", "-", "--workers", str(workers), "--json"),
            stdin=suggest.stdout,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        suggest.stdout.close()
        assert suggest.wait() == 0
        seconds = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-2000:]
        summary = json.loads(result.stdout.splitlines()[-1])
        return PipelineRun(
            summary, result.stdout, result.stderr, final_users(emu), emu.m2m_client_secret, seconds
        )
