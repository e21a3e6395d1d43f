"""End to end: the installed CLI logs in against the emulator over HTTP and keeps the session.

* PKCE completed in a real headless Chromium that the CLI opens through ``$BROWSER``, tokens in a
  real SecretService (gnome-keyring on a private D-Bus), then ``identities`` with no further
  login, a forced expiry that refreshes (rotating the refresh token), ``token``, ``logout``;
* the device flow (chosen automatically: no display) approved on the emulator's activation pages
  by its scripted user, with short-lived tokens so every later command refreshes, including two
  processes refreshing at once;
* no keyring: ``login`` fails before the browser with the ``--insecure-storage`` hint, which then
  stores a 0600 file.
"""

from __future__ import annotations

import json
import os
import selectors
import shlex
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.testing.agent import LoginAgent
from auth0link.tokens import KeyringTokenStore, TokenSet, store_key
from tests.support.browser import UrlHandoff, chromium, complete_emulator_login
from tests.support.demo_ids import ALICE, BOB
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator
    from tests.support.keyring_service import SecretService

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180), pytest.mark.callback_ports]

_NO_BROWSER_VARS = ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")


def cli_env(emu: RunningEmulator, **extra: str) -> dict[str, str]:
    """This process's environment (isolated dirs, keyring) pointed at the emulator."""
    env = {**os.environ, **emu.env()}
    for name in ("AUTH0LINK_ACCESS_TOKEN", "AUTH0LINK_STORAGE", *_NO_BROWSER_VARS):
        env.pop(name, None)
    env.update(extra)
    return env


