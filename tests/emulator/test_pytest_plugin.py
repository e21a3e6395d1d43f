"""The pytest plugin as an app's test suite uses it: a separate pytest run in its own project folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # each test is a separate pytest run (a subprocess)

EXAMPLE_TENANT = Path(__file__).resolve().parents[2] / "examples" / "tenant.yaml"

CONFTEST = 'pytest_plugins = ["auth0link.emulator.pytest_plugin"]\n'

APP_TESTS = """
import httpx
import pytest
from auth0.authentication import GetToken
from auth0.management.client import Auth0

DOMAINS = set()


@pytest.fixture(autouse=True)
def trust(auth0_emulator, monkeypatch):
    for name, value in auth0_emulator.ca_env().items():
        monkeypatch.setenv(name, value)


def test_one_session_tenant(auth0_emulator, auth0_tenant):
    DOMAINS.add(auth0_tenant.domain)
    assert auth0_tenant is auth0_emulator
    assert [u["email"] for u in auth0_tenant.users] == ["carol@example.com"]
    assert "Vite SPA" in {c["name"] for c in auth0_tenant.clients}


def test_sdk_token_users_and_ttl(auth0_tenant):
    grant = GetToken(auth0_tenant.domain, auth0_tenant.m2m_client_id,
                     client_secret=auth0_tenant.m2m_client_secret)
    tokens = grant.client_credentials(auth0_tenant.management_audience)
    assert tokens["expires_in"] == 120
    with auth0_tenant.http_client() as http:
        api = Auth0(tenant_domain=auth0_tenant.domain, token=tokens["access_token"], httpx_client=http)
        assert api.users.get("auth0|carol").email == "carol@example.com"
        api.users.delete("auth0|carol")
        auth0_tenant.clock.advance(121)
        with pytest.raises(Exception, match="401"):
            api.users.get("auth0|carol")


def test_reset_between_tests(auth0_tenant):
    DOMAINS.add(auth0_tenant.domain)
    assert len(DOMAINS) == 1
    token = auth0_tenant.m2m_token()
    with httpx.Client(verify=auth0_tenant.verify) as client:
        reply = client.get(auth0_tenant.base_url + "/api/v2/users/auth0%7Ccarol",
                           headers={"authorization": "Bearer " + token})
    assert reply.status_code == 200


def test_faults(auth0_tenant):
    auth0_tenant.faults.inject("POST /oauth/token=503")
    with pytest.raises(Exception, match="503"):
        GetToken(auth0_tenant.domain, auth0_tenant.m2m_client_id,
                 client_secret=auth0_tenant.m2m_client_secret).client_credentials(
                     auth0_tenant.management_audience)
"""


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in ``project`` (its own ini file, so not this repository's).

    Installed plugins are not auto-loaded (faster, and nothing but the conftest's opt-in).
    """
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _project(folder: Path, ini: str) -> Path:
    """A small app project: an ini file, a conftest enabling the plugin, a users file, its tests."""
    (folder / "pytest.ini").write_text(textwrap.dedent(ini))
    (folder / "conftest.py").write_text(CONFTEST)
    users = [{"user_id": "auth0|carol", "email": "carol@example.com", "password": "correct-horse-carol"}]
    (folder / "data").mkdir()
    (folder / "data" / "users.json").write_text(json.dumps(users))
    (folder / "test_app.py").write_text(APP_TESTS)
    return folder


def test_plugin_serves_a_tenant_that_auth0_python_uses(tmp_path: Path) -> None:
    """conftest opt-in; ini users file (from the ini's folder) and args, --auth0-emulator-tenant; SDK, clock, reset, faults."""
    project = _project(
        tmp_path,
        """\
        [pytest]
        auth0_emulator_users = data/users.json
        auth0_emulator_args = --token-ttl 120
        """,
    )
    done = _run(project / "data", f"--auth0-emulator-tenant={EXAMPLE_TENANT}", "..")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


def test_bad_settings_are_one_clear_error(tmp_path: Path) -> None:
    """An option the plugin chooses is a usage error; a missing users file fails the fixture in one line (-p form)."""
    project = _project(tmp_path, "[pytest]\nauth0_emulator_args = --port 8080\n")
    (project / "test_app.py").write_text("def test_one(auth0_tenant):\n    assert auth0_tenant.domain\n")
    done = _run(project)
    assert done.returncode == 4  # pytest's usage error
    assert "auth0_emulator_args: --port is chosen by the plugin; remove it" in done.stderr
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "conftest.py").unlink()  # enabled with -p instead
    done = _run(project, "-p", "auth0link.emulator.pytest_plugin", "--auth0-emulator-users=missing.json")
    assert done.returncode == 1
    assert "the Auth0 emulator did not start:" in done.stdout
    assert "missing.json" in done.stdout
    assert "Traceback" not in done.stdout
