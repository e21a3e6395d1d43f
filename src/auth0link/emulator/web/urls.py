"""Parsing the URLs an application hands the emulator (callbacks, logout targets), strictly.

A URL is read with :func:`urllib.parse.urlsplit` and its host with :mod:`ipaddress`, never by
string prefixes: ``http://[::1]@evil.example/`` names the host ``evil.example`` (``[::1]`` is its
user name). A URL with a user name or password, a backslash, whitespace or a control character
is never a safe target (browsers read such URLs differently from Python), so
:func:`is_plain` refuses it wherever a redirect target is checked.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})


def split(url: str) -> SplitResult | None:
    """``url`` split, or ``None`` when it is not a plain absolute http(s) or custom-scheme URL."""
    if not is_plain(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    host = parts.hostname or ""
    rebuilt = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    if parts.netloc.lower() != rebuilt:  # "[::1].evil.example": urlsplit keeps what browsers read otherwise
        return None
    return parts if parts.scheme else None


def is_plain(url: str) -> bool:
    """No user info, backslash, whitespace or control character (what browsers parse their own way)."""
    if any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):  # noqa: PLR2004 - C0 controls and DEL
        return False
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return False
    return "@" not in netloc


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP address (``127.0.0.0/8``, ``::1``)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_web_url(url: str) -> bool:
    """An ``http(s)`` URL on a loopback host, without user info (the demo's logout targets)."""
    parts = split(url)
    return parts is not None and parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")
