"""A real headless Chromium (Debian ``/usr/bin/chromium`` driven by Playwright) as the CLI's browser.

The CLI opens URLs with Python's :mod:`webbrowser`, which honours ``$BROWSER``. A test sets
``BROWSER`` to :attr:`UrlHandoff.browser_command`, a tiny script that appends the URL it is given
to a file and exits; the test picks the URL up with :meth:`UrlHandoff.next_url` and drives
Chromium there. Never ``playwright install``: the Debian binary is launched by path::

    handoff = UrlHandoff(tmp_path)
    proc = subprocess.Popen([... "login"], env={**env, "BROWSER": handoff.browser_command})
    with chromium(ca_file=emu.ca_bundle) as browser:   # trusts the HTTPS emulator's CA
        page = browser.new_page()
        page.goto(handoff.next_url())
        text = complete_emulator_login(page, email="alice@example.com", password="correct-horse-alice")
        assert "safe to close" in text

Chromium trusts the emulator's CA as the README tells browser tests to: ``--ignore-certificate-
errors-spki-list`` with the CA's public key hash (:func:`trust_flag`; it needs a
``--user-data-dir``, which Playwright passes), not by ignoring every certificate error.

:func:`require_chromium` skips outside CI with a loud reason when chromium or Playwright is
missing, and fails in CI (where ``make test`` installs them).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from typing import TYPE_CHECKING, Any, Final

import pytest

from tests.support.keyring_service import IN_CI, require_tools

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CHROMIUM: Final = "/usr/bin/chromium"
LAUNCH_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
)
# The loopback listener's success page (auth0link.auth.pkce) says this.
CALLBACK_DONE_TEXT: Final = "safe to close"

_HANDOFF_SCRIPT: Final = """\
import pathlib, sys
with open(pathlib.Path(sys.argv[1]), "a", encoding="utf-8") as handle:
    handle.write(sys.argv[2] + "\\n")
"""


def require_chromium() -> None:
    """Skip (or fail in CI) unless Debian chromium and Playwright's Python package are present."""
    require_tools(CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        message = "playwright is not installed: run make venv"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


class UrlHandoff:
    """A ``BROWSER`` command that hands every URL it is asked to open to the test."""

    def __init__(self, directory: Path) -> None:
        """Write the hand-off script into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        self.script = directory / "browser_handoff.py"
        self.script.write_text(_HANDOFF_SCRIPT, encoding="utf-8")
        self.urls_file = directory / "opened_urls.txt"
        self._seen = 0

    @property
    def browser_command(self) -> str:
        """The value for ``$BROWSER`` (``webbrowser`` replaces ``%s`` with the URL)."""
        return shlex.join([sys.executable, str(self.script), str(self.urls_file)]) + " %s"

    def opened(self) -> list[str]:
        """Every URL opened so far."""
        try:
            return self.urls_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def next_url(self, timeout: float = 30.0) -> str:
        """Wait for the next URL the CLI opens."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            urls = self.opened()
            if len(urls) > self._seen:
                self._seen += 1
                return urls[self._seen - 1]
            time.sleep(0.05)
        msg = f"the CLI opened no browser within {timeout:g} s"
        raise AssertionError(msg)


def trust_flag(ca_file: str | Path) -> str:
    """Chromium's switch trusting certificate chains that hold this CA's public key."""
    from pathlib import Path

    from auth0link.emulator.server.tls import spki_sha256

    pem = Path(ca_file).read_text(encoding="ascii")
    return "--ignore-certificate-errors-spki-list=" + spki_sha256(pem)


@contextlib.contextmanager
def chromium(*, ca_file: str | Path | None = None) -> Iterator[Any]:
    """A headless Debian Chromium (Playwright ``Browser``) trusting ``ca_file``'s CA, closed on exit."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    args = [*LAUNCH_ARGS, trust_flag(ca_file)] if ca_file else list(LAUNCH_ARGS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=args, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


def complete_emulator_login(
    page: Any,
    *,
    email: str,
    password: str,
    connection: str | None = None,
    account: str | None = None,
    timeout: float = 30.0,
) -> str:
    """Finish an emulator login in ``page`` (already at ``/authorize``) like a person would.

    Handles the database login form, a social account chooser (``account`` is the identity id
    to pick, e.g. ``google-oauth2|1098…``; default: the first offered), and the
    non-verifiable-callback confirmation screen, then waits for the loopback callback page and
    returns its text.
    """
    deadline = time.monotonic() + timeout
    ms = int(timeout * 1000)
    while time.monotonic() < deadline:
        page.wait_for_load_state("load", timeout=ms)
        if CALLBACK_DONE_TEXT in page.content():
            return str(page.inner_text("body"))
        if page.locator("#login-form").count():
            if connection and page.locator(f"#connection-{connection}").count():
                page.click(f"#connection-{connection}")
                continue
            page.fill("#username", email)
            page.fill("#password", password)
            page.click("#login-submit")
        elif page.locator("#idp-account-chooser").count():
            selector = f'#idp-account-chooser button[value="{account}"]' if account else "#account-0"
            page.click(selector)
        elif page.locator("#callback-confirm-form").count():
            page.click("#confirm-accept")
        else:
            time.sleep(0.1)
            if CALLBACK_DONE_TEXT in page.content():
                return str(page.inner_text("body"))
            body = page.inner_text("body")[:300]
            msg = f"unexpected page at {page.url}: {body!r}"
            raise AssertionError(msg)
    msg = f"the login did not reach the callback within {timeout:g} s (at {page.url})"
    raise AssertionError(msg)
