"""The suite is hermetic: no test sees the developer's own HOME, XDG dirs, config or AUTH0LINK_* vars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from auth0link import _constants
from tests.conftest import XDG_HOMES, our_variables

ROOT = Path(__file__).resolve().parents[1]
POISON = "poisoned.developer.example"


def test_every_auth0link_variable_is_cleared_for_each_test(tmp_path: Path) -> None:
    """Every ENV_* constant (AUTH0LINK_MACHINE_CLIENT_ID too) is unset; the dirs point into the test's tmp."""
    declared = {v for k, v in vars(_constants).items() if k.startswith("ENV_")}
    assert "AUTH0LINK_MACHINE_CLIENT_ID" in declared
    assert declared <= our_variables({})
    assert our_variables({"AUTH0LINK_SOMETHING_NEW": "1"}) >= {"AUTH0LINK_SOMETHING_NEW"}
    left = {n for n in os.environ if n.startswith("AUTH0LINK_")}
    assert left == {_constants.ENV_CONFIG_DIR, _constants.ENV_DATA_DIR}
    for name in (*left, *XDG_HOMES, "HOME"):
        assert Path(os.environ[name]).is_relative_to(tmp_path), name
    assert not Path(os.environ["HOME"]).exists()


def _developer_env(home: Path) -> dict[str, str]:
    """A developer's shell: their own HOME and XDG config, and AUTH0LINK_* variables of their own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH0LINK_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        AUTH0LINK_MACHINE_CLIENT_ID="developers-own-m2m-client",
        AUTH0LINK_ACCESS_TOKEN="developers-own-token",
        AUTH0LINK_CLIENT_ID="developers-own-client",
        AUTH0LINK_NO_INPUT="1",
    )
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return env


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_a_developers_own_config_and_environment_do_not_reach_the_suite(tmp_path: Path) -> None:
    """After `auth0link config set domain …` in the developer's own config, the config tests still pass."""
    env = _developer_env(tmp_path / "developer")
    cli = [sys.executable, "-m", "auth0link"]
    assert _run([*cli, "config", "set", "domain", POISON], env).returncode == 0
    seen = _run([*cli, "config", "get", "domain"], env)
    assert POISON in seen.stdout, seen.stderr  # the poison is real: the CLI itself reads it
    assert list((tmp_path / "developer" / ".config").rglob("*"))
    suite = _run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
            "tests/test_config.py::test_missing_domain_error_names_the_fix",
            "tests/test_config.py::test_precedence_flag_over_env_over_file_over_default",
            "tests/test_hermetic.py::test_every_auth0link_variable_is_cleared_for_each_test",
        ],
        env,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout + suite.stderr
    assert "3 passed" in suite.stdout
