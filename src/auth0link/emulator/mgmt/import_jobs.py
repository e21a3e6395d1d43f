"""Users-import jobs: ``POST /api/v2/jobs/users-imports``, ``GET /jobs/{id}``, ``GET /jobs/{id}/errors``.

As Auth0's "Bulk User Imports" (``create:users``):

- ``POST`` is ``multipart/form-data`` with ``users`` (the file: a JSON array in Auth0's users-import
  schema: ``email`` required; ``email_verified``, ``user_id``, ``username``, ``given_name``,
  ``family_name``, ``name``, ``nickname``, ``picture``, ``blocked``, ``password_hash``,
  ``custom_password_hash``, ``app_metadata``, ``user_metadata``, ``mfa_factors``),
  ``connection_id`` (a database connection, required), ``upsert`` (default ``false``),
  ``external_id`` and ``send_completion_email`` (default ``true``). The file is at most 500 KB
  (413 otherwise, hapi's "Payload content length greater than maximum allowed: 512000"). 202 with
  ``{status: pending, type: users_import, id, connection_id, connection, created_at,
  external_id?}``.
- ``GET /jobs/{id}``: ``pending`` for the first second on the tenant clock, then ``completed``
  with ``summary: {failed, updated, inserted, total}``.
- ``GET /jobs/{id}/errors``: 200 with ``[{user, errors: [{code, message, path?}]}]`` for the users
  that failed (``DUPLICATED_USER`` without ``upsert``, ``INVALID_FORMAT`` for a record outside
  the schema), 204 without failures.

The users are written when the job is created (Auth0 writes them while the job runs); a file that
is not a JSON array of objects is refused at once (400, undocumented wording). With
``send_completion_email`` the completion message goes to the outbox, to ``tenant-owners``.
Password hashes are checked for shape and kept out of the user: the emulator cannot log in with
them.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ..state import accounts
from ..state.model import ManagementError, iso
from ..state.user_records import spec_from_import
from .checks import bad_body

if TYPE_CHECKING:
    from ..state.tenant import Tenant

MAX_FILE_BYTES: Final = 512_000
PENDING_SECONDS: Final = 1.0
OWNERS: Final = "tenant-owners"
_ALPHANUMERIC: Final = string.ascii_letters + string.digits
_UPSERT_FIELDS: Final = ("email_verified", "name", "nickname", "picture", "user_metadata", "app_metadata")


@dataclass
class ImportJob:
    """One import: what was asked and what happened to each user."""

    id: str
    created: float
    connection_id: str
    connection: str
    external_id: str | None
    summary: dict[str, int]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def body(self, now: float) -> dict[str, Any]:
        """The job as ``GET /jobs/{id}`` shows it at ``now``."""
        body: dict[str, Any] = {
            "type": "users_import",
            "status": "pending" if now - self.created < PENDING_SECONDS else "completed",
            "connection_id": self.connection_id,
            "connection": self.connection,
            "created_at": iso(self.created),
            "id": self.id,
        }
        if self.external_id is not None:
            body["external_id"] = self.external_id
        if body["status"] == "completed":
            body["summary"] = dict(self.summary)
        return body


def parse_multipart(content_type: str, raw: bytes) -> dict[str, tuple[bytes, str | None]]:
    """The parts of a ``multipart/form-data`` body: name → (content, file name or ``None``)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ManagementError(400, "Content-Type must be multipart/form-data", "invalid_body")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    parts: dict[str, tuple[bytes, str | None]] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            parts[name] = (payload if isinstance(payload, bytes) else b"", part.get_filename())
    return parts


def _flag(parts: dict[str, tuple[bytes, str | None]], name: str, default: bool) -> bool:
    if name not in parts:
        return default
    text = parts[name][0].decode("utf-8", "replace").strip().lower()
    if text not in ("true", "false"):
        raise bad_body(f"Expected type boolean but found type string on property {name}")
    return text == "true"


