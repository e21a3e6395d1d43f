"""``--tenant FILE``: clients, connections and client grants from auth0-deploy-cli's tenant YAML.

The keys are deploy-cli's (``auth0 export --format yaml`` writes them), so one file can describe
both the real tenant and the local one::

    clients:
      - name: My SPA
        app_type: spa                      # native | spa | regular_web | non_interactive
        callbacks: [http://localhost:5173]
        allowed_logout_urls: [http://localhost:5173]
        web_origins: [http://localhost:5173]
        allowed_origins: [http://localhost:5173]
        grant_types: [authorization_code, refresh_token]
        token_endpoint_auth_method: none
        auth0link_emulator:                # emulator extension (Auth0 assigns these itself)
          client_id: mySpaClientId0000000000000000001
    databases:                             # database connections (strategy auth0)
      - name: Username-Password-Authentication
        enabled_clients: [My SPA]          # client names (deploy-cli) or client IDs
        options: {passwordPolicy: good}
    connections:                           # the others: google-oauth2, github, email, sms, …
      - name: google-oauth2
        strategy: google-oauth2
        enabled_clients: [My SPA]
    clientGrants:                          # Management API scopes for client_credentials
      - client_id: My M2M
        audience: https://##AUTH0_DOMAIN##/api/v2/
        scope: [read:users]
    tenant:                                # tenant settings (default_directory, friendly_name, …)
      default_directory: Username-Password-Authentication  # the password grant's, without realm
    resourceServers:                       # APIs: name, identifier, scopes, token_lifetime, …
      - name: My API
        identifier: https://api.example.com/

Everything else in the file (``pages``, ``prompts``, unknown client fields, …) is ignored, so
the output of ``a0deploy export --format yaml`` loads as it is. The file adds to the demo tenant:
a connection with a demo connection's name updates it (its ``enabled_clients`` are added), a
client with a demo client's ID, or without an ID and with a client's name (deploy-cli writes
clients without their IDs), replaces it and keeps its ID and secret. Otherwise, without
``auth0link_emulator.client_id`` (or a plain ``client_id``) the ID is derived from the name, so
it is the same on every start; a confidential client without a secret gets one the same way. A
client that no connection of the file enables is enabled on the demo connections, as a new
application is in the Dashboard. Defaults per ``app_type`` follow the Management API's.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any, Final

from .. import EmulatorError
from . import tenant_file_settings
from .applications import DATABASE_STRATEGY, INTERACTIVE_TYPES, Client, Connection
from .tenant_config import ClientGrant

if TYPE_CHECKING:
    from pathlib import Path

    from .tenant import Tenant

EXTENSION: Final = "auth0link_emulator"
_DEFAULT_GRANTS: Final = {
    "native": ("authorization_code", "implicit", "refresh_token"),
    "spa": ("authorization_code", "implicit", "refresh_token"),
    "regular_web": ("authorization_code", "implicit", "refresh_token", "client_credentials"),
    "non_interactive": ("client_credentials",),
}
_URL_LISTS: Final = ("callbacks", "allowed_logout_urls", "web_origins", "allowed_origins")


class TenantFileError(ValueError):
    """One problem in the file (the message names the entry)."""


def _digest(kind: str, name: str, length: int) -> str:
    raw = hashlib.sha256(f"auth0link-emulator:{kind}:{name}".encode()).digest()
    text = base64.b64encode(raw * 2, altchars=b"Az").decode("ascii").replace("=", "")
    return text[:length]


def _strings(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TenantFileError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _client(entry: Any, where: str, by_name: dict[str, Client]) -> Client:
    """A :class:`Client` from one ``clients:`` entry (``by_name``: the tenant's clients so far)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        raise TenantFileError(f"{where}: each client needs a name")
    name = entry["name"]
    where = f"{where} ({name})"
    app_type = entry.get("app_type") or "regular_web"
    if app_type not in _DEFAULT_GRANTS:
        raise TenantFileError(f"{where}: app_type must be one of {', '.join(_DEFAULT_GRANTS)}")
    extension = entry.get(EXTENSION) or {}
    if not isinstance(extension, dict):
        raise TenantFileError(f"{where}: {EXTENSION} must be a mapping (client_id, client_secret)")
    public = app_type in ("native", "spa")
    method = entry.get("token_endpoint_auth_method") or ("none" if public else "client_secret_post")
    if method not in ("none", "client_secret_post", "client_secret_basic"):
        raise TenantFileError(f"{where}: token_endpoint_auth_method {method!r} is not supported here")
    grants = _strings(entry, "grant_types", where) or _DEFAULT_GRANTS[app_type]
    if method == "none" and "client_credentials" in grants:
        raise TenantFileError(f"{where}: client_credentials needs a confidential client (a secret)")
    secret = extension.get("client_secret") or entry.get("client_secret")
    client_id = extension.get("client_id") or entry.get("client_id")
    same_name = by_name.get(name)
    if client_id is None and same_name is not None:
        # deploy-cli writes clients without their IDs: the client of that name is updated.
        client_id = same_name.client_id
        secret = secret or same_name.client_secret
    return Client(
        client_id=str(client_id or _digest("client", name, 32)),
        name=name,
        app_type=app_type,
        grant_types=grants,
        client_secret=None if method == "none" else str(secret or _digest("secret", name, 64)),
        token_endpoint_auth_method=method,
        skip_non_verifiable_callback_uri_confirmation_prompt=bool(
            entry.get("skip_non_verifiable_callback_uri_confirmation_prompt")
        ),
        cross_origin_authentication=bool(
            entry.get("cross_origin_authentication", entry.get("cross_origin_auth", False))
        ),
        cross_origin_loc=str(entry["cross_origin_loc"]) if entry.get("cross_origin_loc") else None,
        **{key: _strings(entry, key, where) for key in _URL_LISTS},
    )


def _connection(entry: Any, where: str, default_strategy: str | None, ids: dict[str, str]) -> Connection:
    """A :class:`Connection` from a ``databases:``/``connections:`` entry (``ids``: name → ID)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        raise TenantFileError(f"{where}: each connection needs a name")
    where = f"{where} ({entry['name']})"
    strategy = entry.get("strategy") or default_strategy
    if not isinstance(strategy, str) or not strategy:
        raise TenantFileError(f"{where}: a strategy is needed (auth0, google-oauth2, email, sms, …)")
    enabled = set()
    for ref in _strings(entry, "enabled_clients", where):
        if ref not in ids:
            raise TenantFileError(f"{where}: enabled_clients names an unknown client {ref!r}")
        enabled.add(ids[ref])
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise TenantFileError(f"{where}: options must be a mapping")
    extension = entry.get(EXTENSION) or {}
    conn_id = str(extension.get("id") if isinstance(extension, dict) and extension.get("id") else "")
    return Connection(
        entry["name"],
        strategy,
        conn_id or "con_" + _digest("connection", entry["name"], 16),
        enabled,
        options,
    )


def _section(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise TenantFileError(f"{key} must be a list")
    return value


def apply(tenant: Tenant, data: Any) -> None:
    """Add the file's clients, connections and client grants to ``tenant``."""
    if not isinstance(data, dict):
        raise TenantFileError("the file must be a YAML mapping (clients:, connections:, …)")
    demo_names = list(tenant.connections)
    by_name = {client.name: client for client in tenant.clients.values()}
    new_clients = [
        _client(entry, f"clients[{i}]", by_name) for i, entry in enumerate(_section(data, "clients"))
    ]
    tenant.clients.update({client.client_id: client for client in new_clients})
    ids = {c.name: c.client_id for c in tenant.clients.values()} | {c: c for c in tenant.clients}
    enabled_somewhere: set[str] = set()
    for key, strategy in (("databases", DATABASE_STRATEGY), ("connections", None)):
        for i, entry in enumerate(_section(data, key)):
            conn = _connection(entry, f"{key}[{i}]", strategy, ids)
            _merge_connection(tenant, conn, f"{key}[{i}] ({conn.name})")
            enabled_somewhere |= conn.enabled_clients
    for client in new_clients:
        if client.app_type in INTERACTIVE_TYPES and client.client_id not in enabled_somewhere:
            for name in demo_names:
                tenant.connections[name].enabled_clients.add(client.client_id)
    _apply_grants(tenant, _section(data, "clientGrants"), ids)
    tenant_file_settings.apply_settings(tenant.config, data.get("tenant"))
    _check_default_directory(tenant)
    tenant_file_settings.apply_resource_servers(tenant.config, _section(data, "resourceServers"))
    try:
        tenant.attempts.configure(data.get("attackProtection"))
    except ValueError as exc:
        raise TenantFileError(str(exc)) from exc


def _check_default_directory(tenant: Tenant) -> None:
    """``tenant.default_directory`` must name a database connection (the password grant's)."""
    directory = tenant.config.settings.get("default_directory")
    if directory in (None, ""):
        tenant.config.default_directory = None
        return
    conn = tenant.connections.get(directory) if isinstance(directory, str) else None
    if conn is None or not conn.is_database:
        raise TenantFileError(
            f"tenant.default_directory: {directory!r} is not a database connection of the file"
        )


def _merge_connection(tenant: Tenant, conn: Connection, where: str) -> None:
    existing = tenant.connections.get(conn.name)
    if existing is None:
        tenant.connections[conn.name] = conn
        return
    if existing.strategy != conn.strategy:
        raise TenantFileError(
            f"{where}: strategy {conn.strategy!r} differs from the existing {existing.strategy!r}"
        )
    existing.enabled_clients |= conn.enabled_clients
    existing.options.update(conn.options)


def _apply_grants(tenant: Tenant, grants: list[Any], ids: dict[str, str]) -> None:
    """``clientGrants`` for the Management API audience become the client's scopes."""
    for i, entry in enumerate(grants):
        where = f"clientGrants[{i}]"
        if not isinstance(entry, dict) or entry.get("client_id") not in ids:
            raise TenantFileError(f"{where}: client_id must name a client of the file or the demo tenant")
        scopes = _strings(entry, "scope", where)
        if not str(entry.get("audience", "")).endswith("/api/v2/"):
            grant = ClientGrant(ids[entry["client_id"]], str(entry["audience"]), scopes)
            others = tenant.config.other_grants
            others[:] = [g for g in others if (g.client_id, g.audience) != (grant.client_id, grant.audience)]
            others.append(grant)
            continue
        client = tenant.clients[ids[entry["client_id"]]]
        merged = (*client.scopes, *(s for s in scopes if s not in client.scopes))
        tenant.clients[client.client_id] = dataclasses.replace(client, scopes=merged)


MAX_NODES: Final = 100_000  # values after alias expansion: a real tenant file is far smaller


class _TooBig(Exception):
    """The document expands beyond :data:`MAX_NODES` (a "billion laughs" of aliases)."""


def _bounded_load(yaml: Any, text: str) -> Any:
    """``yaml.safe_load`` refusing a document whose aliases expand beyond :data:`MAX_NODES` values.

    PyYAML shares the object an alias names, so the parsed data stays small, but everything
    that walks it (JSON answers, copies) sees every expansion: a 412-byte file made 7.2 MB
    answers. The node graph is measured once per node (memoised), before anything is built.
    """

    class Loader(yaml.SafeLoader):  # type: ignore[misc] # PyYAML is untyped here
        def compose_document(self) -> Any:
            node = super().compose_document()
            _expanded(node, {}, set())
            return node

    return yaml.load(text, Loader=Loader)  # a SafeLoader subclass: no Python tags


def _expanded(node: Any, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` stands for with every alias written out (raises :class:`_TooBig`)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _TooBig("an alias refers to itself")
    open_nodes.add(key)
    value = node.value
    total = 1
    if isinstance(value, list):
        for item in value:
            children = item if isinstance(item, tuple) else (item,)
            total += sum(_expanded(child, sizes, open_nodes) for child in children)
            if total > MAX_NODES:
                raise _TooBig(f"over {MAX_NODES:,}")
    open_nodes.discard(key)
    sizes[key] = total
    return total


def read(path: Path) -> Any:
    """Parse the YAML file (PyYAML comes with the ``emulator`` extra)."""
    try:
        import yaml
    except ImportError as exc:
        raise EmulatorError("--tenant needs PyYAML; pip install 'auth0link[emulator]'") from exc
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EmulatorError(
            f"cannot read the tenant file {path}: {exc.strerror}; pass an existing YAML file"
        ) from exc
    try:
        return _bounded_load(yaml, text)
    except RecursionError:
        raise EmulatorError(f"the tenant file {path} is nested too deeply; fix it or drop --tenant") from None
    except _TooBig as exc:
        raise EmulatorError(
            f"the tenant file {path} expands to more than {MAX_NODES:,} values through YAML aliases "
            f"({exc}); write the values out or use fewer aliases"
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EmulatorError(
            f"the tenant file {path} is not valid YAML ({first}); fix it or drop --tenant"
        ) from exc


def load(tenant: Tenant, path: Path) -> None:
    """Read ``path`` and apply it to ``tenant``; one :class:`EmulatorError` line on any problem."""
    data = read(path)
    try:
        apply(tenant, data)
    except ValueError as exc:  # TenantFileError, or a section's own ValueError
        raise EmulatorError(f"the tenant file {path}: {exc}; fix the entry") from exc
