"""Secrets never leak (issue #8): every command with --debug, on success and failure paths.

The secrets are recognisable: the session's access, refresh and ID tokens (read from the 0600
token file after a real login), the M2M client secret, and a marked ``AUTH0LINK_ACCESS_TOKEN``.
None of them (nor the signature part of any token) may appear in stdout, stderr, backups, the
batch journal, any file under the config/data dirs other than the token file itself, or the
argv of a child process (the browser the CLI opens records its ``/proc/self/cmdline``).
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from auth0link.token_file import FileTokenStore
from auth0link.tokens import TokenSet
from tests.support.demo_ids import DATABASE
from tests.support.e2e import clear_faults, cli_env, login_alice, machine_client, run, set_faults
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.callback_ports]

RECORDING_BROWSER = """
import pathlib, sys, subprocess
log = pathlib.Path(sys.argv[1])
cmdline = pathlib.Path("/proc/self/cmdline").read_bytes().replace(b"\\0", b" ")
with log.open("ab") as f:
    f.write(cmdline + b"\\n")
agent = [sys.executable, "-m", "auth0link.emulator.testing.agent", *sys.argv[2:]]
raise SystemExit(subprocess.call(agent))
"""


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """A fresh demo tenant."""
    with start_emulator("--skip-callback-confirmation", "--token-ttl", "3") as running:
        yield running


def recording_browser(tmp_path: Path, *agent_args: str) -> tuple[str, Path]:
    """A BROWSER that logs its own cmdline, then completes the login as the scripted user."""
    script = tmp_path / "recording_browser.py"
    script.write_text(RECORDING_BROWSER)
    log = tmp_path / "browser-argv.log"
    return shlex.join([sys.executable, str(script), str(log), *agent_args]) + " %s", log


def secrets_of(env: dict[str, str]) -> list[str]:
    """The stored session's tokens, and their signature segments (a partial leak counts)."""
    store = FileTokenStore(Path(env["AUTH0LINK_CONFIG_DIR"]) / "tokens.json")
    found: list[str] = []
    for key in store.keys():  # noqa: SIM118 - a TokenStore, not a dict
        tokens = store.load(key)
        assert tokens is not None
        for token in (tokens.access_token, tokens.refresh_token, tokens.id_token):
            if token:
                found.append(token)
                if token.count(".") == 2:
                    found.append(token.rsplit(".", 1)[1][:40])
    return found


def expire_stored_sessions(env: dict[str, str]) -> None:
    """Every stored session's access token is past its expiry, so the next command refreshes it."""
    store = FileTokenStore(Path(env["AUTH0LINK_CONFIG_DIR"]) / "tokens.json")
    for key in store.keys():  # noqa: SIM118 - a TokenStore, not a dict
        tokens = store.load(key)
        assert tokens is not None
        store.save(key, TokenSet(**{**json.loads(tokens.to_json()), "expires_at": time.time() - 5}))


def assert_no_secret(text: str, secrets: list[str], where: str) -> None:
    """No secret (or secret fragment) occurs in ``text``."""
    for secret in secrets:
        assert secret not in text, f"a secret leaked into {where}"


