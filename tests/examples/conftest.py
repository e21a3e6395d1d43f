"""Fixtures for the examples: Auth0's browser SDK from npm, and a Chromium that trusts the emulator.

``examples/spa-linking/package.json`` pins ``@auth0/auth0-spa-js`` (and its lock file the whole
tree, with integrity hashes); nothing of it is committed. ``npm ci`` installs the example's
locked tree, as its README tells a user to, once per lock file (:func:`tests.support.npm.npm_ci`,
in ``<temp dir>/auth0link-test-npm/``), so later runs need no network.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from tests.support.browser import CHROMIUM, LAUNCH_ARGS, require_chromium, trust_flag
from tests.support.npm import npm_ci

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE: Final = Path(__file__).resolve().parents[2] / "examples" / "spa-linking"


@pytest.fixture(scope="session")
def spa_sdk() -> Path:
    """node_modules holding the pinned @auth0/auth0-spa-js (skips, or fails in CI, without npm)."""
    return npm_ci(EXAMPLE, marker="@auth0/auth0-spa-js")


@contextlib.contextmanager
def chromium_trusting(ca_bundle: str | None, profile: Path) -> Iterator[Any]:
    """Debian's headless Chromium with a regular profile that trusts the emulator's CA, if any.

    Yields a Playwright ``BrowserContext`` on a persistent profile in ``profile`` that allows
    third-party cookies: this Chromium blocks them by default (as Safari and Firefox do, and as
    incognito windows do), and then a silent renewal from another site answers
    ``login_required``, on Auth0 as here (apps that cannot count on them use refresh tokens, as
    Auth0 advises). Allowing them is the user's choice in Settings → Privacy and security →
    Third-party cookies (``cookie_controls_mode`` 0). ``--ignore-certificate-errors-spki-list``
    accepts a chain holding one of the given public keys (the emulator serves its CA in the chain)
    and nothing else: other certificate errors still fail, unlike ``ignore_https_errors``. The
    page is granted Local Network Access: routed responses have no address, so Chromium treats
    the page as public and asks before it calls 127.0.0.1, which a real dev server on localhost
    (loopback itself) is never asked.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    args = list(LAUNCH_ARGS)
    if ca_bundle:
        args.append(trust_flag(ca_bundle))
    (profile / "Default").mkdir(parents=True, exist_ok=True)
    preferences = {"profile": {"cookie_controls_mode": 0}}  # allow third-party cookies
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences), encoding="utf-8")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=args,
            timeout=60_000,
            permissions=["local-network-access"],
        )
        try:
            yield context
        finally:
            context.close()
