r"""The batch journal and the backup file: append-only, fsync'd JSON lines.

The journal records every step of every pair of a ``batch-link`` run, one JSON object a line::

    {"v": 1, "kind": "header", "created": 1763890000.0, "backup": "/…/backups/batch-….jsonl",
     "tenant": {"domain": "https://tenant.example", "issuer": "https://tenant.example/"}}
    {"pair": "auth0|a\tgoogle-oauth2|1", "step": "backup", "line": 1, "t": …}
    {"pair": "auth0|a\tgoogle-oauth2|1", "step": "merged", "keys": ["locale"], "t": …}
    {"pair": "auth0|a\tgoogle-oauth2|1", "step": "linked", "t": …}

Terminal steps are ``linked`` and ``already_linked`` (the pair is done and is skipped on
``--resume``); ``skipped`` and ``failed`` are re-tried on resume. Each record is written with
one ``write`` on an ``O_APPEND`` descriptor and fsync'd before the next request, so after a crash
or ``kill -9`` the journal holds every finished step; a torn last line (power loss) is ignored,
and the next record (journal or backup file) starts on a line of its own.

Why resuming is safe: each pair's steps are idempotent and ordered *backup → merge → link*. A
re-run fetches the secondary again; if it is gone and the primary holds its identity, the link
happened (before the crash) and, since merging precedes linking, so did the merge. The merge
itself yields an empty patch when it was already applied. So a pair is never linked twice and
the secondary's metadata is never lost (it is also in the backup file, fsync'd before any change).

Only one process may use a journal at a time: an advisory lock on the journal file itself; a
second run gets :class:`~auth0link.errors.Conflict` (exit 7).

Memory: resuming keeps one 64-bit hash per finished pair (about 60 bytes each), not the pairs.

A journal edited between runs cannot redirect anything: ``--resume`` refuses a header whose
tenant is not the current one (exit 8, naming both; one that names no tenant only with
``--allow-unknown-tenant``) or whose backup file is not one batch-link itself names in the data
directory's ``backups`` folder (``batch-<time>-<hex>.jsonl``). Backup files and journals are
opened without following a link, must be regular files owned by the current user, and are
made 0600.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Final

from auth0link._files import private_dir
from auth0link.errors import Conflict, Fix, Refused, UsageError, cmd

if TYPE_CHECKING:
    from pathlib import Path

    from auth0link.models import TenantMark

JOURNAL_VERSION: Final = 1
TERMINAL_STEPS: Final = frozenset({"linked", "already_linked"})
STARTED_STEPS: Final = frozenset({"backup", "merged"})


def pair_key(primary_id: str, secondary_id: str) -> str:
    """The pair's stable key in the journal."""
    return f"{primary_id}\t{secondary_id}"


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _ends_inside_a_line(path: Path) -> bool:
    """True when a non-empty file's last byte is not a newline (a write torn by a power loss)."""
    with path.open("rb") as handle:
        if handle.seek(0, os.SEEK_END) == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


