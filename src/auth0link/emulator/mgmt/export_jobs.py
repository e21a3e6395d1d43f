"""Users-export jobs: ``POST /api/v2/jobs/users-exports``, ``GET /api/v2/jobs/{id}``, the download.

As Auth0's ("Bulk User Exports", ``post-users-exports``, ``get-jobs-by-id``):

- ``POST`` (``read:users``) answers 201 with the job: ``type: users_export``,
  ``status: pending``, ``format``, ``fields``, ``created_at``, ``id`` (``job_`` + 16
  characters), and ``connection_id``/``connection``/``limit`` when given.
- ``GET /jobs/{id}`` (any of ``create:users``, ``read:users``,
  ``create:passwords_checking_job``) goes ``pending`` → ``processing`` (with
  ``percentage_done`` and ``time_left_seconds``) → ``completed`` with a ``location``: a URL
  of the gzipped file valid for 60 seconds, minted afresh by every ``GET``. 24 hours after its
  creation the job is ``expired``: no location, file deleted.
- Jobs count against the Management API rate limit like any call (they are under
  ``/api/v2``); the ``location`` is not (on Auth0 it is a pre-signed URL on another host).

How the emulator does it: the file is written by a worker thread from the moment the job is
created (:func:`.export_file.write_export`), into a private temporary folder that is deleted at
exit; the status follows the tenant clock *and* the work. A job is ``pending`` for its first
:data:`PENDING_SECONDS` and ``completed`` only when the file is written and at least
:data:`MIN_SECONDS` have passed, so a client always has to poll, and a test moves the clock
(``POST /__emulator/clock``) instead of sleeping. The ``location`` is
``BASE/user-exports/{job id}/emulator.json.gz?Expires=…&Signature=…`` (an HMAC with a secret of
this process); a wrong signature, an expired URL or job is a 403 ``AccessDenied`` as a signed
storage URL answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import shutil
import string
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..state.model import ManagementError, iso, json_type
from ..state.work_dirs import make_export_folder
from .export_file import FORMATS, Field, bad_body, parse_fields, write_export

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ..state.directory import UserDirectory

PENDING_SECONDS = 1.0
MIN_SECONDS = 2.0
LOCATION_SECONDS = 60
JOB_TTL = 24 * 3600.0
TENANT_NAME = "emulator"  # Auth0 names the file after the tenant
_ALPHANUMERIC = string.ascii_letters + string.digits
_CONNECTION_ID = re.compile(r"con_[A-Za-z0-9]{16}")
_BODY_KEYS = frozenset(("connection_id", "format", "limit", "fields"))


_EXPIRES_DIGITS = 12  # a Unix time; more digits is no expiry but an attack on int()


@dataclass
class ExportJob:
    """One export: what was asked, and the worker's progress (written by its thread)."""

    id: str
    created: float
    format: str
    fields: list[Field]
    total: int
    connection_id: str | None = None
    connection: str | None = None
    limit: int | None = None
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    path: Path | None = None
    failed: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def body(self) -> dict[str, Any]:
        """The job object as Auth0 shows it (without status-specific fields)."""
        body: dict[str, Any] = {"type": "users_export", "status": "pending"}
        if self.connection_id is not None:
            body["connection_id"] = self.connection_id
        body["format"] = self.format
        if self.limit is not None:
            body["limit"] = self.limit
        body["fields"] = [f.echo() for f in self.fields]
        if self.connection is not None:
            body["connection"] = self.connection
        body.update(created_at=iso(self.created), id=self.id)
        return body

    def filename(self) -> str:
        """``emulator.json.gz`` or ``emulator.csv.gz``."""
        return f"{TENANT_NAME}.{self.format}.gz"


