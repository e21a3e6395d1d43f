"""Finding link-time backups, and putting a secondary's metadata back after an unlink.

Backups live in ``<data dir>/backups``: one JSON file per ``link`` (``link-*.json``) and one
JSON-lines file per ``batch-link`` run (``batch-*.jsonl``). Both hold records of the format
``auth0link-link-backup/1`` with ``kept`` (the primary) and ``absorbed`` (the secondary) as Auth0
returned them before anything changed.

Auth0's unlink recreates the secondary as a bare user: its ``user_metadata`` and
``app_metadata`` were discarded at link time. :func:`restore_metadata` re-applies them from the
newest backup that absorbed that user.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from auth0link.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import User


@dataclasses.dataclass(frozen=True)
class BackupEntry:
    """One backup record and where it is."""

    path: Path
    line: int | None
    created_at: str
    kept_id: str
    absorbed_id: str
    record: dict[str, Any] = dataclasses.field(repr=False, compare=False)

    @property
    def location(self) -> str:
        """``file`` or ``file:line``."""
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys (without the record)."""
        return {
            "location": self.location,
            "created_at": self.created_at,
            "primary_id": self.kept_id,
            "secondary_id": self.absorbed_id,
        }


def _user_id(doc: Any) -> str:
    if not isinstance(doc, dict):
        return ""
    if isinstance(doc.get("user_id"), str):
        return str(doc["user_id"])
    claims = doc.get("claims")
    return str(claims.get("sub", "")) if isinstance(claims, dict) else ""


def _entry(path: Path, line: int | None, record: Any) -> BackupEntry | None:
    if not isinstance(record, dict) or "kept" not in record:
        return None
    return BackupEntry(
        path=path,
        line=line,
        created_at=str(record.get("created_at", "")),
        kept_id=_user_id(record.get("kept")),
        absorbed_id=_user_id(record.get("absorbed")),
        record=record,
    )


def iter_backups(backup_dir: Path) -> Iterator[BackupEntry]:
    """Every readable backup record, oldest file first (streamed; unreadable lines skipped)."""
    if not backup_dir.is_dir():
        return
    for path in sorted(backup_dir.iterdir()):
        if path.suffix == ".json":
            try:
                entry = _entry(path, None, json.loads(path.read_bytes().decode("utf-8")))
            except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8, not JSON: skipped
                continue
            if entry is not None:
                yield entry
        elif path.suffix == ".jsonl":
            yield from _iter_lines(path)


def _iter_lines(path: Path) -> Iterator[BackupEntry]:
    """Records of an append-only JSON-lines file, read as bytes.

    A line that is not UTF-8 or not JSON (a write torn by a crash, usually the last one) is
    skipped, so one bad line never hides the others.
    """
    try:
        handle = path.open("rb")
    except OSError:
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                entry = _entry(path, number, json.loads(raw.decode("utf-8")))
            except (ValueError, RecursionError):  # not UTF-8 (a torn write), not JSON, too deep
                continue
            if entry is not None:
                yield entry


def find_backups(backup_dir: Path, user_id: str | None = None) -> list[BackupEntry]:
    """Backups involving ``user_id`` (as primary or secondary), or all; oldest first."""
    return [e for e in iter_backups(backup_dir) if user_id is None or user_id in {e.kept_id, e.absorbed_id}]


def restore_metadata(
    client: Auth0Client, backup_dir: Path, *, primary_id: str, secondary_id: str
) -> tuple[User, BackupEntry]:
    """Re-apply the secondary's ``user_metadata``/``app_metadata`` from its newest backup."""
    matches = [e for e in find_backups(backup_dir, secondary_id) if e.absorbed_id == secondary_id]
    preferred = [e for e in matches if e.kept_id == primary_id] or matches
    if not preferred:
        raise NotFound(
            f"No backup of {secondary_id} was found in {backup_dir}; its metadata cannot be restored.",
            status_code=404,
            hint=f"list backups with: auth0link backups list --user {secondary_id}",
        )
    entry = max(preferred, key=lambda e: e.created_at)
    absorbed = entry.record.get("absorbed")
    body: dict[str, Any] = {}
    if isinstance(absorbed, dict):
        for field in ("user_metadata", "app_metadata"):
            value = absorbed.get(field)
            if isinstance(value, dict) and value:
                body[field] = value
    if not body:
        return client.get_user(secondary_id), entry
    return client.patch_user(secondary_id, body), entry