def test_no_secret_in_any_output_file_or_child_argv(emu: RunningEmulator, tmp_path: Path) -> None:
    """Every command, with --debug, on success and failure, shows no token or secret anywhere."""
    env = cli_env(emu, AUTH0LINK_DEBUG="1", AUTH0LINK_TIMEOUT="3")
    browser, argv_log = recording_browser(
        tmp_path,
        "--email",
        "alice@example.com",
        "--password",
        "correct-horse-alice",
        "--connection",
        DATABASE,
    )
    result = run(["--debug", "login"], {**env, "BROWSER": browser})
    assert result.returncode == 0, result.stderr
    outputs = [("login", result.stdout + result.stderr)]
    secrets = [*secrets_of(env), emu.m2m_client_secret]
    marked = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtbWFya2VyIn0.SECRET-MARKER-SIGNATURE-0123456789"
    google_browser, _ = recording_browser(
        tmp_path, "--email", "alice@example.com", "--connection", "google-oauth2"
    )

    commands: list[tuple[str, list[str], dict[str, str], str]] = [
        ("identities", ["--debug", "identities", "--json"], env, ""),
        ("status", ["--debug", "status", "--json"], env, ""),
        ("doctor", ["--debug", "doctor"], env, ""),
        ("config list", ["--debug", "config", "list"], env, ""),
        (
            "link",
            ["--debug", "link", "--connection", "google-oauth2", "--yes"],
            {**env, "BROWSER": google_browser},
            "",
        ),
        ("identities after link", ["--debug", "identities"], env, ""),
        ("backups", ["--debug", "backups", "list"], env, ""),
        ("unlink", ["--debug", "unlink", "google-oauth2", "109876543210987654321", "--yes"], env, ""),
        ("env token bad", ["--debug", "identities"], {**env, "AUTH0LINK_ACCESS_TOKEN": marked}, ""),
        (
            "id-token stdin",
            ["--debug", "link", "--id-token", "-", "--no-merge-metadata", "--yes"],
            env,
            marked + "\n",
        ),
    ]
    for name, argv, cmd_env, stdin in commands:
        result = run(argv, cmd_env, stdin=stdin)
        assert "Traceback" not in result.stderr or "--debug" in argv
        outputs.append((name, result.stdout + result.stderr))

    # failure paths: the tenant fails, the refresh answer is garbled (recovered), the refresh fails
    for spec in ("GET /api/v2/users/*=503x*", "POST /oauth/token=badjson", "POST /oauth/token=503x*"):
        set_faults(emu, spec)
        expire_stored_sessions(env)  # as 3 s of waiting would: the next command must refresh
        result = run(["--debug", "identities"], env)
        assert "Traceback" in result.stderr or result.returncode == 0  # --debug shows failures in full
        outputs.append((f"fault {spec}", result.stdout + result.stderr))
        clear_faults(emu)

    # the one command whose job is to print the token, to a pipe: nothing else leaks
    token = run(["token"], env)
    assert token.returncode == 0, token.stderr
    assert_no_secret(token.stderr, secrets, "token's stderr")

    result = run(["--debug", "logout"], env)
    outputs.append(("logout", result.stdout + result.stderr))

    secrets.append(marked)
    secrets.append("SECRET-MARKER-SIGNATURE")
    for name, text in outputs:
        assert "[redacted]" in text or name != "identities", name
        assert_no_secret(text, secrets, f"the output of {name}")
    assert argv_log.exists()
    assert_no_secret(argv_log.read_text(errors="replace"), secrets, "a child process's argv")

    roots = [Path(env["AUTH0LINK_CONFIG_DIR"]), Path(env["AUTH0LINK_DATA_DIR"])]
    files = [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]
    assert any("backups" in str(p) for p in files), "the link wrote no backup"
    for path in files:
        if path.name == "tokens.json":
            continue
        assert_no_secret(path.read_text(errors="replace"), secrets, str(path))
        if path.suffix != ".lock":
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is readable by others"


def test_token_file_is_private_and_atomic(emu: RunningEmulator) -> None:
    """The insecure token file is 0600, in a 0700 directory, and never left half-written."""
    env = cli_env(emu)
    login_alice(env)
    path = Path(env["AUTH0LINK_CONFIG_DIR"]) / "tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())  # complete JSON
    leftovers = [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with machine_client(emu) as admin:
        assert admin.get_user("auth0|65f0a11ce0000000000000a1").email == "alice@example.com"
    assert os.environ.get("AUTH0LINK_CONFIG_DIR")


ENV_DUMPING_BROWSER = """
import json, os, pathlib, sys
pathlib.Path(sys.argv[1]).write_text(json.dumps(dict(os.environ)))
"""


def test_children_do_not_inherit_secret_variables(emu: RunningEmulator, tmp_path: Path) -> None:
    """The browser the CLI starts gets neither AUTH0LINK_ACCESS_TOKEN nor AUTH0LINK_CLIENT_SECRET."""
    script = tmp_path / "dump_env.py"
    script.write_text(ENV_DUMPING_BROWSER)
    seen = tmp_path / "child-env.json"
    marked = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHxlbnYtdXNlciJ9.ENV-TOKEN-SIGNATURE-0123456789"
    browser = shlex.join([sys.executable, str(script), str(seen)]) + " %s"
    env = cli_env(emu, AUTH0LINK_CLIENT_SECRET="m2m-secret-in-the-environment", BROWSER=browser)
    for argv, extra in (
        (["login", "--timeout", "2"], {}),
        (["link", "--timeout", "2", "--yes"], {"AUTH0LINK_ACCESS_TOKEN": marked}),
    ):
        seen.unlink(missing_ok=True)
        result = run(argv, {**env, **extra})
        assert result.returncode != 0  # nobody completes the login
        deadline = time.monotonic() + 10
        while not seen.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        child_env = json.loads(seen.read_text())
        assert "AUTH0LINK_CLIENT_SECRET" not in child_env, argv
        assert "AUTH0LINK_ACCESS_TOKEN" not in child_env, argv
        assert_no_secret(seen.read_text(), [marked, "m2m-secret-in-the-environment"], "a child's environment")
        assert child_env.get("AUTH0LINK_DOMAIN") == emu.domain  # the rest is inherited as usual