def failing_browser() -> str:
    """A BROWSER that fails: any unexpected login attempt cannot complete."""
    return shlex.join([sys.executable, "-c", "raise SystemExit(3)"]) + " %s"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI (``python -m auth0link``) with stdin closed."""
    return subprocess.run(
        [sys.executable, "-m", "auth0link", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the CLI in the background (stdout/stderr piped, bytes: read without buffering)."""
    return subprocess.Popen(
        [sys.executable, "-m", "auth0link", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_stderr_until(proc: subprocess.Popen[bytes], marker: str, timeout: float = 30.0) -> str:
    """Read the process's stderr (unbuffered) until a line containing ``marker``; return that line."""
    assert proc.stderr is not None
    buffer = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            for line in buffer.decode("utf-8", "replace").splitlines():
                if marker in line:
                    return line
            if not selector.select(max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
    proc.kill()
    msg = f"{marker!r} not seen on stderr; got: {buffer.decode('utf-8', 'replace')!r}"
    raise AssertionError(msg)


def finish(proc: subprocess.Popen[bytes], timeout: float = 60.0) -> tuple[int, str, str]:
    """Wait for the process; return (exit code, stdout, rest of stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def stored(emu: RunningEmulator, profile: str = "default") -> TokenSet | None:
    """The session the CLI stored in the real keyring (read back through keyring itself)."""
    return KeyringTokenStore().load(store_key(profile, emu.base_url, emu.client_id))


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """An emulator with the non-verifiable-callback confirmation screen on (as new tenants have)."""
    with start_emulator("--device-interval", "1") as running:
        yield running


@pytest.mark.browser
@pytest.mark.keyring
def test_pkce_in_chromium_keyring_identities_refresh_logout(
    emu: RunningEmulator, real_keyring: SecretService, tmp_path: Path
) -> None:
    """Browser login in real Chromium, tokens in SecretService, identities reuse them, expiry refreshes."""
    handoff = UrlHandoff(tmp_path / "browser")
    env = cli_env(emu, BROWSER=handoff.browser_command)
    proc = start(["login"], env)
    with chromium(ca_file=emu.ca_bundle) as browser:
        page = browser.new_page()
        url = handoff.next_url()
        assert url.startswith(emu.base_url + "/authorize?")
        page.goto(url)
        text = complete_emulator_login(page, email="alice@example.com", password="correct-horse-alice")
    assert "safe to close" in text
    code, _out, err = finish(proc)
    assert code == 0, err
    assert "Logged in as alice@example.com" in err
    assert "/authorize?" in err  # the URL is always printed too

    session = stored(emu)
    assert session is not None
    assert session.user_id == ALICE
    assert session.refresh_token

    # Later commands use the stored session: no browser is involved any more.
    later = cli_env(emu, BROWSER=failing_browser())
    listed = run(["identities", "--json"], later)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["user_id"] == ALICE
    status = run(["status", "--json"], later)
    assert status.returncode == 0, status.stderr
    (active,) = json.loads(status.stdout)["sessions"]
    assert active["logged_in"]
    assert "SecretService" in active["storage"]

    # Force expiry by editing the stored record: the next command refreshes with rotation. `status`
    # has just refreshed (rotated) the session to check it, so expire what is stored now: the
    # login's refresh token is spent, and sent again after the tenant's reuse leeway it would
    # (rightly) revoke the whole family.
    current = stored(emu)
    assert current is not None
    assert current.refresh_token != session.refresh_token
    KeyringTokenStore().save(
        store_key("default", emu.base_url, emu.client_id),
        TokenSet(**{**json.loads(current.to_json()), "expires_at": time.time() - 5}),
    )
    again = run(["identities", "--json"], later)
    assert again.returncode == 0, again.stderr
    refreshed = stored(emu)
    assert refreshed is not None
    assert refreshed.expires_at > time.time() + 60  # a new access token (the stored one had expired)
    # (not compared with the one before: the emulator mints the same JWT within the same second)
    assert refreshed.refresh_token not in {None, current.refresh_token}  # rotated: it was a refresh

    printed = run(["token"], later)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == refreshed.access_token

    out = run(["logout"], later)
    assert out.returncode == 0, out.stderr
    assert "refresh token revoked" in out.stderr
    assert stored(emu) is None
    assert run(["status"], later).returncode == 3
    assert run(["identities"], later).returncode == 3


@pytest.mark.keyring
def test_device_flow_on_activation_pages_then_refreshes(real_keyring: SecretService) -> None:
    """No display: the device flow is chosen, approved on /activate; short tokens refresh every run."""
    with start_emulator("--device-interval", "1", "--token-ttl", "30") as emu:
        env = cli_env(emu)
        proc = start(["login"], env)
        line = read_stderr_until(proc, "or open: ")
        url = line.split("or open: ", 1)[1].strip()
        assert "/activate?user_code=" in url
        with LoginAgent(ca_bundle=emu.ca_bundle) as agent:
            agent.approve_device(url, email="bob@example.com", password="correct-horse-bob")
        code, _out, err = finish(proc)
        assert code == 0, err
        assert "Logged in as bob@example.com" in err
        first = stored(emu)
        assert first is not None
        assert first.user_id == BOB

        # A 30 s token is always within the 60 s refresh window: this run refreshes.
        listed = run(["identities", "--json"], env)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout)["user_id"] == BOB
        second = stored(emu)
        assert second is not None
        assert second.refresh_token != first.refresh_token

        # Two processes refreshing at once: both succeed and the session survives (no reuse).
        procs = [start(["identities", "--json"], env) for _ in range(2)]
        results = [finish(p) for p in procs]
        assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
        third = run(["identities", "--json"], env)
        assert third.returncode == 0, third.stderr


def test_device_flow_denied_exits_3_and_stores_nothing(tmp_path: Path) -> None:
    """A login refused on the activation page exits 3 with the reason; nothing is stored."""
    with start_emulator("--device-interval", "1") as emu:
        env = cli_env(emu, AUTH0LINK_STORAGE="file")
        proc = start(["login", "--device", "--no-browser"], env)
        url = read_stderr_until(proc, "or open: ").split("or open: ", 1)[1].strip()
        with LoginAgent(ca_bundle=emu.ca_bundle) as agent:
            agent.approve_device(url, email="bob@example.com", password="correct-horse-bob", deny=True)
        code, _out, err = finish(proc)
        assert code == 3, err
        assert "refused" in err
        assert not (Path(os.environ["AUTH0LINK_CONFIG_DIR"]) / "tokens.json").exists()


def test_no_keyring_hint_then_insecure_storage(tmp_path: Path) -> None:
    """Without a keyring, login stops before the browser naming --insecure-storage; that stores a 0600 file."""
    with start_emulator("--skip-callback-confirmation") as emu:
        agent = shlex.join(
            [
                sys.executable,
                "-m",
                "auth0link.emulator.testing.agent",
                "--email",
                "alice@example.com",
                "--password",
                "correct-horse-alice",
            ]
        )
        handoff = UrlHandoff(tmp_path / "browser")
        env = cli_env(emu, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
        refused = run(["login"], {**env, "BROWSER": handoff.browser_command})
        assert refused.returncode == 1
        assert "--insecure-storage" in refused.stderr
        assert handoff.opened() == []

        done = run(["login", "--insecure-storage"], {**env, "BROWSER": agent + " %s"})
        assert done.returncode == 0, done.stderr
        assert "plain text" in done.stderr
        token_file = Path(os.environ["AUTH0LINK_CONFIG_DIR"]) / "tokens.json"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        status: dict[str, Any] = json.loads(run(["status", "--json"], env).stdout)
        assert "tokens.json" in status["sessions"][0]["storage"]
        listed = run(["identities", "--json"], {**env, "BROWSER": failing_browser()})
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout)["user_id"] == ALICE


def test_ctrl_c_during_device_flow_exits_130_and_stores_nothing() -> None:
    """SIGINT while polling exits 130 with 'nothing was stored', and nothing is."""
    with start_emulator("--device-interval", "1") as emu:
        env = cli_env(emu, AUTH0LINK_STORAGE="file")
        proc = start(["login", "--device"], env)
        read_stderr_until(proc, "or open: ")
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        code, _out, err = finish(proc)
        assert code == 130, err
        assert "nothing was stored" in err
        assert not (Path(os.environ["AUTH0LINK_CONFIG_DIR"]) / "tokens.json").exists()


def test_doctor_and_login_name_unregistered_callback_urls() -> None:
    """A callback port the tenant does not list: doctor exits 1 and login fails fast, both naming the URL."""
    with start_emulator() as emu:
        env = cli_env(emu, AUTH0LINK_STORAGE="file")
        healthy = run(["doctor"], env)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert "✓ device code grant" in healthy.stdout

        port = "18484"
        bad = run(["doctor"], {**env, "AUTH0LINK_CALLBACK_PORTS": port})
        assert bad.returncode == 1
        assert f"http://127.0.0.1:{port}/callback" in bad.stdout
        assert "Allowed Callback URLs" in bad.stdout

        refused = run(["login", "--callback-port", port, "--no-browser"], {**env, "DISPLAY": ":0"})
        assert refused.returncode == 3
        assert "Callback URL mismatch" in refused.stderr
        assert f"http://127.0.0.1:{port}/callback" in refused.stderr


def test_doctor_reports_an_unknown_client() -> None:
    """A client ID the tenant does not know fails the grant checks (exit 1) with a fix line."""
    with start_emulator() as emu:
        env = cli_env(emu, AUTH0LINK_STORAGE="file", AUTH0LINK_CLIENT_ID="noSuchClient")
        result = run(["doctor", "--json"], env)
        assert result.returncode == 1
        checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
        assert checks["discovery"]["ok"] is True
        assert checks["authorization code grant"]["ok"] is False
        assert checks["device code grant"]["ok"] is False
        assert checks["device code grant"]["fix"]


def test_two_profiles_then_logout_all(tmp_path: Path) -> None:
    """Sessions of two profiles are both shown by status and both removed by logout --all."""
    with start_emulator("--skip-callback-confirmation") as emu:
        env = cli_env(emu, AUTH0LINK_STORAGE="file")
        for profile, email, password in (
            ("default", "alice@example.com", "correct-horse-alice"),
            ("bob", "bob@example.com", "correct-horse-bob"),
        ):
            browser = shlex.join(
                [
                    sys.executable,
                    "-m",
                    "auth0link.emulator.testing.agent",
                    "--email",
                    email,
                    "--password",
                    password,
                ]
            )
            done = run(["--profile", profile, "login"], {**env, "BROWSER": browser + " %s"})
            assert done.returncode == 0, done.stderr
        status = json.loads(run(["status", "--json"], env).stdout)
        users = {s["profile"]: s["user_id"] for s in status["sessions"]}
        assert users == {"default": ALICE, "bob": BOB}
        out = run(["logout", "--all"], env)
        assert out.returncode == 0, out.stderr
        assert out.stderr.count("Logged out of") == 2
        assert run(["--profile", "bob", "status"], env).returncode == 3
        assert run(["status"], env).returncode == 3
