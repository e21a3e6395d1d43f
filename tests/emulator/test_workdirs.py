"""Export files are private, and a killed emulator's export folders are cleaned on the next start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from typing import TYPE_CHECKING

from auth0link.emulator.state import work_dirs
from tests.emulator.test_jobs import completed, create

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.emulator.conftest import Ctx


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(child.stdout)


def test_export_files_are_0600(ctx: Ctx) -> None:
    """A completed export file holds personal data: 0600, in a 0700 folder."""
    created = create(ctx, {"format": "json"}).json()
    completed(ctx, created["id"])
    (path,) = [job.path for job in ctx.tenant.exports._jobs.values()]
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_stale_export_folders_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of a dead emulator is removed; a live one's, another name, or a link is kept."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"{work_dirs.PREFIX}{_dead_pid()}-abc123"
    stale.mkdir()
    (stale / "job.json.gz").write_bytes(b"personal data")
    live = tmp_path / f"{work_dirs.PREFIX}{os.getppid()}-def456"
    live.mkdir()
    other = tmp_path / "auth0link-emulator-exports-x"
    other.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / f"{work_dirs.PREFIX}{_dead_pid()}-link"
    link.symlink_to(target)
    made = work_dirs.make_export_folder()
    assert made.name.startswith(f"{work_dirs.PREFIX}{os.getpid()}-")
    assert not stale.exists()
    assert live.exists()
    assert other.exists()
    assert link.is_symlink()
    assert target.exists()


def test_a_new_start_sweeps_stale_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting an emulator (prepare) removes a killed emulator's export folder at once."""
    from auth0link.emulator.server.options import EmulatorOptions
    from auth0link.emulator.server.serve import prepare

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"{work_dirs.PREFIX}{_dead_pid()}-abc123"
    stale.mkdir()
    prepare(EmulatorOptions(tls=False)).sock.close()
    assert not stale.exists()
