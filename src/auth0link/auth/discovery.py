"""OpenID Connect discovery and the provider's signing keys, both cached on disk.

* :func:`discover` reads ``<domain>/.well-known/openid-configuration`` into :class:`Endpoints`
  (all ``https://``; ``http://`` only when it and the issuer are loopback), caches it in
  ``<config dir>/cache/`` for :data:`DISCOVERY_TTL`, and falls back to Auth0's fixed paths when
  it cannot be fetched (a flaky discovery never blocks an Auth0 login; other providers work too).
* :class:`JwksCache` fetches the provider's signing keys (also cached on disk) and is refetched
  once when an ID token names a key id it has not seen (key rotation).

HTTP goes through :class:`~auth0link.client.Auth0Client`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from auth0link.errors import Auth0LinkError, ConfigurationError, Fix, IdTokenError, cmd

_CHECK_DOMAIN = Fix("check the tenant domain (", cmd("doctor"), ")")

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from auth0link.client import Auth0Client

DISCOVERY_TTL: Final = 24 * 3600.0
JWKS_TTL: Final = 24 * 3600.0


@dataclasses.dataclass(frozen=True)
class Endpoints:
    """Where a provider's OAuth/OIDC endpoints live (absolute URLs).

    ``source`` says where they came from: ``discovery``, ``cache`` or ``fallback`` (Auth0's fixed
    paths because discovery failed).
    """

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    device_authorization_endpoint: str | None
    userinfo_endpoint: str | None
    jwks_uri: str
    revocation_endpoint: str | None
    end_session_endpoint: str | None
    source: str = "discovery"

    @classmethod
    def auth0_defaults(cls, base_url: str) -> Endpoints:
        """Auth0's fixed paths for a tenant base URL (``https://tenant.auth0.com``)."""
        base = base_url.rstrip("/")
        return cls(
            issuer=base + "/",
            authorization_endpoint=base + "/authorize",
            token_endpoint=base + "/oauth/token",
            device_authorization_endpoint=base + "/oauth/device/code",
            userinfo_endpoint=base + "/userinfo",
            jwks_uri=base + "/.well-known/jwks.json",
            revocation_endpoint=base + "/oauth/revoke",
            end_session_endpoint=base + "/oidc/logout",
            source="fallback",
        )

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], *, base_url: str, source: str = "discovery") -> Endpoints:
        """Parse a discovery document; the issuer must be the domain we asked (OIDC Discovery §4.3)."""
        loopback_issuer = _loopback_http(doc.get("issuer"))

        def url(key: str, *, required: bool) -> str | None:
            value = doc.get(key)
            if isinstance(value, str) and value.startswith(("https://", "http://")):
                if value.startswith("http://") and not (loopback_issuer and _loopback_http(value)):
                    raise ConfigurationError(
                        f"The discovery document lists a plain http:// {key} ({value[:80]}).",
                        hint="the provider must publish https:// endpoints (http only for a loopback tenant)",
                    )
                return value
            if required:
                raise ConfigurationError(
                    f"The provider's discovery document has no valid {key!r}.",
                    hint=_CHECK_DOMAIN,
                )
            return None

        issuer = url("issuer", required=True)
        assert issuer is not None
        if issuer.rstrip("/") != base_url.rstrip("/"):
            raise ConfigurationError(
                f"The discovery document at {base_url} names another issuer ({issuer}).",
                hint=Fix.run(
                    "config", "set", "domain", "ISSUER_HOST", lead="set the domain to the issuer's host: "
                ),
            )
        return cls(
            issuer=issuer,
            authorization_endpoint=url("authorization_endpoint", required=True) or "",
            token_endpoint=url("token_endpoint", required=True) or "",
            device_authorization_endpoint=url("device_authorization_endpoint", required=False),
            userinfo_endpoint=url("userinfo_endpoint", required=False),
            jwks_uri=url("jwks_uri", required=True) or "",
            revocation_endpoint=url("revocation_endpoint", required=False),
            end_session_endpoint=url("end_session_endpoint", required=False),
            source=source,
        )

    def to_json(self) -> dict[str, Any]:
        """The cached form (without ``source``)."""
        data = dataclasses.asdict(self)
        data.pop("source")
        return data


