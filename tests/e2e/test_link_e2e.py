"""End to end: the real ``auth0link`` CLI (subprocesses) links and unlinks against the emulator.

The second login is completed by a browser the CLI opens through ``BROWSER`` (Python's
``webbrowser`` honours it): the emulator's scripted user (:mod:`auth0link.emulator.testing.agent`, which
reads and submits the hosted login pages like a person) here, and a real headless Chromium in
``test_link_google_in_chromium``. Results are checked through the Management API with the
emulator's M2M client, not only through the CLI's own output.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from auth0link.client import Auth0Client
from auth0link.emulator.testing.agent import AgentError, LoginAgent
from tests.support.demo_ids import (
    ALICE,
    ALICE_EMAIL,
    ALICE_PASSWORD,
    BOB,
    DATABASE,
    EMAIL_USER,
    GITHUB,
    GOOGLE,
    SMS_USER,
)
from tests.support.e2e import agent_browser, identity_ids, login_alice, machine_client, run, user_exists
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from auth0link.models import TokenResponse
    from tests.support.emulator import RunningEmulator
    from tests.support.keyring_service import SecretService

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180), pytest.mark.callback_ports]

SCOPES = (
    "openid profile email offline_access read:current_user update:current_user_identities "
    "update:current_user_metadata"
)


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """A fresh emulator (demo tenant) for each test: linking changes its users."""
    with start_emulator("--skip-callback-confirmation") as running:
        yield running


def cli_env(emu: RunningEmulator, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: this emulator, the test's isolated dirs, file storage."""
    env = {
        **os.environ,
        **emu.env(),
        "AUTH0LINK_STORAGE": "file",
        "AUTH0LINK_CALLBACK_PORTS": "8484,8485,8486",
    }
    env.pop("AUTH0LINK_ACCESS_TOKEN", None)
    env.update(extra)
    return env


@pytest.fixture
def admin(emu: RunningEmulator) -> Iterator[Auth0Client]:
    """A Management API client with the emulator's M2M token (read:users …)."""
    with machine_client(emu) as client:
        yield client


def data_dir() -> Path:
    """The isolated data dir the conftest points every test (and its subprocesses) at."""
    return Path(os.environ["AUTH0LINK_DATA_DIR"])


# -- the full walkthrough ------------------------------------------------------------------------


