"""``auth0link profiles list|switch`` and the switched profile's place in the settings precedence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.errors import ExitCode
from tests.support.tenant import BASE, NATIVE

if TYPE_CHECKING:
    from tests.cli.conftest import Wired
    from tests.conftest import Runner


def make_work_profile(cli: Runner) -> None:
    """A second profile, ``work``, on another tenant (configured, never logged in; tokens in a file)."""
    for key, value in (("domain", "work.example.com"), ("client_id", "workClient"), ("storage", "file")):
        assert cli("--profile", "work", "config", "set", key, value).exit_code == 0


def listed(cli: Runner, *args: str, **kw: object) -> dict[str, dict[str, object]]:
    """``profiles list --json`` by profile name."""
    result = cli(*args, "profiles", "list", "--json", **kw)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.stderr
    return {row["profile"]: row for row in map(json.loads, result.stdout.splitlines())}


def test_list_shows_every_profile_with_tenant_client_active_and_login(wired: Wired) -> None:
    """profiles list: the logged-in active profile and a configured one, with their tenants and IDs."""
    make_work_profile(wired.cli)
    rows = listed(wired)  # type: ignore[arg-type]
    assert rows["default"] == {
        "active": True,
        "profile": "default",
        "domain": BASE,
        "client_id": NATIVE,
        "machine_client_id": None,
        "logged_in": True,
    }
    assert rows["work"]["active"] is False
    assert rows["work"]["domain"] == "https://work.example.com"
    assert rows["work"]["client_id"] == "workClient"
    assert rows["work"]["logged_in"] is False
    assert list(rows) == ["default", "work"]  # the active one first


def test_list_as_tsv_marks_the_active_profile(wired: Wired) -> None:
    """Piped, profiles list is TSV with a header; the active profile has a '*'."""
    make_work_profile(wired.cli)
    result = wired("profiles", "list")
    assert result.exit_code == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header == "active\tprofile\tdomain\tclient_id\tmachine_client_id\tlogged_in"
    assert lines[0].startswith(f"*\tdefault\t{BASE}\t{NATIVE}\t\tyes")
    assert lines[1] == "\twork\thttps://work.example.com\tworkClient\t\tno"


def test_list_names_the_machine_client(wired: Wired) -> None:
    """A profile with machine credentials shows its M2M client ID."""
    wired.machine_login()
    assert listed(wired)["default"]["machine_client_id"] == demo.M2M_CLIENT_ID  # type: ignore[arg-type]


def test_switch_makes_a_profile_active_for_later_commands(cli: Runner, isolated_env: Path) -> None:
    """profiles switch work: remembered in the config dir; config and status then use work."""
    make_work_profile(cli)
    result = cli("profiles", "switch", "work")
    assert result.exit_code == 0, result.stderr
    assert "Profile work is now active" in result.stderr
    assert (isolated_env / "config" / "active-profile").read_text() == "work\n"
    config = json.loads(cli("config", "list", "--json").stdout)
    assert config["profile"] == "work"
    assert config["settings"]["domain"]["value"] == "https://work.example.com"
    assert listed(cli)["work"]["active"] is True
    offline = cli("status", "--offline")
    assert "profile work (active)" in offline.stdout
    assert "Fix: auth0link login\n" in offline.stdout  # work is active: no --profile needed


def test_the_flag_and_the_environment_win_over_the_switched_profile(cli: Runner) -> None:
    """Precedence: --profile → AUTH0LINK_PROFILE → the switched-to profile → default."""
    make_work_profile(cli)
    assert cli("--profile", "home", "config", "set", "domain", "home.example.com").exit_code == 0
    assert cli("profiles", "switch", "work").exit_code == 0

    def profile(*args: str, env: dict[str, str] | None = None) -> str:
        result = cli(*args, "config", "list", "--json", env=env)
        assert result.exit_code == 0, result.stderr
        return str(json.loads(result.stdout)["profile"])

    assert profile() == "work"
    assert profile(env={"AUTH0LINK_PROFILE": "home"}) == "home"
    assert profile("--profile", "default", env={"AUTH0LINK_PROFILE": "home"}) == "default"
    assert cli("profiles", "switch", "default").exit_code == 0
    assert profile() == "default"


def test_switch_warns_when_the_environment_overrides_it(cli: Runner) -> None:
    """Switching while AUTH0LINK_PROFILE is set says that the variable still wins."""
    make_work_profile(cli)
    result = cli("profiles", "switch", "work", env={"AUTH0LINK_PROFILE": "default"})
    assert result.exit_code == 0
    assert "warning: AUTH0LINK_PROFILE=default still wins" in result.stderr


def test_switch_to_an_unknown_profile_is_refused(cli: Runner, isolated_env: Path) -> None:
    """A typo is not silently a new, empty active profile: exit 2, nothing written, how to create it."""
    result = cli("profiles", "switch", "wrok")
    assert result.exit_code == ExitCode.USAGE
    assert "There is no profile 'wrok'" in result.stderr
    assert "auth0link --profile wrok config set domain" in result.stderr
    assert not (isolated_env / "config" / "active-profile").exists()


def test_a_damaged_active_profile_file_names_itself_and_switch_repairs_it(
    cli: Runner, isolated_env: Path
) -> None:
    """An invalid name in active-profile is exit 2 naming the file; profiles switch still works to fix it."""
    path = isolated_env / "config" / "active-profile"
    path.parent.mkdir(parents=True)
    path.write_text("../etc\n")
    broken = cli("config", "list")
    assert broken.exit_code == ExitCode.USAGE
    assert str(path) in broken.stderr
    assert "profiles switch" in broken.stderr
    assert cli("profiles", "switch", "default").exit_code == 0
    assert cli("config", "list").exit_code == 0


def test_status_lists_every_profile(wired: Wired) -> None:
    """status shows the active profile's session and every other profile, each with its fix."""
    make_work_profile(wired.cli)
    result = wired("status", "--offline")
    assert result.exit_code == 0, result.stderr
    assert f"{BASE} — profile default (active)" in result.stdout
    assert "https://work.example.com — profile work\n" in result.stdout
    assert "Not logged in. Fix: auth0link --profile work login" in result.stdout


