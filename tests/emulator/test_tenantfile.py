"""--tenant FILE: auth0-deploy-cli tenant YAML adds clients, connections and client grants."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.command import main
from auth0link.emulator.server.options import EmulatorOptions
from auth0link.emulator.server.serve import EmulatorThread, banner
from auth0link.emulator.state import demo
from auth0link.emulator.state.persistence import build_tenant
from auth0link.emulator.web.app import create_app
from tests.emulator.conftest import BASE, claims, csrf_field, new_client, pkce, query_of

if TYPE_CHECKING:
    import httpx

    from auth0link.emulator.state.tenant import Tenant

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tenant.yaml"
VITE = "http://localhost:5173"


@pytest.fixture
def example() -> Tenant:
    """A tenant built from examples/tenant.yaml."""
    return build_tenant(BASE, tenant_file=EXAMPLE)


def write(tmp_path: Path, text: str) -> Path:
    """A tenant file with ``text``."""
    path = tmp_path / "tenant.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_example_file_adds_clients_with_fixed_and_derived_ids(example: Tenant) -> None:
    """The example's SPA, web app and M2M join the demo clients; IDs fixed or derived from names."""
    spa = example.clients["viteSpaClientId00000000000000001"]
    assert (spa.app_type, spa.public, spa.web_origins) == ("spa", True, (VITE,))
    web = example.clients["expressWebAppClientId0000000001"]
    assert web.client_secret == "express-web-app-local-secret-only-for-the-emulator"
    job = next(c for c in example.clients.values() if c.name == "Nightly sync job")
    assert len(job.client_id) == 32
    assert job.client_secret is not None
    assert len(job.client_secret) == 64
    assert job.scopes == ("read:users", "read:clients", "read:connections")
    again = build_tenant(BASE, tenant_file=EXAMPLE)
    assert again.clients[job.client_id].client_secret == job.client_secret
    assert demo.NATIVE_CLIENT_ID in example.clients


def test_example_file_connections_are_added_or_merged(example: Tenant) -> None:
    """A new database gets its policy; enabling clients on a demo connection keeps the demo's."""
    customers = example.connections["Customers"]
    assert (customers.strategy, customers.options, customers.id.startswith("con_")) == (
        "auth0",
        {"passwordPolicy": "fair"},
        True,
    )
    assert customers.enabled_clients == {
        "viteSpaClientId00000000000000001",
        "expressWebAppClientId0000000001",
    }
    google = example.connections["google-oauth2"]
    assert {"viteSpaClientId00000000000000001", demo.NATIVE_CLIENT_ID} <= google.enabled_clients
    assert "expressWebAppClientId0000000001" not in google.enabled_clients


def authorize_url(client_id: str, **params: str) -> str:
    """An /authorize URL of a tenant-file SPA at the Vite dev server."""
    query = {
        "client_id": client_id,
        "redirect_uri": VITE,
        "response_type": "code",
        "scope": "openid",
        "code_challenge": pkce("v" * 43),
        "code_challenge_method": "S256",
        **params,
    }
    return BASE + "/authorize?" + urlencode(query)


def test_a_file_client_logs_in_and_calls_cors_from_its_origin(example: Tenant) -> None:
    """The file's SPA logs in at its own callback, to its own database, and passes CORS."""
    client = new_client(create_app(example))
    token = client.post(
        "/api/v2/users",
        json={"connection": "Customers", "email": "zoe@example.com", "password": "Zoe12345"},
        headers={"authorization": "Bearer " + m2m(client)},
    )
    assert token.status_code == 201, token.text
    first = client.get(authorize_url("viteSpaClientId00000000000000001"))
    page = client.get(first.headers["location"])
    assert "Continue with google-oauth2" in page.text
    assert "Continue with github" not in page.text
    state = page.text.split('name="state" value="')[1].split('"')[0]
    answer = client.post(
        "/u/login",
        data={"state": state, "username": "zoe@example.com", "password": "Zoe12345", **csrf_field(client)},
    )
    code = query_of(answer.headers["location"])["code"]
    tokens = client.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": "viteSpaClientId00000000000000001",
            "code": code,
            "code_verifier": "v" * 43,
            "redirect_uri": VITE,
        },
        headers={"origin": VITE},
    )
    assert tokens.headers["access-control-allow-origin"] == VITE
    assert claims(tokens.json()["id_token"])["sub"] == token.json()["user_id"]
    client.close()


def m2m(client: httpx.Client) -> str:
    """A client-credentials token of the demo M2M client."""
    reply = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.M2M_CLIENT_ID,
            "client_secret": demo.M2M_CLIENT_SECRET,
            "audience": BASE + "/api/v2/",
        },
    )
    return str(reply.json()["access_token"])


