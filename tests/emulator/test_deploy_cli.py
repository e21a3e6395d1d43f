"""Auth0's deploy CLI (npm ``auth0-deploy-cli``, pinned, installed at test time) against a default emulator.

``a0deploy export`` reads every resource type through the Management API with the demo M2M
client and aborts on the first answer it does not expect; the export then loads back with
``--tenant`` without duplicating clients. The deploy CLI paces itself at 8 requests a second
(its own limit), so one export takes about 10 s: it runs once for the module.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.emulator import start_emulator
from tests.support.npm import npm_package

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEPLOY_CLI = "8.44.0"


def a0deploy(emu: RunningEmulator, folder: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """``a0deploy export --format yaml`` of ``emu`` into ``folder`` with the demo M2M client."""
    binary = npm_package("auth0-deploy-cli", DEPLOY_CLI) / ".bin" / "a0deploy"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "NODE_EXTRA_CA_CERTS": str(emu.ca_bundle),
        "AUTH0_DOMAIN": emu.domain,
        "AUTH0_CLIENT_ID": emu.m2m_client_id,
        "AUTH0_CLIENT_SECRET": emu.m2m_client_secret,
    }
    command = [str(binary), "export", "--format", "yaml", "--output_folder", str(folder)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.CompletedProcess[str], Path, Any]]:
    """One default export: (the run, the tenant.yaml, the emulator's client list)."""
    folder = tmp_path_factory.mktemp("export")
    with start_emulator() as emu:
        done = a0deploy(emu, folder, tmp_path_factory.mktemp("home"))
        yield done, folder / "tenant.yaml", emu.info["clients"]


def test_a_default_export_completes(exported: tuple[subprocess.CompletedProcess[str], Path, Any]) -> None:
    """a0deploy export exits 0 with "Export Successful" and no type skipped for a 404."""
    done, path, _ = exported
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Export Successful" in done.stdout
    assert "Status code: 404" not in done.stdout + done.stderr
    assert path.is_file()


def test_the_export_holds_the_account_linking_tenant(
    exported: tuple[subprocess.CompletedProcess[str], Path, Any],
) -> None:
    """The YAML has the demo clients, the database, the social connections and the tenant settings."""
    import yaml

    _, path, clients = exported
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert sorted(c["name"] for c in data["clients"]) == sorted(c["name"] for c in clients)
    assert all("client_id" not in c for c in data["clients"])
    assert [d["name"] for d in data["databases"]] == ["Username-Password-Authentication"]
    assert {"google-oauth2", "github"} <= {c["name"] for c in data["connections"]}
    assert "default_directory" not in data["tenant"]  # a fresh tenant has none, as on Auth0
    assert "rules" not in data  # deprecated on a fresh tenant: skipped
    assert data["logStreams"] == []
    assert data["customDomains"] == []


def test_the_export_loads_back_without_duplicating_clients(
    exported: tuple[subprocess.CompletedProcess[str], Path, Any],
) -> None:
    """--tenant with the exported YAML: the same clients, same IDs (matched by name), nothing added."""
    _, path, clients = exported
    with start_emulator("--tenant", str(path)) as emu:
        assert sorted((c["client_id"], c["name"]) for c in emu.info["clients"]) == sorted(
            (c["client_id"], c["name"]) for c in clients
        )
