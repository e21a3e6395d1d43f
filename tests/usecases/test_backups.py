"""Link backups (``auth0link.usecases.backups``): writing them, finding them, restoring from them."""

from __future__ import annotations

import json
import stat
import time
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.errors import NotFound
from auth0link.models import User
from auth0link.usecases.backups import FORMAT, BackupFiles, find_backups, record, restore_metadata
from tests.support.demo_ids import ALICE, BOB, GOOGLE

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.tenant import LocalTenant


def _record(primary: str, secondary: str, created_at: str, **metadata: object) -> dict[str, object]:
    """A backup record as batch-link appends it."""
    return {
        "format": FORMAT,
        "created_at": created_at,
        "kept": {"user_id": primary},
        "absorbed": {"user_id": secondary, "user_metadata": metadata},
    }


def _torn_jsonl(path: Path) -> None:
    """One good record, then a record cut in the middle of a two-byte UTF-8 character (a crash)."""
    good = json.dumps(_record(ALICE, GOOGLE, "2026-01-01", city="Zürich"), ensure_ascii=False)
    torn = json.dumps(_record(ALICE, "github|9", "2026-01-02", city="Zürich"), ensure_ascii=False)
    cut = torn.encode("utf-8").index("ü".encode()) + 1
    path.write_bytes(good.encode("utf-8") + b"\n" + torn.encode("utf-8")[:cut])


# -- writing --------------------------------------------------------------------------------------


def test_record_keeps_both_users_without_identity_provider_tokens() -> None:
    """A record holds both users as the tenant returned them, minus identities[] IdP tokens."""
    identity = {"provider": "google-oauth2", "user_id": "g1", "access_token": "idp", "refresh_token": "r"}
    primary = User.from_api({"user_id": ALICE, "identities": [{"provider": "auth0", "user_id": "a"}]})
    secondary = User.from_api({"user_id": GOOGLE, "identities": [identity], "user_metadata": {"x": 1}})
    doc = record(primary, secondary, claims=None, direction="current", source="link", clock=lambda: 0.0)
    assert (doc["format"], doc["source"], doc["created_at"]) == (FORMAT, "link", "1970-01-01T00:00:00+00:00")
    assert doc["absorbed"]["identities"] == [{"provider": "google-oauth2", "user_id": "g1"}]
    assert doc["absorbed"]["user_metadata"] == {"x": 1}
    assert doc["kept"]["user_id"] == ALICE


def test_record_of_an_unreadable_account_keeps_its_id_token_claims() -> None:
    """With no user record to read (--id-token -) the record keeps the ID token's claims instead."""
    primary = User.from_api({"user_id": ALICE})
    claims: dict[str, Any] = {"sub": GOOGLE, "email": "alice@example.com"}
    doc = record(primary, None, claims=claims, direction="current", source="link", clock=time.time)
    assert doc["absorbed"] == {"source": "id_token_claims", "claims": claims}


def test_backup_files_are_private_json(tmp_path: Path) -> None:
    """Each link writes one 0600 JSON file, in a folder created 0700."""
    folder = tmp_path / "backups"
    where = BackupFiles(folder, clock=time.time).write({"kept": {"user_id": ALICE}})
    path = folder / where.rsplit("/", 1)[1]
    assert str(path) == where
    assert path.name.startswith("link-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"kept": {"user_id": ALICE}}


# -- finding --------------------------------------------------------------------------------------


def test_find_backups_reads_json_and_jsonl_by_user(tmp_path: Path) -> None:
    """backups list finds link-*.json files and batch-*.jsonl lines involving a user."""
    (tmp_path / "batch-1.jsonl").write_text(
        json.dumps(_record("auth0|p", "github|1", "2026-01-01")) + "\nnot json\n"
    )
    (tmp_path / "link-1.json").write_text(json.dumps(_record("auth0|q", "github|1", "2026-01-02")))
    found = find_backups(tmp_path, "github|1")
    assert [(e.primary_id, e.location) for e in found] == [
        ("auth0|p", f"{tmp_path / 'batch-1.jsonl'}:1"),
        ("auth0|q", str(tmp_path / "link-1.json")),
    ]
    assert find_backups(tmp_path, "auth0|zzz") == []


def test_a_torn_utf8_last_line_is_skipped(tmp_path: Path) -> None:
    """A batch backup whose last line was torn inside a multi-byte character still lists its good lines."""
    _torn_jsonl(tmp_path / "batch-1.jsonl")
    (tmp_path / "link-2.json").write_bytes(b'{"kept": {"user_id": "auth0|\xff"}}')  # not UTF-8: skipped
    found = find_backups(tmp_path)
    assert [(e.location, e.secondary_id) for e in found] == [(f"{tmp_path / 'batch-1.jsonl'}:1", GOOGLE)]


# -- restoring ------------------------------------------------------------------------------------


def test_restore_metadata_reads_past_a_torn_line(tenant: LocalTenant, tmp_path: Path) -> None:
    """unlink --restore-metadata finds the record in a batch backup that ends in a torn line."""
    _torn_jsonl(tmp_path / "batch-1.jsonl")
    admin = tenant.client(tenant.m2m_token())
    restored, entry = restore_metadata(admin, tmp_path, primary_id=ALICE, secondary_id=GOOGLE)
    assert entry.line == 1
    assert restored.user_metadata["city"] == "Zürich"
    google = tenant.user(GOOGLE)
    assert google is not None
    assert google["user_metadata"]["city"] == "Zürich"


def test_restore_prefers_the_same_primary_then_the_newest(tenant: LocalTenant, tmp_path: Path) -> None:
    """The record restored is the newest one from the same primary, over a newer one from another."""
    lines = [
        _record(ALICE, GOOGLE, "2026-01-01", pick="old"),
        _record(ALICE, GOOGLE, "2026-01-02", pick="alice's newest"),
        _record(BOB, GOOGLE, "2026-01-03", pick="bob's"),
    ]
    (tmp_path / "batch-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    admin = tenant.client(tenant.m2m_token())
    restored, entry = restore_metadata(admin, tmp_path, primary_id=ALICE, secondary_id=GOOGLE)
    assert (entry.line, restored.user_metadata["pick"]) == (2, "alice's newest")


def test_restore_without_a_record_is_not_found(tenant: LocalTenant, tmp_path: Path) -> None:
    """No backup absorbed that user: NotFound naming how to list backups; nothing written."""
    (tmp_path / "link-1.json").write_text(json.dumps(_record(GOOGLE, ALICE, "2026-01-01")))  # the other way
    with pytest.raises(NotFound, match=f"No backup of {GOOGLE.replace('|', '.')}") as info:
        restore_metadata(tenant.client(tenant.m2m_token()), tmp_path, primary_id=ALICE, secondary_id=GOOGLE)
    assert "auth0link backups list --user" in (info.value.hint or "")
    assert tenant.faults.writes() == []


def test_restore_with_nothing_to_restore_sends_no_patch(tenant: LocalTenant, tmp_path: Path) -> None:
    """A record with empty metadata restores nothing: the user is read, not patched."""
    (tmp_path / "link-1.json").write_text(json.dumps(_record(ALICE, GOOGLE, "2026-01-01")))
    restored, _ = restore_metadata(
        tenant.client(tenant.m2m_token()), tmp_path, primary_id=ALICE, secondary_id=GOOGLE
    )
    assert restored.user_id == GOOGLE
    assert tenant.faults.writes() == []
