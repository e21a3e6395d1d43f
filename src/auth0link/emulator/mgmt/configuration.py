"""Management API reads of the tenant's configuration (and a fresh tenant's answers for the rest).

One client or connection, client grants, resource servers, tenant settings here; everything else
a deploy tool reads in :mod:`.fresh_tenant`.

==========================================  ===========================  =========================
``GET /clients/{id}``                       ``read:clients``,            404 ``inexistent_client``
                                            ``read:client_keys``
``GET /connections/{id}``                   ``read:connections``         404 ``inexistent_connection``
``GET /client-grants``                      ``read:client_grants``       ``client_id``/``audience``
                                                                         filters; checkpoint paging
``GET /resource-servers[/{id}]``            ``read:resource_servers``    404 ``inexistent_resource_server``
``GET /tenants/settings``                   ``read:tenant_settings``
==========================================  ===========================  =========================

:data:`.api.ROUTES` finds a handler before the token is checked (an unknown path is 404 whatever
the token); the scope is checked next (403 ``insufficient_scope``), as on Auth0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..state.model import ManagementError
from . import admin, listing
from .checks import require
from .user_search import project

if TYPE_CHECKING:
    from ..state.tenant import Tenant

Query = dict[str, list[str]]


def _wanted(query: Query, name: str) -> set[str]:
    return {v.strip() for raw in query.get(name, []) for v in raw.split(",") if v.strip()}


def get_client(tenant: Tenant, claims: dict[str, Any], parts: list[str], query: Query) -> tuple[int, Any]:
    """``GET /clients/{id}`` (the secret only with ``read:client_keys``)."""
    require(claims, ("read:clients", "read:client_keys"), (), None)
    client = tenant.clients.get(parts[1])
    if client is None:
        raise ManagementError(404, "The client does not exist", "inexistent_client")
    keys = "read:client_keys" in str(claims.get("scope", "")).split()
    body = {"tenant": admin.tenant_name(tenant.base_url), **client.to_json(with_secret=keys)}
    return 200, project(body, query, ("tenant",))


def get_connection(tenant: Tenant, claims: dict[str, Any], parts: list[str], query: Query) -> tuple[int, Any]:
    """``GET /connections/{id}``."""
    require(claims, ("read:connections",), (), None)
    conn = next((c for c in tenant.connections.values() if c.id == parts[1]), None)
    if conn is None:
        raise ManagementError(404, "The connection does not exist", "inexistent_connection")
    return 200, project(conn.to_json(), query, ("is_domain_connection",))


def connection_clients(
    tenant: Tenant, claims: dict[str, Any], parts: list[str], query: Query
) -> tuple[int, Any]:
    """``GET /connections/{id}/clients``: the clients it is enabled for (checkpoint paging)."""
    require(claims, ("read:connections",), (), None)
    conn = next((c for c in tenant.connections.values() if c.id == parts[1]), None)
    if conn is None:
        raise ManagementError(404, "The connection does not exist", "inexistent_connection")
    items = [{"client_id": client_id, "id": client_id} for client_id in sorted(conn.enabled_clients)]
    body = listing.page(items, {**query, "take": query.get("take", ["50"])}, "clients", checkpoint=True)
    body["clients"] = [{"client_id": item["client_id"]} for item in body["clients"]]
    return 200, body


def list_client_grants(
    tenant: Tenant, claims: dict[str, Any], _parts: list[str], query: Query
) -> tuple[int, Any]:
    """``GET /client-grants?client_id=&audience=`` (page or checkpoint paging)."""
    require(claims, ("read:client_grants",), (), None)
    clients, audiences = _wanted(query, "client_id"), _wanted(query, "audience")
    items = [
        grant.to_json()
        for grant in tenant.config.grants(tenant.clients)
        if (not clients or grant.client_id in clients) and (not audiences or grant.audience in audiences)
    ]
    return 200, listing.page(items, query, "client_grants", checkpoint=True)


def list_resource_servers(
    tenant: Tenant, claims: dict[str, Any], _parts: list[str], query: Query
) -> tuple[int, Any]:
    """``GET /resource-servers`` (``identifiers`` filter, page paging)."""
    require(claims, ("read:resource_servers",), (), None)
    wanted = _wanted(query, "identifiers")
    items = [rs.to_json() for rs in tenant.config.resource_servers if not wanted or rs.identifier in wanted]
    return 200, listing.page(items, query, "resource_servers")


def get_resource_server(
    tenant: Tenant, claims: dict[str, Any], parts: list[str], query: Query
) -> tuple[int, Any]:
    """``GET /resource-servers/{id or identifier}``."""
    require(claims, ("read:resource_servers",), (), None)
    found = tenant.config.resource_server(parts[1])
    if found is None:
        raise ManagementError(404, "Resource server not found", "inexistent_resource_server")
    return 200, project(found.to_json(), query)


def tenant_settings(
    tenant: Tenant, claims: dict[str, Any], _parts: list[str], query: Query
) -> tuple[int, Any]:
    """``GET /tenants/settings``."""
    require(claims, ("read:tenant_settings",), (), None)
    return 200, project(dict(tenant.config.settings), query)
