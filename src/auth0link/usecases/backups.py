"""Link-time backups: writing them, finding them, and putting a secondary's metadata back.

Every link writes, before it changes anything, a record of the format ``auth0link-link-backup/1``
with ``kept`` (the primary) and ``absorbed`` (the secondary) as Auth0 returned them (minus
identity-provider tokens: backups hold no secrets). They live in ``<data dir>/backups``: one
0600 JSON file per ``link`` (:class:`BackupFiles`, ``link-*.json``) and one fsync'd JSON-lines
file per ``batch-link`` run (:class:`BackupLog`, ``batch-*.jsonl``).

Every record names the tenant it came from (``tenant``: domain and issuer, see
:class:`~auth0link.models.TenantMark`), stamped by the sink. Auth0's unlink recreates the
secondary as a bare user: its ``user_metadata`` and ``app_metadata`` were discarded at link time.
:func:`select_backup` finds the newest backup that absorbed that user *on the current tenant*
(a record of another tenant is refused, exit 8, naming both; a record that names no tenant,
written by an older auth0link, only with ``--allow-unknown-tenant``), and :func:`apply_backup`
re-applies its metadata.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from typing import TYPE_CHECKING, Any, Final, Protocol

from auth0link.errors import Fix, LinkAborted, NotFound, Refused, cmd
from auth0link.models.tenant import TenantMark

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.infra.journal import AppendFile
    from auth0link.models import User

FORMAT: Final = "auth0link-link-backup/1"
# Keys of identities[] that can hold an upstream provider's tokens (Auth0 returns them only with
# read:user_idp_tokens); they never go into a backup.
_IDP_TOKEN_KEYS: Final = frozenset({"access_token", "refresh_token", "access_token_secret"})


# -- writing ------------------------------------------------------------------------------------


def strip_idp_tokens(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The user without identity-provider tokens (``identities[].access_token``)."""
    data = dict(profile)
    identities = data.get("identities")
    if isinstance(identities, list):
        data["identities"] = [
            {k: v for k, v in i.items() if k not in _IDP_TOKEN_KEYS} if isinstance(i, dict) else i
            for i in identities
        ]
    return data


def claims_user(claims: Mapping[str, Any] | None, user_id: str) -> User:
    """A stand-in for an account known only by its ID token claims (``link --id-token -``)."""
    from auth0link.models import User

    return User.from_claims({**(claims or {}), "sub": (claims or {}).get("sub") or user_id})


def record(
    primary: User,
    secondary: User | None,
    *,
    claims: Mapping[str, Any] | None,
    direction: str,
    source: str,
    clock: Callable[[], float],
    journal: str | None = None,
) -> dict[str, Any]:
    """One backup record: both users before any change (the secondary one's claims if unreadable)."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "created_at": dt.datetime.fromtimestamp(clock(), tz=dt.UTC).isoformat(),
        "direction": direction,
        "source": source,
        "kept": strip_idp_tokens(primary.raw),
        "absorbed": strip_idp_tokens(secondary.raw)
        if secondary is not None
        else {"source": "id_token_claims", "claims": dict(claims or {})},
    }
    if journal is not None:
        body["journal"] = journal
    return body


class BackupSink(Protocol):
    """Where a link's backup goes; :meth:`write` returns once it is durable."""

    def write(self, record: Mapping[str, Any]) -> str:
        """Store one record; return where it is (a file)."""
        ...


