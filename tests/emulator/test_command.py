"""The one command line: python -m auth0link.emulator, auth0link emulator (forwarding), exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from auth0link.emulator import DEMO_USERS_HELP, demo
from auth0link.emulator.command import main
from tests.support.emulator import start_emulator


def test_demo_users_help_lists_every_demo_user() -> None:
    """DEMO_USERS_HELP (for --help) names every demo user, both client IDs and the secret."""
    for user in demo.DEMO_USERS:
        assert user["user_id"] in DEMO_USERS_HELP
    for value in (demo.NATIVE_CLIENT_ID, demo.M2M_CLIENT_ID, demo.M2M_CLIENT_SECRET, demo.ALICE_PASSWORD):
        assert value in DEMO_USERS_HELP


def test_module_main_reports_configuration_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """python -m auth0link.emulator prints one error line and returns 2 on bad options."""
    assert main(["--host", "0.0.0.0"]) == 2  # noqa: S104 - refused on purpose
    err = capsys.readouterr().err
    assert err.startswith("error: refusing to listen")
    assert err.count("\n") == 1


@pytest.mark.e2e
def test_cli_command_starts_the_emulator() -> None:
    """`python -m auth0link emulator --json --port 0` starts the same server."""
    with start_emulator("--device-interval", "1", via="cli") as emu:
        reply = httpx.post(emu.base_url + "/oauth/device/code", data={"client_id": emu.client_id})
        assert reply.json()["interval"] == 1


def test_import_light_modules_do_not_import_starlette() -> None:
    """auth0link.emulator and its agent import neither starlette nor uvicorn.

    (click and rich may come in through httpx's own CLI; that is httpx's doing.)
    """
    code = (
        "import sys, auth0link.emulator, auth0link.emulator.agent;"
        "print(any(m.split('.')[0] in ('starlette', 'uvicorn') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}
    )
    assert out.stdout.strip() == "False"


@pytest.mark.e2e
def test_cli_bad_options_exit_2_with_one_line() -> None:
    """`auth0link emulator` with a bad option exits 2 with one error line and no traceback."""
    for args in (["--host", "0.0.0.0"], ["--rate-limit", "lots"], ["--faults", "nonsense"]):  # noqa: S104 - refused on purpose
        done = subprocess.run(
            [sys.executable, "-m", "auth0link", "emulator", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert done.stderr.startswith("error: ")
        assert "Traceback" not in done.stderr
