"""Fixtures for the examples: Auth0's browser SDK from npm, and a Chromium that trusts the emulator.

``examples/spa-linking/package.json`` pins ``@auth0/auth0-spa-js`` (and its lock file the whole
tree, with integrity hashes); nothing of it is committed. ``npm ci`` installs it once per lock
file into ``$XDG_CACHE_HOME/auth0link-tests/`` (``~/.cache`` by default; read before the autouse
fixture poisons ``HOME``), so later runs need no network.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from tests.support.browser import CHROMIUM, LAUNCH_ARGS, require_chromium
from tests.support.keyring_service import require_tools

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE: Final = Path(__file__).resolve().parents[2] / "examples" / "spa-linking"
_CACHE_ROOT: Final = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path(os.environ.get("HOME", tempfile.gettempdir())) / ".cache")
    / "auth0link-tests"
)


def _install(lock_hash: str) -> Path:
    """``npm ci`` the example's pinned dependencies into the cache (atomically); return node_modules."""
    target = _CACHE_ROOT / f"spa-linking-{lock_hash}"
    if (target / "node_modules" / "@auth0" / "auth0-spa-js" / "package.json").exists():
        return target / "node_modules"
    _CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="spa-linking-", dir=_CACHE_ROOT))
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(EXAMPLE / name, work / name)
    env = {**os.environ, "HOME": str(work), "npm_config_cache": str(_CACHE_ROOT / "npm-cache")}
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
    require_tools("npm")
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
def chromium_trusting(ca_bundle: str | None) -> Iterator[Any]:
    """Debian's headless Chromium (Playwright ``Browser``) that trusts the emulator's CA, if any.

    ``--ignore-certificate-errors-spki-list`` accepts a chain holding one of the given public
    keys (the emulator serves its CA in the chain) and nothing else: other certificate errors
    still fail, unlike ``ignore_https_errors``.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    args = list(LAUNCH_ARGS)
    if ca_bundle:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(spki_hashes(ca_bundle)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=args, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()
