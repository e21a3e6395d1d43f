"""The hosted pages in a real headless Chromium (Playwright, Debian's chromium), over HTTPS.

Chromium trusts the emulator's CA the way the README tells browser tests to: by the CA's public
key hash in ``--ignore-certificate-errors-spki-list`` (Playwright passes a ``--user-data-dir``,
which the flag needs), not by ignoring every certificate error.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from auth0link.emulator.server.serve import EmulatorThread
from auth0link.emulator.state import demo
from tests.emulator.conftest import DEVICE_GRANT
from tests.emulator.test_agent import Listener, authorize_url
from tests.support.browser import trust_flag
from tests.support.keyring_service import require_tools

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from auth0link.emulator.server.options import EmulatorOptions

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("AUTH0LINK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def served(served_options: Callable[..., EmulatorOptions]) -> Iterator[EmulatorThread]:
    """The emulator on a real socket, over HTTPS."""
    with EmulatorThread(served_options()) as running:
        yield running


@pytest.fixture(scope="module")
def page(served: EmulatorThread) -> Iterator[Any]:
    """A headless Chromium page trusting the emulator's CA (skips without Playwright or chromium)."""
    from playwright import sync_api

    require_tools(CHROMIUM)  # skips loudly outside CI, fails in CI
    assert served.ca_file is not None
    with sync_api.sync_playwright() as playwright:
        args = [*ARGS, trust_flag(served.ca_file)]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context()
        yield context.new_page()
        context.close()
        browser.close()


def callbacks(listener: Listener) -> list[str]:
    """The callback requests the listener got (Chromium also asks for /favicon.ico)."""
    return [path for path in listener.paths if path.startswith("/callback")]


def test_chromium_logs_in_then_confirms_silent_sso(page: Any, served: EmulatorThread) -> None:
    """Chromium fills the login form; the SSO re-login stops at the confirmation screen."""
    listener = Listener()
    try:
        page.goto(authorize_url(served.base_url, listener.redirect_uri, "v" * 43))
        page.fill("#username", "alice@example.com")
        page.fill("#password", demo.ALICE_PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(listener.redirect_uri + "?*")
        assert "code=" in callbacks(listener)[0]
        page.goto(authorize_url(served.base_url, listener.redirect_uri, "w" * 43))
        assert page.locator("#callback-confirm-form").is_visible()
        page.click("#confirm-accept")
        page.wait_for_url(listener.redirect_uri + "?*")
        assert len(callbacks(listener)) == 2
    finally:
        listener.close()


def test_chromium_approves_a_device(page: Any, served: EmulatorThread) -> None:
    """Chromium enters and confirms a device code, logs in if needed, and sees the success page."""
    device = httpx.post(
        served.base_url + "/oauth/device/code",
        data={"client_id": demo.NATIVE_CLIENT_ID},
        verify=served.verify,
    ).json()
    page.goto(device["verification_uri_complete"])
    page.click("#device-code-submit")
    assert page.locator("#confirm-user-code").inner_text() == device["user_code"]
    page.click("#device-confirm")
    if page.locator("#login-form").count():  # no SSO session yet in this browser
        page.fill("#username", "alice@example.com")
        page.fill("#password", demo.ALICE_PASSWORD)
        page.click("#login-submit")
    assert page.locator("#device-success").is_visible()
    reply = httpx.post(
        served.base_url + "/oauth/token",
        data={
            "grant_type": DEVICE_GRANT,
            "client_id": demo.NATIVE_CLIENT_ID,
            "device_code": device["device_code"],
        },
        verify=served.verify,
    )
    assert reply.status_code == 200
