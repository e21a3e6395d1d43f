"""The release artefacts: the sdist and wheel build, pass ``twine check``, and the wheel works installed.

The sdist and the wheel are built once per session, as ``make dist`` builds them (``python -m
build``: the sdist, then the wheel from the unpacked sdist, so a file missing from the sdist
fails here), without build isolation so that no index is needed (the ``dist`` dependency group
holds the backend). The wheel goes into a fresh venv outside the checkout with ``--no-index
--no-deps``; its dependencies come from a folder of links to this venv's installed packages
(everything but auth0link itself), and ``pip check`` proves the wheel's declared requirements are
met by them. A full install from the index takes ~15 s, over the suite's 10 s per test.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built from this checkout as `make dist` builds them."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


@pytest.fixture(scope="session")
def installed(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the built wheel installed; returns its bin folder."""
    home = tmp_path_factory.mktemp("wheel-install")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    deps = home / "deps"
    deps.mkdir()
    ours = re.compile(r"^(auth0link|_?_?editable__.*auth0link.*|_auth0link\.pth)", re.IGNORECASE)
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not ours.match(entry.name) and not entry.name.endswith(".pth"):
            (deps / entry.name).symlink_to(entry)
    target_site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    )
    (target_site / "deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    (wheel,) = dist_dir.glob("*.whl")
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(venv / "bin" / "python"),
        "--disable-pip-version-check",
    ]
    subprocess.run(
        [*pip, "install", "-q", "--no-index", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return venv / "bin"


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``argv`` outside the checkout, with none of the developer's AUTH0LINK_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0LINK_") and k != "PYTHONPATH"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_make_dist_builds_an_sdist_and_a_wheel_that_pass_twine_check(dist_dir: Path) -> None:
    """`python -m build` makes one sdist and one wheel, and `twine check --strict` accepts both."""
    artefacts = [p.name for p in dist_dir.iterdir()]
    assert len(artefacts) == 2
    assert sum(name.endswith(".tar.gz") for name in artefacts) == 1
    assert sum(name.endswith("-py3-none-any.whl") for name in artefacts) == 1
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *(str(p) for p in dist_dir.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_the_installed_wheel_reports_its_own_version_and_help(installed: Path, dist_dir: Path) -> None:
    """From the fresh venv: `--version` is the wheel's version, `--help` lists the commands, deps check out."""
    (wheel,) = dist_dir.glob("*.whl")
    version = wheel.name.split("-")[1]
    cwd = installed.parent.parent
    done = run([str(installed / "auth0link"), "--version"], cwd)
    assert (done.returncode, done.stdout) == (0, f"auth0link {version}\n")
    done = run([str(installed / "auth0link"), "--help"], cwd)
    assert done.returncode == 0
    for command in ("login", "link", "unlink", "identities", "emulator", "batch-link"):
        assert f"  {command}" in done.stdout
    where = run([str(installed / "python"), "-c", "import auth0link; print(auth0link.__file__)"], cwd)
    assert where.stdout.startswith(str(installed.parent)), where.stdout
    check = run([sys.executable, "-m", "pip", "--python", str(installed / "python"), "check"], cwd)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.fixture
def wheel_emulator(installed: Path, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The installed wheel's `auth0link emulator --json --port 0`, run from outside the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0LINK_") and k != "PYTHONPATH"}
    env["AUTH0LINK_DATA_DIR"] = str(tmp_path / "data")
    process = subprocess.Popen(
        [str(installed / "auth0link"), "emulator", "--json", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_the_installed_wheel_serves_the_emulator_and_stops_cleanly(
    wheel_emulator: subprocess.Popen[bytes],
) -> None:
    """From the fresh venv, `auth0link emulator` prints its JSON line, answers over HTTPS, exits 0 on SIGTERM."""
    import ssl

    import httpx

    assert wheel_emulator.stdout is not None
    line = b""
    deadline = time.monotonic() + 15
    with selectors.DefaultSelector() as selector:
        selector.register(wheel_emulator.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n") and selector.select(max(0.0, deadline - time.monotonic())):
            chunk = os.read(wheel_emulator.stdout.fileno(), 65536)
            if not chunk:
                break
            line += chunk
    info = json.loads(line)
    health = httpx.get(
        f"{info['base_url']}/__emulator/health",
        verify=ssl.create_default_context(cafile=info["ca_bundle"]),
        timeout=10,
    )
    assert health.json()["status"] == "ok"
    wheel_emulator.send_signal(signal.SIGTERM)
    assert wheel_emulator.wait(timeout=10) == 0
