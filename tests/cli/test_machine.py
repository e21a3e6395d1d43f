"""``login --machine`` / ``logout --machine`` through the CLI, against the emulator's M2M client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth0link.application import Services
from auth0link.emulator.state import demo
from auth0link.machine import secret_key
from auth0link.token_file import FileTokenStore
from tests.support.tenant import BASE, LocalTenant

if TYPE_CHECKING:
    from pathlib import Path

    from click.testing import Result

    from tests.conftest import Runner

M2M = demo.M2M_CLIENT_ID
SECRET = demo.M2M_CLIENT_SECRET


def machine(cli: Runner, tenant: LocalTenant, *args: str, **kw: Any) -> Result:
    """``auth0link --domain tenant.test ARGS`` wired to the tenant."""
    return cli("--domain", BASE, *args, obj=Services(transport=tenant.transport), **kw)


def machine_login(cli: Runner, tenant: LocalTenant, *flags: str) -> Result:
    """``login --machine --client-id M2M --client-secret -`` with the secret on stdin."""
    return machine(
        cli,
        tenant,
        "login",
        "--machine",
        "--client-id",
        M2M,
        "--client-secret",
        "-",
        *flags,
        input=f"{SECRET}\n",
    )


def test_cli_refuses_a_secret_in_argv(cli: Runner, tenant: LocalTenant) -> None:
    """`login --machine --client-secret VALUE` exits 2 without echoing the value."""
    result = machine(cli, tenant, "login", "--machine", "--client-id", M2M, "--client-secret", "hunter2")
    assert result.exit_code == 2
    assert "hunter2" not in result.output + result.stderr
    assert tenant.faults.requests == []


def test_cli_machine_login_and_logout_with_the_file_store(
    cli: Runner, tenant: LocalTenant, isolated_env: Path
) -> None:
    """`login --machine --client-secret -` stores token and secret; `logout --machine` removes both."""
    result = machine_login(cli, tenant, "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    assert "Machine credentials stored" in result.stderr
    assert SECRET not in result.output + result.stderr
    path = isolated_env / "config" / "tokens.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(FileTokenStore(path).keys()) == 2  # the token and the secret
    again = machine(cli, tenant, "logout", "--machine")
    assert again.exit_code == 0
    assert "removed" in again.stderr
    assert not path.exists()


def test_machine_login_insecure_storage_works_without_a_keyring(
    cli: Runner, tenant: LocalTenant, isolated_env: Path
) -> None:
    """`login --machine --insecure-storage` with no keyring stores in the 0600 file, says so, and remembers it."""
    result = machine_login(cli, tenant, "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    config_dir = isolated_env / "config"
    secret = FileTokenStore(config_dir / "tokens.json").load(secret_key("default", BASE, M2M))
    assert secret is not None
    assert secret.access_token == SECRET
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "plain text" in warning
    assert str(config_dir / "tokens.json") in warning
    assert "0600" in warning
    assert "storage = file" in warning
    assert SECRET not in result.output + result.stderr
    assert 'storage = "file"' in (config_dir / "profiles" / "default.toml").read_text()
    again = machine(cli, tenant, "logout", "--machine")  # no flag: the profile remembers
    assert again.exit_code == 0, again.stderr
    assert "removed" in again.stderr


def test_machine_login_into_a_file_profile_announces_plain_text(
    cli: Runner, tenant: LocalTenant, isolated_env: Path
) -> None:
    """With storage = file already set, the plain-text client secret is announced on stderr, not silent."""
    assert cli("config", "set", "storage", "file").exit_code == 0
    result = machine_login(cli, tenant)
    assert result.exit_code == 0, result.stderr
    assert "Machine credentials stored" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any(
        "client secret" in w and "plain text" in w and str(isolated_env / "config" / "tokens.json") in w
        for w in warnings
    ), result.stderr
