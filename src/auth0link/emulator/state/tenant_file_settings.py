"""``--tenant FILE``'s ``tenant:`` and ``resourceServers:`` sections (deploy-cli's keys).

``tenant:`` updates the tenant settings key by key (``flags`` merged); ``resourceServers:`` adds
APIs, or updates the one with the same ``identifier`` (the Management API keeps its name and
``is_system``). Problems raise :class:`ValueError` naming the entry; :mod:`.tenant_file` turns
them into its one-line error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .tenant_config import ResourceServer, stable_id

if TYPE_CHECKING:
    from .tenant_config import TenantConfig

_RS_KEYS: Final = frozenset(("name", "identifier", "scopes", "id", "is_system"))


def apply_settings(config: TenantConfig, settings: Any) -> None:
    """Merge ``tenant:`` into the tenant settings."""
    if settings is None:
        return
    if not isinstance(settings, dict):
        raise ValueError("tenant must be a mapping of tenant settings")  # noqa: TRY004 - one error type for the file
    flags = settings.get("flags")
    if flags is not None and not isinstance(flags, dict):
        raise ValueError("tenant: flags must be a mapping")
    for key, value in settings.items():
        if key == "flags":
            config.settings["flags"] = {**config.settings.get("flags", {}), **value}
        else:
            config.settings[key] = value


def _scopes(entry: dict[str, Any], where: str) -> list[dict[str, str]]:
    scopes = entry.get("scopes") or []
    if not isinstance(scopes, list) or not all(
        isinstance(s, dict) and isinstance(s.get("value"), str) for s in scopes
    ):
        raise ValueError(f"{where}: scopes must be a list of {{value, description}}")
    return [{"value": s["value"], "description": str(s.get("description", ""))} for s in scopes]


def apply_resource_servers(config: TenantConfig, entries: list[Any]) -> None:
    """Add or update the APIs of ``resourceServers:``."""
    for i, entry in enumerate(entries):
        where = f"resourceServers[{i}]"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("identifier"), str)
            or not entry["identifier"]
        ):
            raise ValueError(f"{where}: each resource server needs an identifier")
        identifier = entry["identifier"]
        settings = {k: v for k, v in entry.items() if k not in _RS_KEYS}
        existing = config.resource_server(identifier)
        if existing is not None:
            if not existing.is_system:
                existing.name = str(entry.get("name") or existing.name)
                existing.scopes = _scopes(entry, where) if "scopes" in entry else existing.scopes
            existing.settings.update(settings)
            continue
        config.resource_servers.append(
            ResourceServer(
                identifier=identifier,
                name=str(entry.get("name") or identifier),
                id=stable_id("", identifier, length=24).lower(),
                scopes=_scopes(entry, where),
                settings=settings,
            )
        )
