"""Install a pinned npm package for a test, once per machine, outside the repository.

``npm_package("auth0", "4.37.1")`` returns the ``node_modules`` folder holding it (for
``NODE_PATH``); ``npm_ci(folder, marker=…)`` installs a project's locked tree (an example's
``package-lock.json``). They live in ``<temp dir>/auth0link-test-npm/`` and are reused by later
runs; nothing is written to the checkout. A finished install is moved into place in one
rename, so two test runs installing at once never see half of one. Needs ``node`` and ``npm``:
:func:`~tests.support.keyring_service.require_tools` skips without them, or fails in CI; an
install that fails (no registry) always fails the test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.keyring_service import require_tools

if TYPE_CHECKING:
    from collections.abc import Callable

CACHE = Path(tempfile.gettempdir()) / "auth0link-test-npm"


def _installed(node_modules: Path, name: str, version: str) -> bool:
    try:
        data = json.loads((node_modules / name / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(data.get("version") == version)


def npm_package(name: str, version: str) -> Path:
    """The ``node_modules`` folder holding ``name@version`` (installed with npm on first use)."""
    require_tools("node", "npm")
    final = CACHE / f"{name.replace('/', '+')}-{version}"
    if _installed(final / "node_modules", name, version):
        return final / "node_modules"
    command = ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", ".", f"{name}@{version}"]
    _install(final, command, files={}, done=lambda work: _installed(work / "node_modules", name, version))
    return final / "node_modules"


def npm_ci(folder: Path, *, marker: str) -> Path:
    """``npm ci`` of ``folder``'s ``package.json`` and lock file, once per lock: its ``node_modules``.

    ``marker`` is a package of the lock (``@auth0/auth0-spa-js``) whose presence says a cached
    install is complete.
    """
    require_tools("node", "npm")
    files = {name: (folder / name).read_bytes() for name in ("package.json", "package-lock.json")}
    digest = hashlib.sha256(files["package.json"] + files["package-lock.json"]).hexdigest()[:16]
    final = CACHE / f"{folder.name}-{digest}"
    if (final / "node_modules" / marker / "package.json").exists():
        return final / "node_modules"
    command = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    _install(final, command, files=files, done=lambda work: (work / "node_modules" / marker).is_dir())
    return final / "node_modules"


def _install(
    final: Path, command: list[str], *, files: dict[str, bytes], done: Callable[[Path], bool]
) -> None:
    """Run ``command`` in a fresh folder holding ``files``, then move it to ``final`` in one rename."""
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=CACHE))
    for name, content in files.items():
        (work / name).write_bytes(content)
    env = {**os.environ, "npm_config_cache": str(CACHE / "_cache"), "npm_config_update_notifier": "false"}
    ran = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False)
    if ran.returncode != 0 or not done(work):
        shutil.rmtree(work, ignore_errors=True)
        pytest.fail(
            f"{' '.join(command[:2])} failed for {final.name} (exit {ran.returncode}): {ran.stderr.strip()[-500:]}"
        )
    try:
        work.rename(final)
    except OSError:  # another run got there first
        shutil.rmtree(work, ignore_errors=True)
