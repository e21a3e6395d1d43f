"""Install a pinned npm package for a test, once per machine, outside the repository.

``npm_package("auth0", "4.37.1")`` returns the ``node_modules`` folder holding it (for
``NODE_PATH``). It lives in ``<temp dir>/auth0link-test-npm/<name>-<version>`` and is reused by
later runs; nothing is written to the checkout. A finished install is moved into place in one
rename, so two test runs installing at once never see half of one. Needs ``node`` and ``npm``:
:func:`~tests.support.keyring_service.require_tools` skips without them, or fails in CI; an
install that fails (no registry) always fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.keyring_service import require_tools

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
    final = CACHE / f"{name}-{version}"
    if _installed(final / "node_modules", name, version):
        return final / "node_modules"
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-{version}-", dir=CACHE))
    env = {**os.environ, "npm_config_cache": str(CACHE / "_cache"), "npm_config_update_notifier": "false"}
    done = subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
            str(work),
            f"{name}@{version}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not _installed(work / "node_modules", name, version):
        shutil.rmtree(work, ignore_errors=True)
        pytest.fail(f"npm could not install {name}@{version}: {done.stderr.strip()[-500:]}")
    try:
        work.rename(final)
    except OSError:  # another run got there first
        shutil.rmtree(work, ignore_errors=True)
    return final / "node_modules"
