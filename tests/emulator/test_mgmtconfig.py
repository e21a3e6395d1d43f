"""Management API reads of the configuration: one client/connection, grants, APIs, settings, a fresh tenant."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.emulator.state.persistence import build_tenant
from tests.emulator.conftest import BASE

if TYPE_CHECKING:
    from pathlib import Path

    from tests.emulator.conftest import Ctx


def test_get_client_by_id_is_the_listed_client(ctx: Ctx) -> None:
    """GET /clients/{id}: the client as listed, without client_secret (no read:client_keys)."""
    plain = ctx.api("GET", f"/clients/{demo.WEB_CLIENT_ID}", ctx.m2m_token())
    assert plain.status_code == 200
    assert plain.json()["name"] == "Regular web app (demo)"
    assert "client_secret" not in plain.json()
    listed = ctx.api("GET", "/clients", ctx.m2m_token()).json()
    assert plain.json() in listed


def test_unknown_client_and_connection_are_404_with_auth0s_codes(ctx: Ctx) -> None:
    """GET /clients/{id} and /connections/{id} of nothing: 404 inexistent_client / inexistent_connection."""
    token = ctx.m2m_token()
    client = ctx.api("GET", "/clients/nope", token).json()
    assert client == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The client does not exist",
        "errorCode": "inexistent_client",
    }
    conn = ctx.api("GET", "/connections/con_nope", token).json()
    assert (conn["statusCode"], conn["errorCode"]) == (404, "inexistent_connection")


def test_get_connection_by_id_and_its_enabled_clients(ctx: Ctx) -> None:
    """GET /connections/{id} is the listed connection; /connections/{id}/clients pages its clients."""
    token = ctx.m2m_token()
    listed = ctx.api("GET", "/connections?strategy=auth0", token).json()[0]
    one = ctx.api("GET", f"/connections/{listed['id']}", token)
    assert one.json() == listed
    clients = ctx.api("GET", f"/connections/{listed['id']}/clients?take=2", token).json()
    assert len(clients["clients"]) == 2
    assert set(clients["clients"][0]) == {"client_id"}
    rest = ctx.api("GET", f"/connections/{listed['id']}/clients?take=2&from={clients['next']}", token).json()
    ids = {c["client_id"] for c in clients["clients"] + rest["clients"]}
    assert ids == set(listed["enabled_clients"])
    assert "next" not in rest


def test_connections_page_by_checkpoint(ctx: Ctx) -> None:
    """GET /connections?take=2 → {connections, next}; following next reaches every connection once."""
    token = ctx.m2m_token()
    seen: list[str] = []
    query = "take=2"
    while True:
        body = ctx.api("GET", f"/connections?{query}", token).json()
        seen += [c["name"] for c in body["connections"]]
        if "next" not in body:
            break
        query = f"take=2&from={body['next']}"
    assert sorted(seen) == sorted(c["name"] for c in ctx.api("GET", "/connections", token).json())
    assert len(seen) == len(set(seen)) == 5


def test_client_grants_list_the_m2m_grant_to_the_management_api(ctx: Ctx) -> None:
    """GET /client-grants: the M2M client's grant (cgr_ ID, audience BASE/api/v2/, its scopes)."""
    reply = ctx.api("GET", f"/client-grants?client_id={demo.M2M_CLIENT_ID}", ctx.m2m_token())
    [grant] = reply.json()
    assert grant["id"].startswith("cgr_")
    assert grant["audience"] == BASE + "/api/v2/"
    assert grant["scope"] == list(demo.M2M_SCOPES)
    totals = ctx.api("GET", "/client-grants?include_totals=true&per_page=1", ctx.m2m_token()).json()
    assert set(totals) == {"start", "limit", "total", "client_grants"}


