"""The login/logout/status/token commands in-process (no network: they fail or finish before it)."""

from __future__ import annotations

import io
import json
import re
import time
from typing import TYPE_CHECKING

from auth0link.application import Services
from auth0link.infra.session_index import IndexEntry, SessionIndex
from auth0link.models import DeviceAuthorization
from auth0link.output import Output
from auth0link.token_file import FileTokenStore
from auth0link.tokens import TokenSet, store_key
from tests.cli.conftest import KEY

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Wired
    from tests.conftest import Runner

DOMAIN = "http://127.0.0.1:9"  # nothing listens: a request would fail loudly
CLIENT = "cliTestClient"
ENV = {"AUTH0LINK_DOMAIN": DOMAIN, "AUTH0LINK_CLIENT_ID": CLIENT}


def _store_file_session(config_dir: Path, *, profile: str = "default") -> TokenSet:
    tokens = TokenSet(
        access_token="eyJhbGciOiJub25lIn0.eyJzdWIiOiJhdXRoMHxhbGljZSJ9.",
        expires_at=time.time() + 3600,
        scope="openid read:current_user",
        refresh_token="RT",
        user_id="auth0|alice",
    )
    key = store_key(profile, DOMAIN, CLIENT)
    FileTokenStore(config_dir / "tokens.json").save(key, tokens)
    SessionIndex(config_dir).add(IndexEntry(key, profile, DOMAIN, CLIENT, "file"))
    return tokens


def test_login_refuses_while_env_token_is_set(cli: Runner) -> None:
    """login with AUTH0LINK_ACCESS_TOKEN set exits 2 and says how to clear it."""
    result = cli("login", env={**ENV, "AUTH0LINK_ACCESS_TOKEN": "x.y.z"})
    assert result.exit_code == 2
    assert "AUTH0LINK_ACCESS_TOKEN is set" in result.stderr
    assert "unset AUTH0LINK_ACCESS_TOKEN" in result.stderr


def test_login_without_keyring_names_insecure_storage(cli: Runner) -> None:
    """With the real 'fail' keyring backend, login exits 1 before any request, hinting --insecure-storage."""
    result = cli("login", "--no-browser", env=ENV)
    assert result.exit_code == 1
    assert "No usable OS keyring" in result.stderr
    assert "--insecure-storage" in result.stderr
    assert "authorize" not in result.stderr


def test_status_logged_out_exits_3_with_the_fix(cli: Runner) -> None:
    """status with no session exits 3; the problem line names auth0link login."""
    result = cli("status", env={**ENV, "AUTH0LINK_STORAGE": "file"})
    assert result.exit_code == 3
    assert "Fix: auth0link login" in result.stdout


def test_status_json_for_a_stored_session(cli: Runner, isolated_env: Path) -> None:
    """status --offline --json lists the stored session with stable keys and exits 0 (no request)."""
    _store_file_session(isolated_env / "config")
    result = cli("status", "--offline", "--json", env={**ENV, "AUTH0LINK_STORAGE": "file"})
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    (session,) = data["sessions"]
    assert session["user_id"] == "auth0|alice"
    assert session["active"] is True
    assert session["refreshable"] is True
    assert "tokens.json" in session["storage"]
    assert set(session) >= {"profile", "domain", "client_id", "scopes", "expires_at", "problems", "check"}
    assert session["check"] == "offline"


def test_status_shows_other_profiles_from_the_index(cli: Runner, isolated_env: Path) -> None:
    """Sessions of other profiles (from the index) are listed, marked inactive."""
    _store_file_session(isolated_env / "config", profile="work")
    result = cli("status", "--offline", "--json", env={**ENV, "AUTH0LINK_STORAGE": "file"})
    assert result.exit_code == 3
    profiles = {s["profile"]: s for s in json.loads(result.stdout)["sessions"]}
    assert profiles["work"]["logged_in"] is True
    assert profiles["work"]["active"] is False
    assert profiles["default"]["logged_in"] is False


def test_status_with_env_token_says_it_wins(cli: Runner) -> None:
    """With AUTH0LINK_ACCESS_TOKEN set, status says it wins and exits 0."""
    result = cli("status", env={**ENV, "AUTH0LINK_STORAGE": "file", "AUTH0LINK_ACCESS_TOKEN": "a.b.c"})
    assert result.exit_code == 0
    assert "AUTH0LINK_ACCESS_TOKEN is set" in result.stdout


def test_token_prints_to_a_pipe(cli: Runner, isolated_env: Path) -> None:
    """token prints the stored access token when stdout is not a terminal."""
    tokens = _store_file_session(isolated_env / "config")
    result = cli("token", env={**ENV, "AUTH0LINK_STORAGE": "file"})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == tokens.access_token


def test_token_refuses_a_terminal_without_force(cli: Runner, isolated_env: Path) -> None:
    """On a TTY, token refuses (exit 2) unless --force."""
    tokens = _store_file_session(isolated_env / "config")
    env = {**ENV, "AUTH0LINK_STORAGE": "file"}

    def on_a_terminal() -> tuple[Services, io.StringIO]:
        stdout = io.StringIO()
        output = Output(stdout=stdout, stderr=io.StringIO(), stdout_isatty=True, stderr_isatty=False)
        return Services(output=output), stdout

    services, stdout = on_a_terminal()
    refused = cli("token", env=env, obj=services)
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert tokens.access_token not in stdout.getvalue()
    services, stdout = on_a_terminal()
    forced = cli("token", "--force", env=env, obj=services)
    assert forced.exit_code == 0
    assert tokens.access_token in stdout.getvalue()


