"""Callback URLs the provider accepted: asked once per tenant, application and port, then cached.

Before the browser opens, :func:`~auth0link.auth.pkce.run_pkce_login` asks the authorize
endpoint whether it accepts the ``redirect_uri`` (Auth0 matches callback URLs exactly, and a
mismatch would otherwise show only in the browser). The answer is cached like discovery
(:mod:`.discovery`): in ``<config dir>/cache/`` for :data:`~auth0link.auth.discovery.DISCOVERY_TTL`,
keyed by the authorize endpoint, the client ID and the callback URL (its port). A login that
does not come back forgets the entry, so the next one asks again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from auth0link.auth.discovery import DISCOVERY_TTL, _cache_path, _read_cache, _write_cache

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def _key(url: str) -> str:
    """The authorize endpoint, client ID and redirect URI of an authorize URL (nothing per-login)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    client_id = query.get("client_id", [""])[0]
    redirect_uri = query.get("redirect_uri", [""])[0]
    return f"{parts.scheme}://{parts.netloc}{parts.path} {client_id} {redirect_uri}"


class AcceptedCallbacks:
    """The callback URLs an authorize endpoint accepted recently (one small file each)."""

    def __init__(
        self, cache_dir: Path, *, ttl: float = DISCOVERY_TTL, clock: Callable[[], float] = time.time
    ) -> None:
        """Keep entries in ``cache_dir`` for ``ttl`` seconds."""
        self.cache_dir = cache_dir
        self.ttl = ttl
        self._clock = clock

    def _path(self, url: str) -> Path:
        return _cache_path(self.cache_dir, "callback", _key(url))

    def known(self, url: str) -> bool:
        """True when this endpoint accepted this client's callback URL within the TTL."""
        cached = _read_cache(self._path(url), self.ttl, self._clock())
        return cached is not None and cached.get("key") == _key(url)

    def remember(self, url: str) -> None:
        """Note that the endpoint accepted the callback URL (best effort, as discovery's cache)."""
        _write_cache(self._path(url), {"key": _key(url)}, self._clock())

    def forget(self, url: str) -> None:
        """Drop the entry (the login did not come back: ask again next time)."""
        self._path(url).unlink(missing_ok=True)