def test_resource_servers_and_tenant_settings(ctx: Ctx) -> None:
    """The Management API is a system resource server; tenant settings name the default directory."""
    token = ctx.m2m_token()
    [api] = ctx.api("GET", "/resource-servers", token).json()
    assert (api["name"], api["identifier"], api["is_system"]) == (
        "Auth0 Management API",
        BASE + "/api/v2/",
        True,
    )
    assert ctx.api("GET", f"/resource-servers/{api['id']}", token).json() == api
    missing = ctx.api("GET", "/resource-servers/nope", token)
    assert missing.status_code == 404
    assert "default_directory" not in ctx.api("GET", "/tenants/settings", token).json()  # a fresh tenant's
    ctx.tenant.config.default_directory = demo.DATABASE
    settings = ctx.api("GET", "/tenants/settings", token).json()
    assert settings["default_directory"] == demo.DATABASE


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/client-grants", "read:client_grants"),
        ("/tenants/settings", "read:tenant_settings"),
        ("/rules", "read:rules"),
        ("/attack-protection/brute-force-protection", "read:attack_protection"),
        ("/branding/phone/providers", "read:phone_providers"),
    ],
)
def test_a_token_without_the_scope_gets_auth0s_403(ctx: Ctx, path: str, scope: str) -> None:
    """Every configuration read names its scope: 403 "Insufficient scope, expected any of: …"."""
    body = ctx.api("GET", path, ctx.m2m_token("read:users")).json()
    assert body["statusCode"] == 403
    assert body["message"] == f"Insufficient scope, expected any of: {scope}"
    assert body["errorCode"] == "insufficient_scope"


def test_a_fresh_tenant_answers_what_it_does_not_use(ctx: Ctx) -> None:
    """Rules/hooks are deprecated (403), lists are empty, an unset email provider is 404."""
    token = ctx.m2m_token()
    rules = ctx.api("GET", "/rules", token)
    assert (rules.status_code, rules.json()["message"]) == (
        403,
        "Insufficient privileges to use this deprecated feature",
    )
    assert ctx.api("GET", "/log-streams", token).json() == []
    assert ctx.api("GET", "/roles?include_totals=true", token).json() == {
        "start": 0,
        "limit": 50,
        "total": 0,
        "roles": [],
    }
    assert ctx.api("GET", "/organizations?take=10", token).json() == {"organizations": []}
    assert ctx.api("GET", "/branding/phone/providers", token).json() == {"providers": []}
    assert ctx.api("GET", "/emails/provider", token).status_code == 404
    assert ctx.api("GET", "/no-such-thing", token).status_code == 404


def test_deploy_cli_yaml_updates_clients_by_name_settings_and_apis(tmp_path: Path) -> None:
    """--tenant with deploy-cli's export: clients matched by name keep ID and secret; tenant and APIs load."""
    path = tmp_path / "tenant.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            tenant:
              friendly_name: Rehearsal
              flags: {enable_sso: false}
            clients:
              - name: Regular web app (demo)
                app_type: regular_web
                callbacks: [http://localhost:4000/callback]
            resourceServers:
              - name: Orders API
                identifier: https://orders.example.com/
                scopes: [{value: read:orders, description: Read orders}]
                token_lifetime: 600
            clientGrants:
              - client_id: Regular web app (demo)
                audience: https://orders.example.com/
                scope: [read:orders]
            """
        ),
        encoding="utf-8",
    )
    tenant = build_tenant(BASE, tenant_file=path)
    assert len(tenant.clients) == 4
    web = tenant.clients[demo.WEB_CLIENT_ID]
    assert (web.client_secret, web.callbacks) == (demo.WEB_CLIENT_SECRET, ("http://localhost:4000/callback",))
    assert tenant.config.settings["friendly_name"] == "Rehearsal"
    assert tenant.config.settings["flags"]["enable_sso"] is False
    assert tenant.config.settings["flags"]["universal_login"] is True
    orders = tenant.config.resource_server("https://orders.example.com/")
    assert orders is not None
    assert orders.to_json()["token_lifetime"] == 600
    grants = {(g.client_id, g.audience) for g in tenant.config.grants(tenant.clients)}
    assert (demo.WEB_CLIENT_ID, "https://orders.example.com/") in grants


def test_checkpoint_and_page_numbers_are_validated(ctx: Ctx) -> None:
    """take=0 and per_page=101 are 400 invalid_query_string naming the property."""
    token = ctx.m2m_token()
    take = ctx.api("GET", "/connections?take=0", token).json()
    assert (take["statusCode"], take["errorCode"]) == (400, "invalid_query_string")
    assert take["message"] == "Query validation error: 'Value 0 is less than minimum 1' on property take."
    per_page = ctx.api("GET", "/client-grants?per_page=101", token).json()
    assert "greater than maximum 100" in per_page["message"]