class AppendFile:
    """A 0600 file opened for appending whole lines, each fsync'd (thread-safe).

    Opening writes nothing. When the file ends inside a line (a write torn by a power loss), the
    first line appended starts with a newline, in the same ``write``, so it stays readable.
    """

    def __init__(self, path: Path) -> None:
        """Create (0600, parent 0700) or open ``path`` for appending; never through a link."""
        private_dir(path.parent)
        existed = path.exists()
        self.path = path
        self._fd = _open_own_file(path)
        self._lock = threading.Lock()
        self._torn = False
        if not existed:
            _fsync_dir(path.parent)
        else:
            try:
                self._torn = _ends_inside_a_line(path)
            except OSError:
                self.close()
                raise

    @property
    def fd(self) -> int:
        """The file descriptor (for locking)."""
        return self._fd

    def append(self, record: dict[str, Any]) -> None:
        """Write one JSON line with a single ``write`` and fsync it."""
        data = (json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
        with self._lock:
            view = memoryview(b"\n" + data if self._torn else data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
            self._torn = False

    def close(self) -> None:
        """Close the descriptor (releases a lock held on it)."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _open_own_file(path: Path) -> int:
    """``path`` opened for appending: not a link, a regular file of ours, mode 0600."""
    import stat

    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if path.is_symlink():
            raise Refused(f"{path} is a symbolic link; batch-link writes only to its own files.") from None
        raise UsageError(f"Cannot open {path}: {exc.strerror or exc}.") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        os.close(fd)
        raise Refused(
            f"{path} is not a regular file of the current user; batch-link writes only to its own files."
        )
    if stat.S_IMODE(info.st_mode) != 0o600:  # noqa: PLR2004 - the one mode for files with user data
        os.fchmod(fd, 0o600)
    return fd


class Journal:
    """The run's journal: which pairs are done, and an append-only record of each step."""

    def __init__(
        self,
        path: Path,
        *,
        backup_path: Path | None,
        resume: bool,
        tenant: TenantMark | None = None,
        allow_unknown_tenant: bool = False,
    ) -> None:
        """Open (and lock) ``path``; with ``resume`` it must exist, otherwise it must not.

        ``tenant`` is written in a new header and checked against a resumed one (module docstring).
        """
        self.path = path
        self.tenant = tenant
        self._done: set[int] = set()
        self._started: set[int] = set()
        self._started_earlier: set[int] = set()  # started by an earlier run (read at --resume)
        self.done_before = 0
        if resume and not path.exists():
            raise UsageError(f"No journal at {path}.", hint="pass the journal path printed by the first run")
        if not resume and path.exists() and path.stat().st_size > 0:
            raise UsageError(
                f"The journal {path} already exists.",
                hint=f"resume it with --resume {path}, or choose another --journal path",
            )
        self._file = AppendFile(path)
        self._lock_or_conflict()
        header: dict[str, Any] | None = None
        try:
            if resume:
                header = self._load()
                _check_tenant(header, tenant, path, allow_unknown=allow_unknown_tenant)
        except BaseException:
            self.close()
            raise
        #: What the header says about the backup file (checked by :func:`open_run_files`).
        self.header_backup = header.get("backup") if header else None
        self.backup_path = backup_path or (_as_path(self.header_backup, path) if header else None)
        if header is None:
            self._file.append(
                {
                    "v": JOURNAL_VERSION,
                    "kind": "header",
                    "created": time.time(),
                    "backup": str(self.backup_path) if self.backup_path else None,
                    **({"tenant": tenant.to_json()} if tenant is not None else {}),
                }
            )

    def _lock_or_conflict(self) -> None:
        import fcntl

        try:
            fcntl.flock(self._file.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise Conflict(
                f"Another batch-link run is using the journal {self.path}.",
                status_code=0,
                hint="wait for it to finish (or stop it), then resume with --resume",
            ) from None

    def _load(self) -> dict[str, Any] | None:
        """Replay the journal into the done/started sets; returns the header record."""
        header: dict[str, Any] | None = None
        with self.path.open("rb") as handle:
            for raw in handle:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue  # a torn last line after a power loss
                if not isinstance(record, dict):
                    continue
                if record.get("kind") == "header":
                    header = header or record
                    continue
                key, step = record.get("pair"), record.get("step")
                if isinstance(key, str):
                    self._note(key, step)
        self._started_earlier = set(self._started)
        self.done_before = len(self._done)
        return header

    def is_done(self, key: str) -> bool:
        """True when an earlier run (or this one) finished the pair."""
        return _digest(key) in self._done

    def was_started_earlier(self, key: str) -> bool:
        """True when an *earlier* run (read at ``--resume``) started the pair and never finished it."""
        return _digest(key) in self._started_earlier

    def record(self, key: str, step: str, **fields: Any) -> None:
        """Append one step (fsync'd) and update the in-memory sets."""
        self._file.append({"pair": key, "step": step, "t": round(time.time(), 3), **fields})
        self._note(key, step)

    def _note(self, key: str, step: object) -> None:
        """Update the done and started sets for one step of ``key`` (read back or just written)."""
        digest = _digest(key)
        if step in TERMINAL_STEPS:
            self._done.add(digest)
            self._started.discard(digest)
        elif step in STARTED_STEPS:
            self._started.add(digest)

    def close(self) -> None:
        """Close the file and release the lock."""
        self._file.close()


def _check_tenant(
    header: dict[str, Any] | None, tenant: TenantMark | None, path: Path, *, allow_unknown: bool
) -> None:
    """A resumed journal must be the current tenant's (module docstring)."""
    from auth0link.models import TenantMark

    if tenant is None:
        return
    recorded = TenantMark.from_json((header or {}).get("tenant"))
    if recorded is None and not allow_unknown:
        raise Refused(
            f"The journal {path} names no tenant (an older auth0link wrote it), so it may belong to "
            f"another tenant than {tenant}. Nothing was changed.",
            hint="if it was written for this tenant, resume again with --allow-unknown-tenant",
        )
    if recorded is not None and not recorded.same_tenant(tenant):
        raise Refused(
            f"The journal {path} was written for the tenant {recorded}, not for {tenant}, the "
            "tenant of this profile. Nothing was changed.",
            hint=Fix(
                "resume it with the profile of its tenant (", cmd("batch-link", "…", profile="NAME"), ")"
            ),
        )


def _as_path(value: Any, journal: Path) -> Path | None:
    from pathlib import Path

    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else journal.parent / path


@dataclasses.dataclass
class RunFiles:
    """A run's journal and backup file (both None for a dry run without ``--resume``)."""

    journal: Journal | None
    backups: AppendFile | None

    def close(self) -> None:
        """Close both (releasing the journal's lock)."""
        if self.journal is not None:
            self.journal.close()
        if self.backups is not None:
            self.backups.close()


def open_run_files(
    data_dir: Path,
    *,
    journal_path: Path | None,
    resume_path: Path | None,
    dry_run: bool,
    now: float,
    tenant: TenantMark | None = None,
    allow_unknown_tenant: bool = False,
) -> RunFiles:
    """Open (and lock) the journal and the backup file of a ``batch-link`` run.

    Default names are unique per run (``batch-<UTC time>-<random>.jsonl``): two runs started in
    the same second must not share a journal. A dry run writes nothing (it only reads a journal
    given with ``--resume``, to skip what is done).
    """
    import datetime as dt
    import secrets

    if dry_run:
        if resume_path is None:
            return RunFiles(None, None)
        read = Journal(
            resume_path,
            backup_path=None,
            resume=True,
            tenant=tenant,
            allow_unknown_tenant=allow_unknown_tenant,
        )
        return RunFiles(read, None)
    stamp = f"{dt.datetime.fromtimestamp(now, tz=dt.UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    default_backup = data_dir / "backups" / f"batch-{stamp}.jsonl"
    journal = Journal(
        resume_path or journal_path or data_dir / "journals" / f"batch-{stamp}.jsonl",
        backup_path=None if resume_path else default_backup,
        resume=resume_path is not None,
        tenant=tenant,
        allow_unknown_tenant=allow_unknown_tenant,
    )
    try:
        backups = AppendFile(_backup_file(journal, data_dir / "backups", default_backup))
    except BaseException:
        journal.close()
        raise
    return RunFiles(journal, backups)


_BACKUP_NAME: Final = re.compile(r"batch-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}\.jsonl")


def _backup_file(journal: Journal, folder: Path, default: Path) -> Path:
    """The run's backup file: a new one, or the one a resumed header names if batch-link named it.

    The header's path is not trusted: only a ``batch-<time>-<hex>.jsonl`` name in ``folder`` (the
    data directory's ``backups``) is, and any other value means the header was edited.
    """
    from pathlib import Path

    if folder.is_symlink():
        raise Refused(f"{folder} is a symbolic link; batch-link writes backups only to its own folder.")
    recorded = journal.header_backup
    if journal.backup_path == default or recorded is None:
        return default
    name = Path(recorded).name if isinstance(recorded, str) else ""
    if not (_BACKUP_NAME.fullmatch(name) and recorded == str(folder / name)):
        raise Refused(
            f"The journal {journal.path} names the backup file {str(recorded)[:200]!r}, which batch-link "
            f"did not write (its backups are batch-<time>-<hex>.jsonl files in {folder}): the journal was "
            "changed after it was written. Nothing was changed.",
            hint="start a new run without --resume (pairs linked already are counted as already linked)",
        )
    return folder / name
