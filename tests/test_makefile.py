"""The Makefile picks any Python from 3.11 up (``scripts/find-python.sh``), as Debian and Ubuntu ship them.

``make -n -B venv`` prints the venv recipe without running it; PATH holds only fake interpreters
(shell scripts that answer the version check), so the machine's own Python cannot be picked.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def fake_python(folder: Path, name: str, version: tuple[int, int]) -> None:
    """An executable ``name`` that passes or fails ``sys.version_info < (3, 11)`` as ``version`` would."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    status = 1 if version < (3, 11) else 0
    path.write_text(f"#!/bin/sh\necho 'Python {version[0]}.{version[1]}.0' >&2\nexit {status}\n")
    path.chmod(0o755)


def make_venv(bin_dir: Path, *, dry_run: bool = True) -> subprocess.CompletedProcess[str]:
    """``make -n -B venv`` with only ``bin_dir`` on PATH (without -n: a venv under ``bin_dir``)."""
    assert MAKE is not None
    return subprocess.run(
        [MAKE, *(["-n"] if dry_run else []), "-B", "venv", f"VENV={bin_dir / 'venv'}"],
        cwd=ROOT,
        env={"PATH": str(bin_dir), "HOME": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python3_from_3_11_up_is_used(tmp_path: Path) -> None:
    """python3 is 3.12 (current Debian and Ubuntu): the venv is made with python3, its venv package python3-venv."""
    fake_python(tmp_path / "bin", "python3", (3, 12))
    result = make_venv(tmp_path / "bin")
    assert result.returncode == 0, result.stderr
    assert f"python3 -m venv {tmp_path / 'bin' / 'venv'}\n" in result.stdout
    assert "--python-venv python3\n" in result.stdout


def test_an_old_python3_gives_way_to_the_newest_python3_n(tmp_path: Path) -> None:
    """python3 is 3.10: the newest python3.N from 3.11 up on PATH is used (python3.12, not 3.11)."""
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir, "python3", (3, 10))
    fake_python(bin_dir, "python3.10", (3, 10))
    fake_python(bin_dir, "python3.11", (3, 11))
    fake_python(bin_dir, "python3.12", (3, 12))
    result = make_venv(bin_dir)
    assert result.returncode == 0, result.stderr
    assert f"python3.12 -m venv {bin_dir / 'venv'}\n" in result.stdout
    assert "--python-venv python3.12\n" in result.stdout


def test_no_python_from_3_11_up_says_so(tmp_path: Path) -> None:
    """Only 3.10 on PATH: make says what to install and stops before making any venv."""
    fake_python(tmp_path / "bin", "python3", (3, 10))
    result = make_venv(tmp_path / "bin", dry_run=False)
    assert result.returncode != 0
    assert "no Python 3.11 or newer on PATH" in result.stderr
    assert "make: no Python 3.11 or newer found" in result.stderr
    assert not (tmp_path / "bin" / "venv").exists()