class BackupFiles:
    """One 0600 JSON file per link in a folder (``link-20261123T101502Z-1a2b3c.json``)."""

    def __init__(
        self, folder: Path, *, clock: Callable[[], float], tenant: Callable[[], TenantMark] | None = None
    ) -> None:
        """Write into ``folder`` (created 0700 when first needed); ``tenant()`` names the tenant."""
        self.folder = folder
        self._clock = clock
        self._tenant = tenant

    def write(self, record: Mapping[str, Any]) -> str:
        """Write the record atomically; a failure stops the link before anything changed."""
        from auth0link._files import atomic_write_text

        stamp = dt.datetime.fromtimestamp(self._clock(), tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = self.folder / f"link-{stamp}-{secrets.token_hex(3)}.json"
        if self._tenant is not None:
            record = {**record, "tenant": self._tenant().to_json()}
        text = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            atomic_write_text(path, text, mode=0o600)
        except OSError as exc:
            raise LinkAborted(
                f"Could not write the backup {path}: {exc.strerror}. Nothing was changed.",
                hint="check the data directory's permissions (AUTH0LINK_DATA_DIR)",
            ) from None
        return str(path)


class BackupLog:
    """One fsync'd JSON line per link in a run's backup file (``batch-link``)."""

    def __init__(
        self, file: AppendFile, *, journal: str | None = None, tenant: TenantMark | None = None
    ) -> None:
        """Append to ``file`` (opened by the run); records name the run's ``journal`` and ``tenant``."""
        self.file = file
        self.journal = journal
        self.tenant = tenant

    def write(self, record: Mapping[str, Any]) -> str:
        """Append the record (one ``write``, fsync'd)."""
        stamp = {"tenant": self.tenant.to_json()} if self.tenant is not None else {}
        self.file.append({**record, "journal": self.journal, **stamp})
        return str(self.file.path)


# -- finding and restoring ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BackupEntry:
    """One backup record and where it is."""

    path: Path
    line: int | None
    created_at: str
    primary_id: str
    secondary_id: str
    record: dict[str, Any] = dataclasses.field(repr=False, compare=False)

    @property
    def tenant(self) -> TenantMark | None:
        """The tenant the record names (None: an older record that names none)."""
        return TenantMark.from_json(self.record.get("tenant"))

    @property
    def location(self) -> str:
        """``file`` or ``file:line``."""
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys (without the record)."""
        return {
            "location": self.location,
            "created_at": self.created_at,
            "primary_id": self.primary_id,
            "secondary_id": self.secondary_id,
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
        primary_id=_user_id(record.get("kept")),
        secondary_id=_user_id(record.get("absorbed")),
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
    return [
        e for e in iter_backups(backup_dir) if user_id is None or user_id in {e.primary_id, e.secondary_id}
    ]


def select_backup(
    backup_dir: Path,
    secondary_id: str,
    *,
    primary_id: str | None,
    tenant: TenantMark | None,
    allow_unknown: bool = False,
) -> BackupEntry | None:
    """The newest backup that absorbed ``secondary_id`` on ``tenant`` (into ``primary_id`` if any).

    None when there is no backup of it at all. A backup of another tenant is :class:`Refused`
    (naming both tenants); one naming no tenant only with ``allow_unknown`` (module docstring).
    ``tenant=None`` (library callers that know their folder is one tenant's) checks nothing.
    """
    matches = [e for e in find_backups(backup_dir, secondary_id) if e.secondary_id == secondary_id]
    if tenant is None:
        same, unknown, other = matches, [], []
    else:
        same = [e for e in matches if e.tenant is not None and e.tenant.same_tenant(tenant)]
        unknown = [e for e in matches if e.tenant is None]
        other = [e for e in matches if e.tenant is not None and not e.tenant.same_tenant(tenant)]
    pool = same or (unknown if allow_unknown else [])
    if pool:
        preferred = [e for e in pool if e.primary_id == primary_id] or pool
        return max(preferred, key=lambda e: e.created_at)
    if unknown:
        newest = max(unknown, key=lambda e: e.created_at)
        raise Refused(
            f"The backup of {secondary_id} ({newest.location}) names no tenant (an older auth0link wrote "
            f"it), so it may come from another tenant than {tenant}. Nothing was changed.",
            hint="if it was written for this tenant, run the same command again with --allow-unknown-tenant",
        )
    if other:
        newest = max(other, key=lambda e: e.created_at)
        raise Refused(
            f"The backup of {secondary_id} ({newest.location}) was written for the tenant {newest.tenant}, "
            f"not for {tenant}, the tenant of this profile. Nothing was changed.",
            hint=Fix(
                "run the command with the profile of the backup's tenant (", cmd("…", profile="NAME"), ")"
            ),
        )
    return None


def restore_body(entry: BackupEntry) -> dict[str, Any]:
    """What restoring ``entry`` writes: its secondary user's non-empty ``user_metadata``/``app_metadata``."""
    secondary = entry.record.get("absorbed")
    body: dict[str, Any] = {}
    if isinstance(secondary, dict):
        for field in ("user_metadata", "app_metadata"):
            value = secondary.get(field)
            if isinstance(value, dict) and value:
                body[field] = value
    return body


def apply_backup(client: Auth0Client, entry: BackupEntry) -> User:
    """PATCH the secondary user's metadata back from ``entry`` (admin: both metadata)."""
    body = restore_body(entry)
    if not body:
        return client.get_user(entry.secondary_id)
    return client.patch_user(entry.secondary_id, body)


def restore_metadata(
    client: Auth0Client,
    backup_dir: Path,
    *,
    primary_id: str | None,
    secondary_id: str,
    tenant: TenantMark | None = None,
    allow_unknown: bool = False,
) -> tuple[User, BackupEntry]:
    """Re-apply the secondary's ``user_metadata``/``app_metadata`` from its newest backup (admin).

    The newest backup of ``tenant`` that absorbed it into ``primary_id``, else into anyone.
    """
    entry = select_backup(
        backup_dir, secondary_id, primary_id=primary_id, tenant=tenant, allow_unknown=allow_unknown
    )
    if entry is None:
        raise NotFound(
            f"No backup of {secondary_id} was found in {backup_dir}; its metadata cannot be restored.",
            status_code=404,
            hint=Fix("list backups with: ", cmd("backups", "list", "--user", secondary_id)),
        )
    return apply_backup(client, entry), entry
