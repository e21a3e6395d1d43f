"""Small file helpers: private directories, advisory locks, and atomic, permission-safe writes.

* :func:`private_dir` — the one way auth0link creates a directory: every component it creates is
  0700 whatever the umask (``mkdir(parents=True, mode=…)`` applies the mode to the last one
  only, and the umask still applies). Directories that exist already are not touched, except
  the config and data directories themselves, which :func:`make_private` tightens when they hold
  only auth0link's files (never a shared one such as ``$HOME``, ``/tmp`` or ``/etc``).
* :func:`file_lock` — an exclusive ``flock`` on a 0600 lock file, with a timeout.
* :func:`atomic_write_bytes` / :func:`atomic_write_text` — temp file, fsync, rename.
* :func:`work_dir` — a private temporary folder named with the process ID, removed at the end;
  the folders of runs that were killed (``kill -9``: no cleanup ran) are removed by the next one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from auth0link.errors import TokenStorageError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator

PRIVATE_DIR_MODE: Final = 0o700
LOCK_TIMEOUT: Final = 30.0


def private_dir(path: Path) -> Path:
    """Make sure ``path`` is a directory; every directory created on the way is 0700.

    Directories that already exist are left as they are (see :func:`make_private` for the
    config and data directories themselves).
    """
    missing: list[Path] = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue  # another process made it just now (through this function: 0700)
        directory.chmod(PRIVATE_DIR_MODE)  # the umask applies to mkdir's mode; chmod does not
    return path


def make_private(path: Path, *, own: Collection[str]) -> None:
    """Set 0700 on an existing config or data directory, if it is auth0link's alone.

    It is when every entry in it is one of ``own`` (or a temp file of :func:`atomic_write_bytes`),
    it is ours and not sticky. A directory with anything else in it (``$HOME``, ``/tmp``, ``/etc``
    given as ``AUTH0LINK_CONFIG_DIR``) is shared and left as it is. Best effort: a missing
    directory is left to :func:`private_dir`, a file system without modes is not an error.
    """
    try:
        info = path.stat()
        names = [entry.name for entry in path.iterdir()]
    except OSError:
        return
    if stat.S_IMODE(info.st_mode) == PRIVATE_DIR_MODE or info.st_mode & stat.S_ISVTX:
        return
    foreign = [n for n in names if n not in own and not (n.startswith(".") and n.endswith(".tmp"))]
    if info.st_uid == os.geteuid() and not foreign:
        with contextlib.suppress(OSError):
            path.chmod(PRIVATE_DIR_MODE)


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (created 0600), waiting at most ``timeout`` s.

    ``flock`` locks belong to the open file, so two opens in one process exclude each other too:
    never take the same lock twice in one call chain.
    """
    import fcntl

    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TokenStorageError(
                        f"Another auth0link process holds {path.name} for more than {timeout:g} s.",
                        hint="wait for it to finish, then try again",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same dir, fsync, rename.

    The file is created with ``mode`` from the start (never briefly world-readable), and a crash
    leaves either the old content or the new, never half of it. Missing directories are created
    by :func:`private_dir`.
    """
    private_dir(path.parent)
    import tempfile  # only writers need it (start-up time)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename durable too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


@contextlib.contextmanager
def work_dir(prefix: str) -> Iterator[Path]:
    """A private temporary folder ``<tmp>/<prefix><pid>-<random>`` (0700), removed at the end.

    Folders of ours with this prefix whose process is gone (killed before it could clean up) are
    removed first (:func:`remove_stale_work_dirs`).
    """
    import tempfile  # only the commands that need a work folder pay for it

    remove_stale_work_dirs(Path(tempfile.gettempdir()), prefix)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-") as name:
        yield Path(name)


def remove_stale_work_dirs(parent: Path, prefix: str) -> None:
    """Remove ``parent/<prefix><pid>-…`` folders owned by this user whose process is gone.

    Only real folders (not links) of the current user, named with a process ID that no longer
    exists; anything else (another user's, a live run's, another name) is left alone.
    """
    import shutil

    try:
        entries = list(parent.glob(f"{prefix}*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(prefix) :].partition("-")[0]
        if not pid.isdigit():
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True when a process ``pid`` exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True
