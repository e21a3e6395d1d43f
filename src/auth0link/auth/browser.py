"""Can a browser open here, and opening it: the choice between the browser and the device flow.

:func:`choose_flow` picks PKCE when a browser can open, the device flow with ``--device`` or
when none can (an SSH session, no ``DISPLAY``/``WAYLAND_DISPLAY`` on Linux, ``CI``; an explicit
``BROWSER`` counts as a browser). :func:`open_system_browser` is Python's :mod:`webbrowser`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def browser_unavailable_reason(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no browser can be opened here, or None when one can (``BROWSER`` always counts)."""
    if env.get("BROWSER", "").strip():
        return None
    if _truthy(env.get("CI")):
        return "CI is set"
    if env.get("SSH_CONNECTION") or env.get("SSH_CLIENT") or env.get("SSH_TTY"):
        return "this is an SSH session"
    graphical = platform.startswith(("win", "darwin", "cygwin"))
    if not graphical and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def choose_flow(
    env: Mapping[str, str], *, device: bool, no_browser: bool = False, platform: str = sys.platform
) -> tuple[str, str]:
    """``("device" | "pkce", reason)``. ``--no-browser`` asks for the browser flow, printed only."""
    if device:
        return "device", "--device was given"
    if no_browser:
        return "pkce", "--no-browser was given (open the printed URL yourself)"
    reason = browser_unavailable_reason(env, platform)
    if reason is not None:
        return "device", f"no browser can be opened ({reason})"
    return "pkce", "a browser can be opened"


def open_system_browser(url: str) -> bool:
    """Python's :func:`webbrowser.open` (which honours ``BROWSER``)."""
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