class ExportJobs:
    """The tenant's export jobs and their files (one private temporary folder, made on demand)."""

    def __init__(self, users: UserDirectory, now: Callable[[], float], base_url: str) -> None:
        """Export ``users`` on the tenant clock ``now``; locations start with ``base_url``."""
        self._users = users
        self._now = now
        self._base_url = base_url
        self._jobs: dict[str, ExportJob] = {}
        self._secret = secrets.token_bytes(32)
        self._folder: Path | None = None

    # -- the API ----------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /jobs/users-exports``: check the body, start the worker, answer the job."""
        extra = sorted(set(body) - _BODY_KEYS)
        if extra:
            raise bad_body(f"Additional properties not allowed: {','.join(extra)}")
        fmt = body.get("format", "json")  # undocumented default; the docs always send one
        if fmt not in FORMATS:
            raise bad_body(f'No enum match for: "{fmt}"', "format")
        limit = _limit(body.get("limit"))
        con_id, connection = self._connection(body.get("connection_id"))
        users = [
            u for u in self._users.values() if connection is None or u.identities[0].connection == connection
        ]
        if limit is not None:
            del users[limit:]
        job = ExportJob(
            id="job_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(16)),
            created=self._now(),
            format=fmt,
            fields=parse_fields(body.get("fields"), fmt),
            total=len(users),
            connection_id=con_id,
            connection=connection,
            limit=limit,
        )
        self._sweep()
        self._jobs[job.id] = job
        job.path = self._folder_path() / f"{job.id}.{job.format}.gz"
        threading.Thread(target=self._work, args=(job, users), name=f"export-{job.id}", daemon=True).start()
        return job.body()

    def _connection(self, con_id: Any) -> tuple[str | None, str | None]:
        if con_id is None:
            return None, None
        if not isinstance(con_id, str):
            raise bad_body(f"Expected type string but found type {json_type(con_id)}", "connection_id")
        if not _CONNECTION_ID.fullmatch(con_id):
            raise bad_body(
                f"String does not match pattern ^con_[A-Za-z0-9]{{16}}$: {con_id}", "connection_id"
            )
        name = self._users.connection_named(con_id)
        if name is None:
            # Undocumented: an unknown connection. Worded like Auth0's other "does not exist".
            raise ManagementError(404, "The connection does not exist.", "inexistent_connection")
        return con_id, name

    def view(self, job_id: str) -> dict[str, Any]:
        """``GET /jobs/{id}``: the job with its status now (module docstring)."""
        job = self._jobs.get(job_id)
        if job is None:
            # Undocumented wording and code; as for users ("The user does not exist.").
            raise ManagementError(404, "The job does not exist.", "inexistent_job")
        self._sweep()
        body = job.body()
        now = self._now()
        age = now - job.created
        if age >= JOB_TTL:
            body["status"] = "expired"
        elif job.failed is not None:
            body.update(status="failed", status_details=job.failed)
        elif age >= PENDING_SECONDS and (not job.finished.is_set() or age < MIN_SECONDS):
            body.update(status="processing", **self._progress(job, age))
        elif age >= MIN_SECONDS:
            body["status"] = "completed"
            body["location"] = self._location(job, int(now) + LOCATION_SECONDS)
        return body

    @staticmethod
    def _progress(job: ExportJob, age: float) -> dict[str, int]:
        if job.finished.is_set() or not job.total:
            return {"percentage_done": 99, "time_left_seconds": max(1, round(MIN_SECONDS - age))}
        done = job.done
        elapsed = time.monotonic() - job.started
        left = elapsed / done * (job.total - done) if done else MIN_SECONDS
        return {"percentage_done": min(99, done * 100 // job.total), "time_left_seconds": max(1, round(left))}

    # -- the file ---------------------------------------------------------------------------------

    def _location(self, job: ExportJob, expires: int) -> str:
        path = f"/user-exports/{job.id}/{job.filename()}"
        query = urlencode({"Expires": expires, "Signature": self._sign(path, expires)})
        return f"{self._base_url}{path}?{query}"

    def _sign(self, path: str, expires: int) -> str:
        return hmac.new(self._secret, f"{path}?Expires={expires}".encode(), hashlib.sha256).hexdigest()

    def download(self, job_id: str, filename: str, expires: str, signature: str) -> Path | None:
        """The file a ``location`` names, or ``None`` (bad signature, expired, no such file)."""
        job = self._jobs.get(job_id)
        if (
            job is None
            or not (expires.isascii() and expires.isdigit() and len(expires) <= _EXPIRES_DIGITS)
            or filename != job.filename()
        ):
            return None
        path = f"/user-exports/{job_id}/{filename}"
        if not hmac.compare_digest(self._sign(path, int(expires)), signature):
            return None
        now = self._now()
        if int(expires) < now or now - job.created >= JOB_TTL or not job.finished.is_set():
            return None
        return job.path if job.path is not None and job.failed is None and job.path.exists() else None

    def _folder_path(self) -> Path:
        if self._folder is None:
            self._folder = make_export_folder()
            weakref.finalize(self, shutil.rmtree, self._folder, ignore_errors=True)
        return self._folder

    def _work(self, job: ExportJob, users: list[Any]) -> None:
        assert job.path is not None
        partial = job.path.with_name(job.path.name + ".part")

        def progress(done: int) -> None:
            job.done = done

        try:
            if write_export(
                partial, users, job.fields, job.format, progress=progress, cancelled=job.cancelled
            ):
                partial.replace(job.path)
        except OSError as exc:  # a full disk: the job fails, as Auth0's can
            job.failed = f"The export could not be written ({exc.strerror})."
        finally:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            job.finished.set()

    def _sweep(self) -> None:
        """Delete the files of jobs past their 24 hours (the jobs stay, as ``expired``)."""
        now = self._now()
        for job in self._jobs.values():
            if now - job.created >= JOB_TTL and job.path is not None:
                job.cancelled.set()
                job.path.unlink(missing_ok=True)

    # -- lifetime ---------------------------------------------------------------------------------

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every worker has finished (tests); ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        return all(
            job.finished.wait(max(0.0, deadline - time.monotonic())) for job in list(self._jobs.values())
        )

    def clear(self) -> None:
        """Forget every job: stop the workers and delete their files (reset)."""
        jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            job.cancelled.set()
        for job in jobs:
            job.finished.wait(10)
            if job.path is not None:
                job.path.unlink(missing_ok=True)

    def close(self) -> None:
        """:meth:`clear`, then remove the temporary folder (the emulator stops)."""
        self.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _limit(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise bad_body(f"Expected type integer but found type {json_type(raw)}", "limit")
    if raw < 1:
        raise bad_body(f"Value {raw} is less than minimum 1", "limit")
    return raw
