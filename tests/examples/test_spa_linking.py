"""examples/spa-linking in real Chromium with Auth0's unmodified browser SDK against `auth0link emulator`.

The page is served as http://localhost:3000 (the demo SPA client's origin) by Playwright's
request routing: no port to bind, the browser sees the real origin. The emulator is a default
``auth0link emulator`` subprocess.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from auth0link.emulator.state import demo
from tests.examples.conftest import EXAMPLE, chromium_trusting
from tests.support.demo_ids import ALICE, BOB
from tests.support.emulator import start_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

APP = "http://localhost:3000"
WAIT_MS = 20_000


class Site:
    """Serves the example (and the SDK from the npm cache) for http://localhost:3000/**."""

    def __init__(self, sdk: Path, config: dict[str, str]) -> None:
        """Serve ``examples/spa-linking`` with ``sdk`` as node_modules and ``config`` as auth_config.json."""
        self.sdk = sdk.resolve()
        self.config = json.dumps(config).encode()

    def file(self, path: str) -> tuple[bytes, str] | None:
        """The body and type of ``path``, or ``None`` for a 404."""
        if path in ("/", "/index.html"):
            return (EXAMPLE / "index.html").read_bytes(), "text/html"
        if path == "/app.js":
            return (EXAMPLE / "app.js").read_bytes(), "text/javascript"
        if path == "/auth_config.json":
            return self.config, "application/json"
        if path.startswith("/node_modules/"):
            target = (self.sdk / path.removeprefix("/node_modules/")).resolve()
            if target.is_relative_to(self.sdk) and target.is_file():
                return target.read_bytes(), mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return None

    def __call__(self, route: Any) -> None:
        """Playwright route handler."""
        found = self.file(urlsplit(route.request.url).path)
        if found is None:
            route.fulfill(status=404, body="not found")
        else:
            route.fulfill(status=200, body=found[0], content_type=found[1])


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A default `auth0link emulator` subprocess."""
    with start_emulator("--no-access-log") as running:
        yield running


def wait_for(page: Any, script: str, what: str, errors: list[str]) -> None:
    """Wait for ``script`` to be true on ``page``; on timeout say what the app showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        # The page may be elsewhere (the login pages) for a while: not there yet is false.
        page.wait_for_function(
            f"() => {{ try {{ return {script}; }} catch {{ return false; }} }}", timeout=WAIT_MS
        )
    except PlaywrightTimeout:
        shown = page.evaluate(
            "() => [document.getElementById('status')?.textContent, document.getElementById('error')?.textContent]"
        )
        msg = f"{what}: timed out at {page.url}; page shows {shown}; console: {errors[-5:]}"
        raise AssertionError(msg) from None


def log_in(page: Any, email: str, password: str) -> None:
    """Answer the emulator's Universal Login page."""
    page.wait_for_selector("#login-form", timeout=WAIT_MS)
    page.fill("#username", email)
    page.fill("#password", password)
    page.click("#login-submit")


@contextlib.contextmanager
def app_page(
    spa_sdk: Path, emulator: RunningEmulator, app: str, profile: Path
) -> Iterator[tuple[Any, list[str]]]:
    """Chromium on the example at ``app`` (an origin of the demo SPA client), and its console."""
    site = Site(spa_sdk, {"domain": emulator.domain, "clientId": str(emulator.info["spa_client_id"])})
    with chromium_trusting(emulator.ca_bundle, profile) as context:
        context.route(app + "/**", site)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text))
        yield page, errors


def log_in_as_alice(page: Any, app: str, errors: list[str]) -> None:
    """Open the app, press Log in (redirect), log in as alice, wait until the app says so."""
    page.goto(app + "/")
    wait_for(page, "!document.getElementById('login').hidden", "the login button", errors)
    page.click("#login")
    log_in(page, "alice@example.com", demo.ALICE_PASSWORD)
    wait_for(
        page, f"document.getElementById('status').textContent === 'Logged in as {ALICE}'", "login", errors
    )


def test_spa_logs_in_links_in_a_popup_lists_and_unlinks(
    spa_sdk: Path, emulator: RunningEmulator, tmp_path: Path
) -> None:
    """auth0-spa-js: redirect login, popup login + link_with, identities listed, unlink."""
    with app_page(spa_sdk, emulator, APP, tmp_path / "profile") as (page, errors):
        log_in_as_alice(page, APP, errors)

        with page.expect_popup(timeout=WAIT_MS) as opened:
            page.click("#link")
        log_in(opened.value, "bob@example.com", demo.BOB_PASSWORD)
        linked = f'#identities li[data-identity="{BOB}"]'
        wait_for(page, f"document.querySelector('{linked}') !== null", "the linked account", errors)
        assert "bob@example.com" in page.inner_text(linked)
        assert [i["user_id"] for i in emulator.user(ALICE)["identities"]] == [ALICE[6:], BOB[6:]]

        page.click(f"{linked} button.unlink")
        wait_for(page, "document.querySelectorAll('#identities li').length === 0", "the unlink", errors)
        assert emulator.user(BOB)["user_id"] == BOB
        assert page.inner_text("#error") == ""


def test_spa_renews_silently_in_an_iframe_and_logs_out(
    spa_sdk: Path, emulator: RunningEmulator, tmp_path: Path
) -> None:
    """getTokenSilently (prompt=none, web_message in a hidden iframe) sends the SameSite=None cookie cross-site."""
    app = "http://localhost:3000"  # another site than https://127.0.0.1:PORT: the frame is third-party
    with app_page(spa_sdk, emulator, app, tmp_path / "profile") as (page, errors):
        log_in_as_alice(page, app, errors)
        page.click("#renew")
        wait_for(
            page,
            "document.getElementById('renewed').textContent.startsWith('Session renewed')",
            "renewal",
            errors,
        )
        page.click("#logout")
        wait_for(page, "document.getElementById('status').textContent === 'Logged out'", "logout", errors)
        assert page.url.startswith(app)
        assert emulator.admin("GET", "state").json()["sessions"] == 0