class ImportJobs:
    """The tenant's import jobs by ID."""

    def __init__(self) -> None:
        """No jobs yet."""
        self._jobs: dict[str, ImportJob] = {}

    def __contains__(self, job_id: object) -> bool:
        """Whether ``job_id`` is an import job."""
        return job_id in self._jobs

    def clear(self) -> None:
        """Forget every job."""
        self._jobs.clear()

    def create(self, tenant: Tenant, content_type: str, raw: bytes) -> dict[str, Any]:
        """``POST /jobs/users-imports``: import the file now; the job as created."""
        parts = parse_multipart(content_type, raw)
        if "users" not in parts:
            raise bad_body("Missing required property: users")
        users_file = parts["users"][0]
        if len(users_file) > MAX_FILE_BYTES:
            raise ManagementError(
                413,
                f"Payload content length greater than maximum allowed: {MAX_FILE_BYTES}",
                "payload_too_large",
            )
        con_id = parts.get("connection_id", (b"", None))[0].decode("utf-8", "replace").strip()
        if not con_id:
            raise bad_body("Missing required property: connection_id")
        conn = next((c for c in tenant.connections.values() if c.id == con_id), None)
        if conn is None:
            raise ManagementError(404, "The connection does not exist.", "inexistent_connection")
        if not conn.is_database:
            # Undocumented wording: imports go to database connections only.
            raise ManagementError(400, "The connection must be a database connection.", "invalid_body")
        records = _records(users_file)
        upsert = _flag(parts, "upsert", default=False)
        send_email = _flag(parts, "send_completion_email", default=True)
        external = parts["external_id"][0].decode("utf-8", "replace") if "external_id" in parts else None
        job = ImportJob(
            id="job_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(16)),
            created=tenant.now(),
            connection_id=con_id,
            connection=conn.name,
            external_id=external,
            summary={"failed": 0, "updated": 0, "inserted": 0, "total": len(records)},
        )
        for record in records:
            _import_one(tenant, job, record, upsert=upsert)
        self._jobs[job.id] = job
        if send_email:
            text = f"[Auth0] Import user job for tenant emulator and connection {conn.name} completed"
            tenant.outbox.send_message(OWNERS, conn.name, "users_import_completed", text)
        return job.body(job.created)

    def view(self, job_id: str, now: float) -> dict[str, Any]:
        """``GET /jobs/{id}``."""
        return self._jobs[job_id].body(now)

    def errors(self, job_id: str) -> list[dict[str, Any]]:
        """``GET /jobs/{id}/errors``: the failed users with their errors."""
        return [dict(item) for item in self._jobs[job_id].errors]


def _records(raw: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        # Auth0's words in its failure email; refused at once here.
        raise ManagementError(
            400,
            "Failed to parse users file JSON when importing users. Make sure it is valid JSON.",
            "invalid_body",
        )
    return data


def _import_one(tenant: Tenant, job: ImportJob, record: dict[str, Any], *, upsert: bool) -> None:
    """Insert (or, with ``upsert``, update) one user; a failure is recorded on the job."""
    try:
        spec = spec_from_import(record, database=job.connection)
    except (ValueError, TypeError) as exc:
        job.errors.append({"user": record, "errors": [{"code": "INVALID_FORMAT", "message": str(exc)}]})
        job.summary["failed"] += 1
        return
    existing = accounts.find(tenant.users, job.connection, "email", str(spec["email"]).lower())
    if existing is None:
        try:
            tenant.users.add(spec)
        except ValueError as exc:
            error = {"code": "DUPLICATED_USER", "message": str(exc), "path": "user_id"}
            job.errors.append({"user": record, "errors": [error]})
            job.summary["failed"] += 1
            return
        job.summary["inserted"] += 1
        return
    if not upsert:
        error = {"code": "DUPLICATED_USER", "message": "The user already exist and upsert parameter is false"}
        job.errors.append({"user": record, "errors": [error]})
        job.summary["failed"] += 1
        return
    tenant.users.patch(existing, {k: record[k] for k in _UPSERT_FIELDS if k in record})
    job.summary["updated"] += 1
