"""Choosing the browser or the device flow from what this machine can do."""

from __future__ import annotations

import pytest

from auth0link.auth.browser import choose_flow
from auth0link.config import browser_unavailable


@pytest.mark.parametrize(
    ("env", "platform", "flow"),
    [
        ({"DISPLAY": ":0"}, "linux", "pkce"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", "pkce"),
        ({}, "linux", "device"),
        ({"DISPLAY": ":0", "SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"}, "linux", "device"),
        ({"DISPLAY": ":0", "CI": "true"}, "linux", "device"),
        ({"BROWSER": "firefox %s", "CI": "true"}, "linux", "pkce"),
        ({}, "darwin", "pkce"),
        ({}, "win32", "pkce"),
    ],
)
def test_choose_flow(env: dict[str, str], platform: str, flow: str) -> None:
    """PKCE when a browser can open; device flow over SSH, in CI, or with no display; BROWSER wins."""
    assert choose_flow(browser_unavailable(env, platform), device=False)[0] == flow


def test_device_flag_forces_the_device_flow() -> None:
    """--device chooses the device flow even on a desktop."""
    assert choose_flow(browser_unavailable({"DISPLAY": ":0"}, "linux"), device=True) == (
        "device",
        "--device was given",
    )


def test_no_browser_flag_keeps_the_browser_flow_even_in_ci() -> None:
    """--no-browser means "print the authorize URL", so it stays PKCE even where no browser can open."""
    flow, reason = choose_flow(browser_unavailable({"CI": "true"}, "linux"), device=False, no_browser=True)
    assert flow == "pkce"
    assert "--no-browser" in reason


# -- login --------------------------------------------------------------------------------------
