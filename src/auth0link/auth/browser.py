"""The choice between the browser and the device flow, and opening the browser.

:func:`choose_flow` picks PKCE when a browser can open, the device flow with ``--device`` or
when none can (``config.browser_unavailable``: an SSH session, no ``DISPLAY``/``WAYLAND_DISPLAY``
on Linux, ``CI``; an explicit ``BROWSER`` counts as a browser). :func:`open_system_browser` is
Python's :mod:`webbrowser`.
"""

from __future__ import annotations


def choose_flow(unavailable: str | None, *, device: bool, no_browser: bool = False) -> tuple[str, str]:
    """``("device" | "pkce", reason)``. ``--no-browser`` asks for the browser flow, printed only.

    ``unavailable`` says why no browser can open here (``Settings.browser_unavailable``).
    """
    if device:
        return "device", "--device was given"
    if no_browser:
        return "pkce", "--no-browser was given (open the printed URL yourself)"
    if unavailable is not None:
        return "device", f"no browser can be opened ({unavailable})"
    return "pkce", "a browser can be opened"


def open_system_browser(url: str) -> bool:
    """Python's :func:`webbrowser.open` (which honours ``BROWSER``)."""
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
