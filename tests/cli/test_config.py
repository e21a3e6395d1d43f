"""The CLI shell: version, help, config commands, completion, and error reporting."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner


def test_version(cli: Runner) -> None:
    """--version prints the package version."""
    from auth0link._version import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"auth0link {__version__}"


def test_help_lists_env_vars(cli: Runner) -> None:
    """--help names the environment variables next to the flags."""
    result = cli("--help")
    assert result.exit_code == 0
    for name in ("AUTH0LINK_DOMAIN", "AUTH0LINK_CLIENT_ID", "AUTH0LINK_PROFILE", "AUTH0LINK_DEBUG"):
        assert name in result.stdout


def test_config_set_get_list(cli: Runner, isolated_env: Path) -> None:
    """config set validates and writes; get prints the effective value; list shows sources."""
    assert cli("config", "set", "domain", "Tenant.Example.com").exit_code == 0
    assert cli("config", "get", "domain").stdout.strip() == "https://tenant.example.com"
    result = cli("config", "list", "--json")
    data = json.loads(result.stdout)
    assert data["settings"]["domain"] == {"value": "https://tenant.example.com", "source": "profile default"}
    assert data["settings"]["storage"]["value"] == "keyring"
    piped = cli("config", "list")
    assert piped.stdout.splitlines()[0] == "key\tvalue\tsource"


def test_config_set_rejects_bad_value(cli: Runner) -> None:
    """A bad value is a one-line error with exit 2 and nothing written."""
    result = cli("config", "set", "domain", "http://evil.example.com")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: Refusing plain http://")
    assert "Traceback" not in result.stderr
    assert cli("config", "get", "domain").exit_code == 1


def test_env_beats_profile_file(cli: Runner) -> None:
    """AUTH0LINK_DOMAIN wins over the profile file."""
    cli("config", "set", "domain", "file.example.com")
    result = cli("config", "get", "domain", env={"AUTH0LINK_DOMAIN": "env.example.com"})
    assert result.stdout.strip() == "https://env.example.com"


def test_bad_profile_name_is_usage_error(cli: Runner) -> None:
    """A profile name with a path is refused before anything is touched."""
    result = cli("--profile", "../../etc", "config", "list")
    assert result.exit_code == 2
    assert "Invalid profile name" in result.stderr


def test_completion_script(cli: Runner) -> None:
    """`completion bash` prints a script wired to _AUTH0LINK_COMPLETE."""
    result = cli("completion", "bash")
    assert result.exit_code == 0
    assert "_AUTH0LINK_COMPLETE" in result.stdout


def test_identities_without_tenant_names_fix(cli: Runner) -> None:
    """identities with no tenant configured exits 2 and says how to configure one."""
    result = cli("identities")
    assert result.exit_code == 2
    assert "No Auth0 tenant configured" in result.stderr
    assert "auth0link config set domain" in result.stderr


def test_python_dash_m_runs() -> None:
    """`python -m auth0link --version` works."""
    result = subprocess.run(
        [sys.executable, "-m", "auth0link", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("auth0link ")


def test_config_set_into_an_unwritable_place_is_exit_2(cli: Runner, isolated_env: Path) -> None:
    """config set where the profiles folder cannot be created: one line naming it, exit 2."""
    config_dir = isolated_env / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "profiles").symlink_to(isolated_env / "gone" / "profiles")  # a dangling link
    result = cli("config", "set", "domain", "tenant.example.com")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: Cannot write {config_dir / 'profiles' / 'default.toml'}: {config_dir / 'profiles'} is not a folder.",
        f"hint: remove or move {config_dir / 'profiles'}, or point AUTH0LINK_CONFIG_DIR at a folder",
    ]


def test_config_dir_that_is_a_file_names_the_fix(cli: Runner, tmp_path: Path) -> None:
    """AUTH0LINK_CONFIG_DIR pointing at a regular file: exit 2, and the hint says to point it at a folder."""
    a_file = tmp_path / "config-file"
    a_file.write_text("")
    result = cli("config", "set", "domain", "tenant.example.com", env={"AUTH0LINK_CONFIG_DIR": str(a_file)})
    assert result.exit_code == 2, result.stderr
    assert f"{a_file} is not a folder" in result.stderr
    assert "point AUTH0LINK_CONFIG_DIR at a folder" in result.stderr
    assert "Unexpected" not in result.stderr


def test_version_through_the_click_group_prints_the_version() -> None:
    """`main(["--version"])`, the click group itself (as embedding callers and tests run it), prints the version."""
    from click.testing import CliRunner

    from auth0link._version import __version__
    from auth0link.cli import main

    result = CliRunner().invoke(main, ["--version"])
    assert (result.exit_code, result.output) == (0, f"auth0link {__version__}\n")


def test_version_to_a_closed_pipe_exits_quietly() -> None:
    """`auth0link --version | true`: the reader left before the line was written; no traceback, exit 0."""
    child = subprocess.Popen(
        [sys.executable, "-m", "auth0link", "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.close()  # before the interpreter has even started
    with child.stderr:
        stderr = child.stderr.read().decode()
    assert (child.wait(timeout=30), stderr) == (0, "")
