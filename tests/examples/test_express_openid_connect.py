"""express-openid-connect (npm, pinned, unmodified) with its quickstart defaults, in real Chromium.

Its default is ``response_type=id_token`` with ``response_mode=form_post`` (and a nonce): the
emulator's login page posts the ID token to the app's ``/callback``. The app runs in Node on an
ephemeral port and is served to Chromium as http://localhost:3000 (the demo regular web app's
origin) by Playwright's routing; it trusts the emulator's CA through ``NODE_EXTRA_CA_CERTS``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from auth0link.emulator.state import demo
from tests.examples.conftest import chromium_trusting
from tests.support.emulator import start_emulator
from tests.support.npm import npm_package

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

EOC = "3.4.0"
APP = "http://localhost:3000"
ALICE = "auth0|65f0a11ce0000000000000a1"
SCRIPT = Path(__file__).parents[1] / "support" / "node" / "express_oidc_app.js"
WAIT_MS = 8_000


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """A default `auth0link emulator` (HTTPS, its own CA)."""
    with start_emulator() as running:
        yield running


@pytest.fixture
def app_port(emulator: RunningEmulator, tmp_path: Path) -> Iterator[int]:
    """The quickstart app in Node, configured for the demo regular web app; its port."""
    env = {
        "PATH": os.environ["PATH"],
        "NODE_PATH": str(npm_package("express-openid-connect", EOC)),
        "NODE_EXTRA_CA_CERTS": str(emulator.ca_bundle),
        "ISSUER": emulator.base_url,
        "CLIENT_ID": demo.WEB_CLIENT_ID,
    }
    log = tmp_path / "node.stderr"
    with (
        log.open("wb") as stderr,
        subprocess.Popen(["node", str(SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=stderr) as process,
    ):
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line, log.read_text(encoding="utf-8", errors="replace")
            yield int(json.loads(line)["port"])
        finally:
            process.terminate()
            process.wait(timeout=10)


def _forward(port: int) -> Any:
    """Serve http://localhost:3000/** from the Node app; its redirects within the app become script navigations.

    Playwright does not route the target of a redirect, and the app is reachable only as a route.
    """

    def handler(route: Any) -> None:
        parts = urlsplit(route.request.url)
        target = f"http://127.0.0.1:{port}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        answer = route.fetch(url=target, max_redirects=0)
        location = answer.headers.get("location", "")
        if answer.status in (301, 302, 303) and location.startswith(("/", APP)):
            headers = {k: v for k, v in answer.headers.items() if k.lower() == "set-cookie"}
            body = f"<script>location.replace({json.dumps(location)})</script>"
            route.fulfill(status=200, headers=headers, content_type="text/html", body=body)
        else:
            route.fulfill(response=answer)

    return handler


def test_quickstart_defaults_log_alice_in_with_form_post(
    emulator: RunningEmulator, app_port: int, tmp_path: Path
) -> None:
    """GET / → /authorize (id_token, form_post) → login → POST /callback → the app knows alice."""
    with chromium_trusting(emulator.ca_bundle, tmp_path / "profile") as context:
        context.route(APP + "/**", _forward(app_port))
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(APP + "/")
        page.wait_for_selector("#login-form", timeout=WAIT_MS)
        authorize = next(url for url in requests if "/authorize?" in url)
        assert "response_type=id_token" in authorize
        assert "response_mode=form_post" in authorize
        page.fill("#username", "alice@example.com")
        page.fill("#password", demo.ALICE_PASSWORD)
        page.click("#login-submit")
        page.wait_for_function("document.body.innerText.includes('authenticated')", timeout=WAIT_MS)
        answer = json.loads(page.inner_text("body"))
        assert answer["authenticated"] is True
        assert (answer["user"]["sub"], answer["user"]["email"]) == (ALICE, "alice@example.com")
