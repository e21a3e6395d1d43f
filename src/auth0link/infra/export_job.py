"""Running a users-export job and downloading its file: every user, past the 1,000-result search window.

Auth0's user search reads only the first 1,000 results of a query; the way to every user is the
export job ("Bulk User Exports"):

1. ``POST /api/v2/jobs/users-exports`` with ``format: json`` (one JSON object per line) and the
   fields asked for (:data:`FIELDS` for ``suggest``; :data:`COPY_FIELDS` when the file is kept
   to load into the emulator for a rehearsal);
2. ``GET /api/v2/jobs/{id}`` until the job is ``completed``, waiting :data:`FIRST_POLL` s, then
   twice as long each time up to :data:`MAX_POLL` s. Both go through the :class:`Pacer` like any
   other call (a 429 waits for the tenant's bucket to refill, then the call is sent again);
3. the job's ``location`` (a pre-signed URL on another host) streamed into the file, 0600,
   through a ``.part`` file renamed once complete. A location lives about a minute, so a
   download that fails (refused, dropped, cut short) is never retried on the same URL: the job
   is read again for a fresh location, at most :data:`DOWNLOAD_ATTEMPTS` times in all.

A job that fails or expires, or a file that never arrives, is :class:`ExportFailed` (exit 5);
nothing at the tenant changes either way. Progress goes to
``on_progress(phase, done, total, status)``: ``"export job"`` in percent, then ``"download"`` in
KiB.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final

from auth0link.errors import ExportFailed, Fix, NetworkError, UsageError
from auth0link.infra.pacer import paced

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.infra.pacer import Pacer
    from auth0link.models import ExportJob

FIELDS: Final = ("user_id", "email", "email_verified", "created_at", "identities")
COPY_FIELDS: Final = (*FIELDS, "name", "user_metadata", "app_metadata")
FIRST_POLL: Final = 1.0
MAX_POLL: Final = 10.0
MAX_WAIT: Final = 12 * 3600.0  # Auth0 gives up on a job long before this
DOWNLOAD_ATTEMPTS: Final = 3
_RERUN: Final = "run the command again; if it keeps failing, export the users from the dashboard"
_HINT: Final = Fix.run("suggest", "--from-export", "FILE", lead=f"{_RERUN} and run: ")


@dataclass
class ExportRun:
    """One users export, from the POST to the file on disk (module docstring)."""

    client: Auth0Client
    pacer: Pacer
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    on_progress: Callable[[str, int, int | None, str], None] | None = None

    def fetch(self, dest: Path, *, fields: Sequence[str] = FIELDS) -> ExportJob:
        """Export ``fields`` of every user into ``dest`` (gzipped NDJSON); the completed job."""
        job = self._call(lambda: self.client.create_users_export(fields))
        job = self._wait(job)
        return self._download(job, dest)

    def _call(self, request: Callable[[], ExportJob]) -> ExportJob:
        return paced(
            self.pacer,
            request,
            rate_limit=lambda: self.client.rate_limit,
            hint="another client is using the tenant's rate limit; run the command again later",
        )

    def _reread(self, job_id: str) -> ExportJob:
        return self._call(lambda: self.client.get_job(job_id))

    def _progress(self, phase: str, done: int, total: int | None, status: str) -> None:
        if self.on_progress is not None:
            self.on_progress(phase, done, total, status)

    def _wait(self, job: ExportJob) -> ExportJob:
        """Poll until the job is completed (backoff, paced); :class:`ExportFailed` if it ends otherwise."""
        job_id = job.id
        delay = FIRST_POLL
        deadline = self.clock() + MAX_WAIT
        while True:
            percent = job.percentage_done or (100 if job.status == "completed" else 0)
            left = f", about {job.time_left_seconds} s left" if job.time_left_seconds else ""
            self._progress("export job", percent, 100, f"{job.status}{left}")
            if _finished(job):
                return job
            if self.clock() >= deadline:
                raise ExportFailed(
                    f"The users-export job {job_id} did not finish within {MAX_WAIT / 3600:g} hours.",
                    hint=_HINT,
                )
            self.sleep(delay)
            delay = min(MAX_POLL, delay * 2)
            job = self._reread(job_id)

    def _download(self, job: ExportJob, dest: Path) -> ExportJob:
        """Stream the location into ``dest``; a failed try asks the job for a fresh location."""
        part = dest.with_name(dest.name + ".part")
        last: NetworkError | None = None
        try:
            for attempt in range(DOWNLOAD_ATTEMPTS):
                if attempt:
                    self.sleep(FIRST_POLL * attempt)
                    job = self._reread(job.id)
                    if not _finished(job):  # a completed job stays completed; if not, try again
                        continue
                try:
                    with _private_file(part) as out:
                        self.client.download(job.location or "", out, on_bytes=self._bytes)
                except NetworkError as exc:
                    last = exc
                    continue
                try:
                    part.replace(dest)  # replaces a link at dest, never the file it points to
                except OSError as exc:
                    raise UsageError(
                        f"Cannot write {dest}: {exc.strerror or type(exc).__name__}.",
                        hint="pass another path for the export",
                    ) from None
                return job
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        detail = last.message.rstrip(".") if last is not None else "no location"
        raise ExportFailed(
            f"The users export could not be downloaded ({DOWNLOAD_ATTEMPTS} tries, each with a fresh "
            f"location): {detail}.",
            hint=_HINT,
        )

    def _bytes(self, received: int, total: int | None) -> None:
        self._progress("download", received // 1024, total // 1024 if total else None, "")


def _finished(job: ExportJob) -> bool:
    """True when ``job`` is completed with a location; :class:`ExportFailed` when it never will be."""
    if job.status == "completed" and job.location:
        return True
    if job.status == "failed":
        why = (job.status_details or "no reason given").rstrip(".")
        raise ExportFailed(f"The users-export job {job.id} failed: {why}.", hint=_HINT)
    if job.status == "expired":
        raise ExportFailed(
            f"The users-export job {job.id} expired before its file was downloaded.",
            hint="run the command again (it starts a new job)",
        )
    if job.status == "completed":
        raise ExportFailed(f"The users-export job {job.id} completed without a location.", hint=_HINT)
    return False


@contextlib.contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    """``path`` created afresh, readable by this user only (0600).

    A leftover (or planted) file or link at ``path`` is removed first and the file is created
    exclusively without following links, so a link placed in a shared folder (``/tmp``) cannot
    redirect the export, which holds users' personal data, onto another file.
    """
    try:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise UsageError(
            f"Cannot write {path}: {exc.strerror or type(exc).__name__}.",
            hint="pass a path in a folder you own (e.g. --save-export ~/users.json.gz)",
        ) from None
    os.fchmod(handle, 0o600)
    with os.fdopen(handle, "wb") as out:
        yield out
