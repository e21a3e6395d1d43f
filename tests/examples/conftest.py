"""Fixtures for the examples: Auth0's browser SDK from npm, and a Chromium that trusts the emulator.

``examples/spa-linking/package.json`` pins ``@auth0/auth0-spa-js`` (and its lock file the whole
tree, with integrity hashes); nothing of it is committed. ``npm ci`` installs the example's
locked tree, as its README tells a user to, once per lock file, next to the packages of
:mod:`tests.support.npm` (``<temp dir>/auth0link-test-npm/``), so later runs need no network.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from tests.support.browser import CHROMIUM, LAUNCH_ARGS, require_chromium
from tests.support.keyring_service import require_tools
from tests.support.npm import CACHE

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE: Final = Path(__file__).resolve().parents[2] / "examples" / "spa-linking"


def _install(lock_hash: str) -> Path:
    """``npm ci`` the example's pinned dependencies into the cache (atomically); return node_modules."""
    target = CACHE / f"spa-linking-{lock_hash}"
    if (target / "node_modules" / "@auth0" / "auth0-spa-js" / "package.json").exists():
        return target / "node_modules"
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".spa-linking-", dir=CACHE))
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(EXAMPLE / name, work / name)
    env = {**os.environ, "npm_config_cache": str(CACHE / "_cache"), "npm_config_update_notifier": "false"}
    done = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        pytest.fail(
            f"npm ci failed for examples/spa-linking (exit {done.returncode}): {done.stderr.strip()[-500:]}"
        )
    try:
        work.rename(target)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(work, ignore_errors=True)
    return target / "node_modules"


@pytest.fixture(scope="session")
def spa_sdk() -> Path:
    """node_modules holding the pinned @auth0/auth0-spa-js (skips, or fails in CI, without npm)."""
    require_tools("node", "npm")
    lock = (EXAMPLE / "package-lock.json").read_bytes() + (EXAMPLE / "package.json").read_bytes()
    return _install(hashlib.sha256(lock).hexdigest()[:16])


def spki_hashes(pem_file: str) -> list[str]:
    """Base64 SHA-256 of each certificate's SubjectPublicKeyInfo in ``pem_file`` (Chromium's format)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    hashes = []
    for cert in x509.load_pem_x509_certificates(Path(pem_file).read_bytes()):
        spki = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        hashes.append(base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii"))
    return hashes


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
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(spki_hashes(ca_bundle)))
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
