"""Tenant domains: the one check of a domain or URL (https, or http for loopback hosts only)."""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

from auth0link.errors import ConfigurationError

_HOST_RE: Final = re.compile(
    r"(?=.{1,253}\Z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (the only hosts allowed over plain http)."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_domain(value: str) -> str:
    """Turn a tenant domain or URL into a base URL without a trailing slash.

    ``tenant.auth0.com`` → ``https://tenant.auth0.com``; ``http://127.0.0.1:8080/`` →
    ``http://127.0.0.1:8080``. Plain ``http://`` is accepted only for loopback hosts.
    """
    raw = value.strip()
    if not raw or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):  # noqa: PLR2004 - C0 controls
        raise ConfigurationError(
            f"Invalid tenant domain {raw[:80]!r}.",
            hint="use a host name like tenant.eu.auth0.com or a URL like https://tenant.eu.auth0.com",
        )
    url = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(
            f"Invalid tenant domain {raw[:80]!r}: {exc}.",
            hint="use a host name like tenant.eu.auth0.com",
        ) from None
    host = parts.hostname or ""
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise ConfigurationError(f"Unsupported scheme {scheme!r} in tenant domain.", hint="use https://")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ConfigurationError(
            f"The tenant domain {raw[:80]!r} must not contain a path, query or credentials.",
            hint="use only the host, e.g. tenant.eu.auth0.com",
        )
    valid_host = bool(_HOST_RE.fullmatch(host)) or is_loopback_host(host)
    if not valid_host:
        try:
            ipaddress.ip_address(host)
            valid_host = True
        except ValueError:
            valid_host = False
    if not valid_host:
        raise ConfigurationError(
            f"Invalid host name {host[:80]!r} in tenant domain.",
            hint="use a host name like tenant.eu.auth0.com",
        )
    if scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            f"Refusing plain http:// for {host!r}: tokens would travel unencrypted.",
            hint="use https:// (http is only allowed for loopback hosts such as 127.0.0.1)",
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc.lower()}"
