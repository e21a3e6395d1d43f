"""The emulator's private work folders (export files), and the left-overs of a killed emulator.

An export job writes its gzipped file into one private folder per emulator,
``$TMPDIR/auth0link-emulator-exports-<pid>-<random>`` (0700, files 0600), removed when the
emulator stops. A process killed with SIGKILL cannot remove it, so every new folder first
removes the folders of this kind that belong to the current user and whose process is gone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Final

LOG = logging.getLogger("auth0link.emulator")
PREFIX: Final = "auth0link-emulator-exports-"
_NAME = re.compile(re.escape(PREFIX) + r"(\d{1,10})-[A-Za-z0-9_]+$")


def make_export_folder() -> Path:
    """A new private folder for this process's export files (after sweeping stale ones)."""
    sweep_stale_exports()
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


def sweep_stale_exports() -> int:
    """:func:`sweep_stale` in the temporary folder (at start-up and before a new folder)."""
    return sweep_stale(Path(tempfile.gettempdir()))


def sweep_stale(root: Path) -> int:
    """Remove ``root``'s export folders of the current user whose emulator process is gone."""
    removed = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue  # a link, a file, or another user's: never ours to remove
        shutil.rmtree(entry, ignore_errors=True)
        LOG.info("removed a stale export folder %s", entry)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process (or not ours to judge): keep the folder
    return True