def test_web_origin_with_a_trailing_slash_does_not_match(tmp_path: Path) -> None:
    """Allowed Web Origins are compared exactly: "http://localhost:5173/" refuses web_message."""
    path = write(
        tmp_path,
        """\
        clients:
          - name: Slashy
            app_type: spa
            callbacks: [http://localhost:5173]
            web_origins: [http://localhost:5173/]
        """,
    )
    tenant = build_tenant(BASE, tenant_file=path)
    client = new_client(create_app(tenant))
    slashy = next(c for c in tenant.clients.values() if c.name == "Slashy")
    reply = client.get(authorize_url(slashy.client_id, response_mode="web_message"))
    assert reply.status_code == 400
    assert "does not have a registered origin" in reply.text
    client.close()


def test_the_tenant_level_allowed_logout_urls_come_from_the_file(tmp_path: Path) -> None:
    """`tenant: {allowed_logout_urls}` is where a logout naming no client may return, and nowhere else."""
    path = write(tmp_path, "tenant:\n  allowed_logout_urls: [http://localhost:5173/signed-out]\n")
    client = new_client(create_app(build_tenant(BASE, tenant_file=path)))
    listed = client.get("/v2/logout", params={"returnTo": "http://localhost:5173/signed-out"})
    assert (listed.status_code, listed.headers["location"]) == (302, "http://localhost:5173/signed-out")
    assert client.get("/v2/logout", params={"returnTo": "http://localhost:5173/"}).status_code == 400
    client.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("clients: [{app_type: spa}]", "clients[0]: each client needs a name"),
        ("clients: [{name: X, app_type: desktop}]", "clients[0] (X): app_type must be one of"),
        (
            "clients: [{name: X, app_type: spa, grant_types: [client_credentials]}]",
            "needs a confidential client",
        ),
        ("connections: [{name: c, strategy: github, enabled_clients: [Nobody]}]", "unknown client 'Nobody'"),
        (
            "connections: [{name: github, strategy: auth0}]",
            "strategy 'auth0' differs from the existing 'github'",
        ),
        ("connections: [{name: x}]", "a strategy is needed"),
        (
            "clientGrants: [{client_id: Nobody, audience: x, scope: []}]",
            "clientGrants[0]: client_id must name a client",
        ),
        ("- just a list", "the file must be a YAML mapping"),
        ("clients: {name: X}", "clients must be a list"),
        ("clients: [{name: X, callbacks: http://x}]", "callbacks must be a list of strings"),
    ],
)
def test_bad_tenant_files_are_one_error_line(tmp_path: Path, text: str, message: str) -> None:
    """Each problem names the entry and the fix, as an EmulatorError."""
    with pytest.raises(EmulatorError, match="fix the entry") as caught:
        build_tenant(BASE, tenant_file=write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_or_invalid_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file or broken YAML: one error: line and exit 2, nothing on stdout."""
    assert main(["--tenant", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read the tenant file" in capsys.readouterr().err
    broken = write(tmp_path, "clients: [unclosed\n")
    assert main(["--tenant", str(broken)]) == 2
    out, err = capsys.readouterr()
    assert (out, err.count("\n"), "is not valid YAML" in err) == ("", 1, True)


def test_unknown_keys_of_a_deploy_cli_export_are_ignored(tmp_path: Path) -> None:
    """tenant:, resourceServers:, rules: and unknown client fields do not stop the load."""
    path = write(
        tmp_path,
        """\
        tenant: {friendly_name: Acme}
        resourceServers: [{name: API, identifier: https://api.acme}]
        clients:
          - name: Full export
            app_type: spa
            jwt_configuration: {alg: RS256}
            oidc_conformant: true
            callbacks: [http://localhost:4200]
        """,
    )
    tenant = build_tenant(BASE, tenant_file=path)
    client = next(c for c in tenant.clients.values() if c.name == "Full export")
    assert client.callbacks == ("http://localhost:4200",)
    # Not named by any connection of the file: enabled on the demo connections.
    assert all(client.client_id in conn.enabled_clients for conn in tenant.connections.values())


def test_json_line_lists_every_client() -> None:
    """--json names the demo SPA and web clients and every client of the file (with secrets)."""
    with EmulatorThread(EmulatorOptions(access_log=False, tenant_file=EXAMPLE)) as thread:
        line = json.loads(banner(thread.emulator, as_json=True))
    assert (line["spa_client_id"], line["web_client_id"]) == (demo.SPA_CLIENT_ID, demo.WEB_CLIENT_ID)
    assert line["web_client_secret"] == demo.WEB_CLIENT_SECRET
    names = {c["name"]: c for c in line["clients"]}
    assert names["Express web app"]["client_secret"] == "express-web-app-local-secret-only-for-the-emulator"
    assert "client_secret" not in names["Vite SPA"]


def test_missing_pyyaml_is_one_line_with_the_pip_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PyYAML (an emulator extra), --tenant says how to install it."""
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(EmulatorError, match=r"--tenant needs PyYAML; pip install 'auth0link\[emulator\]'"):
        build_tenant(BASE, tenant_file=EXAMPLE)