def test_link_google_then_unlink_restores_two_users(emu: RunningEmulator, admin: Auth0Client) -> None:
    """login → link Google (metadata merged, backup written) → identities → unlink → two users again."""
    env = cli_env(emu)
    login_alice(env)
    result = run(
        ["link", "--connection", "google-oauth2", "--login-hint", ALICE_EMAIL, "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE, GOOGLE]
    assert "prompt=login" in result.stderr
    assert "max_age=0" in result.stderr

    tenant = admin
    alice = tenant.get_user(ALICE)
    assert alice.user_metadata["locale"] == "fr"  # from the Google account
    assert alice.user_metadata["theme"] == "light"  # the primary wins the conflict
    assert not user_exists(tenant, GOOGLE)

    [backup] = sorted((data_dir() / "backups").glob("link-*.json"))
    assert str(backup) in result.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    doc = json.loads(backup.read_text())
    assert doc["kept"]["user_id"] == ALICE
    assert doc["absorbed"]["user_metadata"] == {"theme": "dark", "locale": "fr"}

    listed = run(["identities", "--json"], env)
    assert identity_ids(listed.stdout) == [ALICE, GOOGLE]

    unlinked = run(["unlink", "google-oauth2", "109876543210987654321", "--yes", "--json"], env)
    assert unlinked.returncode == 0, unlinked.stderr
    assert identity_ids(unlinked.stdout) == [ALICE]
    assert user_exists(tenant, GOOGLE)
    assert user_exists(tenant, ALICE)


def test_unlink_restore_metadata_as_the_user(emu: RunningEmulator, admin: Auth0Client) -> None:
    """link Google, then unlink --restore-metadata: the Google account signs in and gets its user_metadata back."""
    env = {**cli_env(emu), "BROWSER": agent_browser(connection="google-oauth2")}
    login_alice(cli_env(emu))
    linked = run(["link", "--connection", "google-oauth2", "--login-hint", ALICE_EMAIL, "--yes"], env)
    assert linked.returncode == 0, linked.stderr
    result = run(["unlink", GOOGLE, "--restore-metadata", "--yes", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE]
    assert admin.get_user(GOOGLE).user_metadata == {"theme": "dark", "locale": "fr"}
    assert "prompt=login" in result.stderr  # a fresh sign-in of the Google account


def test_unlink_pipeline_from_identities(emu: RunningEmulator, admin: Auth0Client) -> None:
    """`identities --secondary-only | grep github | unlink - --yes` unlinks exactly GitHub."""
    env = cli_env(emu)
    login_alice(env)
    for connection, extra in (("google-oauth2", []), ("github", ["--allow-unverified"])):
        linked = run(
            ["link", "--connection", connection, "--yes", *extra],
            {**env, "BROWSER": agent_browser(connection=connection)},
        )
        assert linked.returncode == 0, linked.stderr
    cli = shlex.join([sys.executable, "-m", "auth0link"])
    pipeline = subprocess.run(  # noqa: S602 - a shell pipeline is the behaviour under test
        f"{cli} identities --secondary-only | grep github | {cli} unlink - --yes --json",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert pipeline.returncode == 0, pipeline.stderr
    assert identity_ids(pipeline.stdout) == [ALICE, GOOGLE]
    assert user_exists(admin, GITHUB)


def test_unverified_github_refused_without_flag(emu: RunningEmulator, admin: Auth0Client) -> None:
    """The GitHub account's email is unverified: link refuses (exit 8, says why), nothing changes."""
    env = cli_env(emu)
    login_alice(env)
    result = run(
        ["link", "--connection", "github", "--yes"], {**env, "BROWSER": agent_browser(connection="github")}
    )
    assert result.returncode == 8
    assert "take over" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert user_exists(admin, GITHUB)


def test_someone_elses_account_is_not_linked_under_yes(emu: RunningEmulator, admin: Auth0Client) -> None:
    """A local program completing the login URL as another person (bob): refused under --yes."""
    env = cli_env(emu)
    login_alice(env)
    as_bob = agent_browser(connection=DATABASE, email="bob@example.com", password="correct-horse-bob")
    result = run(["link", "--yes"], {**env, "BROWSER": as_bob})
    assert result.returncode != 0
    assert "bob@example.com" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert user_exists(admin, BOB)
    assert [i.full_id for i in admin.get_user(ALICE).identities] == [ALICE]
    allowed = run(["link", "--yes", "--allow-different-email", "--json"], {**env, "BROWSER": as_bob})
    assert allowed.returncode == 0, allowed.stderr
    assert identity_ids(allowed.stdout) == [ALICE, BOB]


def test_passwordless_email_secondary_links(emu: RunningEmulator) -> None:
    """A passwordless (email code) account goes through the same link flow."""
    env = cli_env(emu)
    login_alice(env)
    result = run(
        ["link", "--connection", "email", "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="email")},
    )
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE, EMAIL_USER]


SMS_PHONE = "+15555550123"


def test_sms_secondary_with_a_verified_phone_links(emu: RunningEmulator, admin: Auth0Client) -> None:
    """The SMS demo user (code read from the outbox) links with no --allow-unverified; the preview names the number."""
    env = cli_env(emu)
    login_alice(env)
    result = run(
        ["link", "--connection", "sms", "--login-hint", SMS_PHONE, "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="sms", email=SMS_PHONE)},
    )
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE, SMS_USER]
    assert f"Link {SMS_USER} ({SMS_PHONE}) into {ALICE}." in result.stderr
    assert not user_exists(admin, SMS_USER)


def test_primary_secondary_switches_session(emu: RunningEmulator, admin: Auth0Client) -> None:
    """--primary secondary keeps Google as the user, absorbs Alice's database identity, switches session."""
    env = cli_env(emu)
    login_alice(env)
    result = run(
        ["link", "--connection", "google-oauth2", "--primary", "secondary", "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [GOOGLE, ALICE]
    tenant = admin
    assert not user_exists(tenant, ALICE)
    assert tenant.get_user(GOOGLE).user_metadata == {"theme": "dark", "locale": "fr", "newsletter": True}
    listed = run(["identities", "--json"], env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["user_id"] == GOOGLE


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``auth0link ARGS`` in the background (stdin closed, output piped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "auth0link", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 60.0) -> tuple[int, str, str]:
    """Wait for a background CLI; return (exit code, stdout, stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


@pytest.mark.browser
@pytest.mark.keyring
def test_link_google_in_chromium(
    emu: RunningEmulator, admin: Auth0Client, real_keyring: SecretService, tmp_path: Path
) -> None:
    """In one real Chromium: login, proof that SSO alone returns Alice, then link Google with prompt=login."""
    from tests.support.browser import UrlHandoff, chromium, complete_emulator_login

    handoff = UrlHandoff(tmp_path / "browser")
    env = cli_env(emu, BROWSER=handoff.browser_command)
    env.pop("AUTH0LINK_STORAGE")  # the real OS keyring (SecretService) this time
    with chromium(ca_file=emu.ca_bundle) as browser:
        page = browser.new_context().new_page()
        login = start(["login"], env)
        page.goto(handoff.next_url())
        complete_emulator_login(page, email=ALICE_EMAIL, password=ALICE_PASSWORD)
        code, _out, err = finish(login)
        assert code == 0, err

        # This browser now holds Alice's SSO session: an /authorize without prompt=login is
        # answered with a redirect carrying a code for Alice, no page shown. Nothing listens on
        # the callback, so the redirect's Location is read from the response.
        url, verifier = _authorize(emu)
        redirects: list[str] = []
        page.on("response", lambda r: redirects.append(r.headers.get("location") or ""))
        with contextlib.suppress(Exception):  # the callback port has no listener
            page.goto(url)
        [callback] = [r for r in redirects if r.startswith("http://127.0.0.1:8484/callback?")]
        assert _sub_for(emu, callback, verifier)[0] == ALICE

        link = start(["link", "--connection", "google-oauth2", "--yes", "--json"], env)
        link_url = handoff.next_url()
        assert "prompt=login" in link_url
        assert "max_age=0" in link_url
        page.goto(link_url)
        text = complete_emulator_login(
            page, email=ALICE_EMAIL, password="", connection="google-oauth2", account=GOOGLE
        )
        assert "safe to close" in text
        code, out, err = finish(link)
    assert code == 0, err
    assert identity_ids(out) == [ALICE, GOOGLE]
    assert admin.get_user(ALICE).user_metadata["locale"] == "fr"
    assert not user_exists(admin, GOOGLE)
    assert list((data_dir() / "backups").glob("link-*.json"))
    listed = run(["identities", "--json"], env)
    assert identity_ids(listed.stdout) == [ALICE, GOOGLE]


def test_id_token_from_stdin_links_without_a_browser(emu: RunningEmulator, admin: Auth0Client) -> None:
    """Headless: a Google ID token piped to `link --id-token - --no-merge-metadata --yes` is linked."""
    env = cli_env(emu)
    login_alice(env)
    url, verifier = _authorize(emu, prompt="login", max_age=0, connection="google-oauth2")
    with LoginAgent(ca_bundle=emu.ca_bundle) as browser:  # the login happens elsewhere (another machine)
        callback = browser.complete_authorize(
            url, email=ALICE_EMAIL, connection="google-oauth2", deliver=False
        )
    id_token = _exchange(emu, callback, verifier).id_token
    assert id_token is not None
    refused = run(["link", "--id-token", "-", "--yes"], env, stdin=id_token)
    assert refused.returncode == 2
    assert "--no-merge-metadata" in refused.stderr
    result = run(["link", "--id-token", "-", "--no-merge-metadata", "--yes", "--json"], env, stdin=id_token)
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE, GOOGLE]
    assert "locale" not in admin.get_user(ALICE).user_metadata  # not merged, as documented
    [backup] = sorted((data_dir() / "backups").glob("link-*.json"))
    assert json.loads(backup.read_text())["absorbed"]["claims"]["sub"] == GOOGLE


def inject(emu: RunningEmulator, spec: str) -> None:
    """Arm the emulator's fault injection (``POST /__emulator/faults``)."""
    import httpx

    response = httpx.post(
        emu.base_url + "/__emulator/faults",
        json={"spec": spec},
        timeout=10,
        verify=emu.verify,
        headers=emu.control_headers,
    )
    assert response.is_success, response.text


def test_lost_link_response_is_read_back_not_retried(emu: RunningEmulator, admin: Auth0Client) -> None:
    """The link POST is applied but its response is cut: link reads Alice back and succeeds."""
    env = cli_env(emu)
    login_alice(env)
    inject(emu, "POST /api/v2/users/*/identities=drop")
    result = run(
        ["link", "--connection", "google-oauth2", "--yes", "--json"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 0, result.stderr
    assert "response was lost; read back" in result.stderr
    assert identity_ids(result.stdout) == [ALICE, GOOGLE]
    assert not user_exists(admin, GOOGLE)


def test_failed_metadata_merge_changes_nothing_and_names_backup(
    emu: RunningEmulator, admin: Auth0Client
) -> None:
    """A 503 on the metadata PATCH: exit 1, 'Changed: nothing', not linked, backup path named."""
    env = cli_env(emu)
    login_alice(env)
    inject(emu, "PATCH /api/v2/users/*=503")
    result = run(
        ["link", "--connection", "google-oauth2", "--yes"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert result.returncode == 5  # the cause (a 503) decides: try again
    assert "Changed: nothing." in result.stderr
    assert "is still a separate user" in result.stderr
    [backup] = sorted((data_dir() / "backups").glob("link-*.json"))
    assert str(backup) in result.stderr
    assert user_exists(admin, GOOGLE)
    assert "locale" not in admin.get_user(ALICE).user_metadata


def test_unlink_exit_codes_and_lost_delete_response(emu: RunningEmulator, admin: Auth0Client) -> None:
    """unlink: primary identity exit 2, unknown identity exit 7, a cut DELETE response read back."""
    env = cli_env(emu)
    login_alice(env)
    linked = run(
        ["link", "--connection", "google-oauth2", "--yes"],
        {**env, "BROWSER": agent_browser(connection="google-oauth2")},
    )
    assert linked.returncode == 0, linked.stderr
    assert run(["unlink", "auth0", ALICE.split("|")[1], "--yes"], env).returncode == 2
    assert run(["unlink", "github", "4242424", "--yes"], env).returncode == 7
    inject(emu, "DELETE /api/v2/users/*/identities/*=drop")
    result = run(["unlink", "google-oauth2", GOOGLE.split("|")[1], "--yes", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert identity_ids(result.stdout) == [ALICE]
    assert user_exists(admin, GOOGLE)


# -- why prompt=login matters ----------------------------------------------------------------------


def _authorize(emu: RunningEmulator, **params: Any) -> tuple[str, str]:
    """An authorize URL built by the product's own PKCE code, and its verifier."""
    from auth0link.auth import pkce as pkce_flow

    verifier = pkce_flow.make_verifier()
    url = pkce_flow.authorize_url(
        emu.base_url + "/authorize",
        client_id=emu.client_id,
        redirect_uri="http://127.0.0.1:8484/callback",
        scope=SCOPES,
        state="st",
        nonce="nn",
        code_challenge=pkce_flow.challenge_for(verifier),
        audience=emu.base_url + "/api/v2/",
        **params,
    )
    return url, verifier


def _exchange(emu: RunningEmulator, callback: str, verifier: str) -> TokenResponse:
    """Exchange the callback's code at the token endpoint."""
    code = parse_qs(urlsplit(callback).query)["code"][0]
    with Auth0Client(emu.base_url, ca_bundle=emu.ca_bundle) as client:
        return client.token(
            {
                "grant_type": "authorization_code",
                "client_id": emu.client_id,
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": "http://127.0.0.1:8484/callback",
            }
        )


def _sub_for(emu: RunningEmulator, callback: str, verifier: str) -> tuple[Any, Any]:
    """Exchange the callback's code and return the ID token's ``sub`` and ``auth_time``."""
    from auth0link._jwt import unverified_claims

    tokens = _exchange(emu, callback, verifier)
    assert tokens.id_token is not None
    claims = unverified_claims(tokens.id_token)
    return claims["sub"], claims.get("auth_time")


def test_without_prompt_login_sso_returns_the_primary_again(emu: RunningEmulator) -> None:
    """With an SSO session only prompt=login/max_age=0 stop a silent re-login of the primary."""
    # The same browser (cookie jar) logs Alice in silently without prompt=login, gets a login
    # page with the link's parameters, and that new login is fresh (auth_time ≥ its start).
    with LoginAgent(ca_bundle=emu.ca_bundle) as browser:
        url, verifier = _authorize(emu)
        first = browser.complete_authorize(url, email=ALICE_EMAIL, password=ALICE_PASSWORD, deliver=False)
        assert _sub_for(emu, first, verifier)[0] == ALICE

        # No credentials given: it can only succeed through the SSO session.
        silent_url, silent_verifier = _authorize(emu)
        silent = browser.complete_authorize(silent_url, deliver=False)
        assert _sub_for(emu, silent, silent_verifier)[0] == ALICE  # the primary, again

        fresh_url, _ = _authorize(emu, prompt="login", max_age=0)
        with pytest.raises(AgentError, match="asks for a password"):
            browser.complete_authorize(fresh_url, deliver=False)  # a login page, not a silent login

        started = time.time()
        google_url, google_verifier = _authorize(emu, prompt="login", max_age=0, connection="google-oauth2")
        google = browser.complete_authorize(
            google_url, email=ALICE_EMAIL, connection="google-oauth2", deliver=False
        )
        sub, auth_time = _sub_for(emu, google, google_verifier)
        assert sub == GOOGLE
        assert auth_time >= int(started) - 1