def _loopback_http(value: object) -> bool:
    """True for a plain ``http://`` URL on a loopback host (a local test tenant)."""
    from auth0link._domain import is_loopback_host

    with contextlib.suppress(ValueError):  # urlsplit: a malformed IPv6 host
        if isinstance(value, str) and value.startswith("http://"):
            return is_loopback_host(urlsplit(value).hostname or "")
    return False


def _cache_path(cache_dir: Path, kind: str, base_url: str) -> Path:
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:16]
    return cache_dir / f"{kind}-{digest}.json"


def _read_cache(path: Path, ttl: float, now: float) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("fetched_at"), int | float):
        return None
    if not 0 <= now - data["fetched_at"] < ttl or not isinstance(data.get("value"), dict):
        return None
    value: dict[str, Any] = data["value"]
    return value


def _write_cache(path: Path, value: Mapping[str, Any], now: float) -> None:
    from auth0link._files import atomic_write_text

    with contextlib.suppress(OSError):  # a cache that cannot be written only costs a request
        atomic_write_text(path, json.dumps({"fetched_at": now, "value": dict(value)}), mode=0o600)


def discover(
    client: Auth0Client,
    *,
    cache_dir: Path | None,
    ttl: float = DISCOVERY_TTL,
    clock: Callable[[], float] = time.time,
    fallback: bool = True,
) -> Endpoints:
    """The provider's endpoints: cached, else discovered, else (``fallback``) Auth0's fixed paths."""
    base_url = client.base_url
    path = _cache_path(cache_dir, "discovery", base_url) if cache_dir is not None else None
    now = clock()
    if path is not None:
        cached = _read_cache(path, ttl, now)
        if cached is not None:
            try:
                return Endpoints.from_document(cached, base_url=base_url, source="cache")
            except ConfigurationError:
                pass  # a stale or foreign cache entry: discover again
    try:
        endpoints = Endpoints.from_document(client.discovery(), base_url=base_url)
    except ConfigurationError:
        raise
    except Auth0LinkError:
        if not fallback:
            raise
        return Endpoints.auth0_defaults(base_url)
    if path is not None:
        _write_cache(path, endpoints.to_json(), now)
    return endpoints


class JwksCache:
    """The provider's JSON Web Key Set, from memory, the disk cache, or ``jwks_uri``.

    Calling the object returns the key set (the ``jwks_provider`` the login flows take);
    :meth:`refresh` fetches it again (done once when a token names an unknown ``kid``).
    """

    def __init__(
        self,
        client: Auth0Client,
        jwks_uri: str,
        *,
        cache_dir: Path | None = None,
        ttl: float = JWKS_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing is fetched until the keys are needed."""
        self._client = client
        self.jwks_uri = jwks_uri
        self._path = _cache_path(cache_dir, "jwks", jwks_uri) if cache_dir is not None else None
        self._ttl = ttl
        self._clock = clock
        self._keys: dict[str, Any] | None = None
        self.fetches = 0

    def __call__(self) -> dict[str, Any]:
        """The key set (memory, then disk cache, then network)."""
        if self._keys is None and self._path is not None:
            cached = _read_cache(self._path, self._ttl, self._clock())
            if cached is not None and isinstance(cached.get("keys"), list):
                self._keys = cached
        if self._keys is None:
            self._keys = self.refresh()
        return self._keys

    def refresh(self) -> dict[str, Any]:
        """Fetch the key set from ``jwks_uri`` (and cache it)."""
        data = self._client.get_json(self.jwks_uri)
        self.fetches += 1
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise IdTokenError(
                f"The provider's key set at {self.jwks_uri} is not a JWKS.",
                hint=_CHECK_DOMAIN,
            )
        self._keys = data
        if self._path is not None:
            _write_cache(self._path, data, self._clock())
        return data