def test_hints_repeat_the_profile_flag_that_chose_the_profile(cli: Runner) -> None:
    """`auth0link --profile work identities` without a login: the hint is `auth0link --profile work login`."""
    make_work_profile(cli)
    result = cli("--profile", "work", "identities")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    assert result.stderr.splitlines()[-1] == "hint: run: auth0link --profile work login"
    switched = cli("profiles", "switch", "work")
    assert switched.exit_code == 0
    assert cli("identities").stderr.splitlines()[-1] == "hint: run: auth0link login"  # work is active now


def test_a_name_with_a_trailing_newline_is_refused_everywhere(cli: Runner, isolated_env: Path) -> None:
    r"""--profile $'evil\n', AUTH0LINK_PROFILE and profiles switch refuse a newline (a full match, not `$`)."""
    make_work_profile(cli)
    created = cli("--profile", "evil\n", "config", "set", "domain", "evil.example.com")
    assert created.exit_code == ExitCode.USAGE
    assert not list((isolated_env / "config").glob("profiles/evil*"))
    switched = cli("profiles", "switch", "work\n")
    assert switched.exit_code == ExitCode.USAGE
    assert not (isolated_env / "config" / "active-profile").exists()
    env = cli("config", "list", env={"AUTH0LINK_PROFILE": "work\n"})
    assert env.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("auth0link --profile w", "2", ["weekend", "work"]),
        ("auth0link identities --profile we", "3", ["weekend"]),
        ("auth0link profiles switch ", "3", ["default", "weekend", "work"]),
    ],
)
def test_profile_names_complete_in_the_shell(words: str, cword: str, expected: list[str]) -> None:
    """bash completion (zsh and fish use the same callback) offers the known profile names."""
    profiles = Path(os.environ["AUTH0LINK_CONFIG_DIR"]) / "profiles"
    profiles.mkdir(parents=True)
    for name in ("work", "weekend"):
        (profiles / f"{name}.toml").write_text('domain = "t.example.com"\n', encoding="utf-8")
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": cword, "_AUTH0LINK_COMPLETE": "bash_complete"}
    done = subprocess.run(
        [sys.executable, "-c", "from auth0link.cli import main; main(prog_name='auth0link')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.stdout.split() == [f"plain,{name}" for name in expected]


def test_list_shows_a_session_logged_in_with_settings_from_the_environment(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logged in with AUTH0LINK_DOMAIN/CLIENT_ID, listed without them: its tenant and "yes", as status shows."""
    from auth0link.infra.session_index import IndexEntry, SessionIndex
    from auth0link.token_file import FileTokenStore
    from tests.cli.conftest import KEY

    config_dir = Path(os.environ["AUTH0LINK_CONFIG_DIR"])
    session = wired.store.load(KEY)
    assert session is not None
    FileTokenStore(config_dir / "tokens.json").save(KEY, session)  # login --insecure-storage
    index = SessionIndex(config_dir)
    index.path.unlink(missing_ok=True)  # the wired login's entry says keyring (the test's memory store)
    index.add(IndexEntry(KEY, "default", BASE, NATIVE, "file"))
    monkeypatch.delenv("AUTH0LINK_DOMAIN")
    monkeypatch.delenv("AUTH0LINK_CLIENT_ID")
    status = wired("status", "--offline", "--json")
    assert [s["logged_in"] for s in json.loads(status.stdout)["sessions"]] == [True]
    row = listed(wired)["default"]  # type: ignore[arg-type]
    assert (row["domain"], row["client_id"], row["logged_in"]) == (BASE, NATIVE, True)