def test_logout_when_logged_out_is_a_no_op(cli: Runner) -> None:
    """logout without a session says so and exits 0."""
    result = cli("logout", env={**ENV, "AUTH0LINK_STORAGE": "file"})
    assert result.exit_code == 0
    assert "nothing to do" in result.stderr


def test_login_help_lists_the_options(cli: Runner) -> None:
    """login --help documents every option of the issue."""
    result = cli("login", "--help")
    for option in (
        "--device",
        "--no-browser",
        "--connection",
        "--scopes",
        "--audience",
        "--callback-port",
        "--timeout",
        "--insecure-storage",
    ):
        assert option in result.stdout


# -- output ------------------------------------------------------------------------------------


AUTH = DeviceAuthorization(
    device_code="D",
    user_code="ABCD-EFGH",
    verification_uri="https://t.example/activate",
    verification_uri_complete="https://t.example/activate?user_code=ABCD-EFGH",
    expires_in=900,
    interval=5,
)


def test_device_code_without_tty_prints_text_only() -> None:
    """Piped stderr: URL and code as plain lines, no QR code."""
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stdout_isatty=False, stderr_isatty=False).device_code(AUTH)
    text = err.getvalue()
    assert "ABCD-EFGH" in text
    assert "https://t.example/activate?user_code=ABCD-EFGH" in text
    assert "█" not in text
    assert "▀" not in text


def test_device_code_on_a_tty_adds_a_qr_code() -> None:
    """On a terminal, a QR code of verification_uri_complete follows the code."""
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stdout_isatty=False, stderr_isatty=True).device_code(AUTH)
    text = err.getvalue()
    assert text.index("ABCD-EFGH") < max(text.find("█"), text.find("▀"))


def test_spinner_is_silent_when_piped_and_counts_down_on_a_tty() -> None:
    """waiting() prints nothing when piped; on a TTY it shows the time left."""
    piped = io.StringIO()
    with Output(stdout=io.StringIO(), stderr=piped, stderr_isatty=False).waiting("Waiting") as tick:
        tick(125)
    assert piped.getvalue() == ""
    tty = io.StringIO()
    with Output(stdout=io.StringIO(), stderr=tty, stderr_isatty=True, width=80).waiting("Waiting") as tick:
        tick(125)  # rich's Status.update refreshes at once; leaving the spinner renders it again
    assert "2:05 left" in tty.getvalue()


def test_logout_all_goes_on_past_a_broken_store(cli: Runner, isolated_env: Path) -> None:
    """The active profile's keyring is unusable: --all still logs out the others, warns, and exits 1."""
    config_dir = isolated_env / "config"
    _store_file_session(config_dir, profile="work")
    SessionIndex(config_dir).add(
        IndexEntry(store_key("default", DOMAIN, CLIENT), "default", DOMAIN, CLIENT, "keyring")
    )
    result = cli("logout", "--all", env=ENV)  # the default profile uses the keyring: keyring's fail backend
    assert result.exit_code == 1
    assert (
        "warning: could not log out of http://127.0.0.1:9, profile default: No usable OS keyring"
        in result.stderr
    )
    assert "Logged out of http://127.0.0.1:9, profile work" in result.stderr
    assert "1 of 2 session(s) could not be logged out" in result.stderr
    assert FileTokenStore(config_dir / "tokens.json").load(store_key("work", DOMAIN, CLIENT)) is None
    assert "Traceback" not in result.stderr


def test_plain_logout_with_a_broken_store_still_fails_with_its_hint(cli: Runner) -> None:
    """Without --all, an unusable keyring is the error itself (exit 1), naming the way out."""
    result = cli("logout", env=ENV)
    assert result.exit_code == 1
    assert "No usable OS keyring" in result.stderr
    assert "--insecure-storage" in result.stderr


def test_a_damaged_record_in_tokens_json_reads_as_logged_out(cli: Runner, isolated_env: Path) -> None:
    """A record with a string expires_at: status, token and logout say "not logged in", no "Unexpected error"."""
    path = isolated_env / "config" / "tokens.json"
    path.parent.mkdir(parents=True)
    record = json.dumps({"access_token": "a", "expires_at": "soon", "refresh_token": "r"})
    path.write_text(json.dumps({store_key("default", DOMAIN, CLIENT): record}))
    env = {**ENV, "AUTH0LINK_STORAGE": "file"}
    for args, code in ((["status"], 3), (["token"], 3), (["logout"], 0)):
        result = cli(*args, env=env)
        assert result.exit_code == code, (args, result.stderr)
        assert "Unexpected" not in result.stderr
    assert not path.exists()  # logout removed the damaged entry


def test_login_no_browser_prints_the_url_to_open_elsewhere_and_the_ssh_hint(wired: Wired) -> None:
    """login --no-browser: never "Opening … in your browser"; the URL and the ssh -L line for its port."""
    wired.store.delete(KEY)
    result = wired("login", "--no-browser", "--timeout", "1")
    assert result.exit_code == 3, result.stderr
    assert wired.opened == []
    assert "Opening the login page in your browser" not in result.stderr
    assert "Open this URL in a browser to log in:" in result.stderr
    port = re.search(r"redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A(\d+)%2F", result.stderr)
    assert port is not None, result.stderr
    assert f"ssh -L {port[1]}:127.0.0.1:{port[1]} HOST" in result.stderr


def test_doctor_with_a_wrong_client_id_shows_the_error_pages_sentence(wired: Wired) -> None:
    """doctor against the tenant's real error page (HTML with CSS): the sentence, not the markup."""
    result = wired("--client-id", "noSuchClient", "doctor")
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith("X authorization code grant"))
    assert line.endswith("Oops!, something went wrong invalid_request Unknown client: noSuchClient")
    assert not any(mark in result.stdout for mark in ("<", "{", "font-family"))
