"""Admin link/unlink by user ID, backups list/find, and restoring metadata after an unlink."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.errors import Conflict, NotFound, UsageError
from auth0link.usecases.admin import admin_link, admin_unlink
from auth0link.usecases.backups import find_backups, restore_metadata
from tests.support.admin_tenant import AdminTenant, user

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner


def tenant() -> AdminTenant:
    """A database primary and a Google secondary with metadata of its own."""
    secondary = user("google-oauth2|g1", theme="dark", locale="fr")
    secondary["app_metadata"] = {"plan": "pro"}
    return AdminTenant(user("auth0|p1", theme="light"), secondary)


def test_admin_link_backs_up_merges_and_links(tmp_path: Path) -> None:
    """The admin link writes a 0600 backup, merges (primary wins) and links."""
    t = tenant()
    result = admin_link(
        t.client(),
        primary_id="auth0|p1",
        provider="google-oauth2",
        user_id="g1",
        connection_id=None,
        backup_dir=tmp_path,
    )
    assert result.merged_keys == ("locale",)
    assert t.users["auth0|p1"]["user_metadata"] == {"theme": "light", "locale": "fr"}
    assert "google-oauth2|g1" not in t.users
    assert result.backup_path.stat().st_mode & 0o777 == 0o600
    backup = json.loads(result.backup_path.read_text())
    assert backup["absorbed"]["app_metadata"] == {"plan": "pro"}


def test_admin_link_refuses_unverified_and_already_linked(tmp_path: Path) -> None:
    """Unverified emails are refused unless allowed; linking twice is a Conflict."""
    t = AdminTenant(user("auth0|p1"), user("github|7", verified=False))
    with pytest.raises(UsageError, match="verified"):
        admin_link(
            t.client(),
            primary_id="auth0|p1",
            provider="github",
            user_id="7",
            connection_id=None,
            backup_dir=tmp_path,
        )
    admin_link(
        t.client(),
        primary_id="auth0|p1",
        provider="github",
        user_id="7",
        connection_id=None,
        backup_dir=tmp_path,
        allow_unverified=True,
    )
    with pytest.raises(Conflict):
        admin_link(
            t.client(),
            primary_id="auth0|p1",
            provider="github",
            user_id="7",
            connection_id=None,
            backup_dir=tmp_path,
        )


def test_unlink_restore_metadata_puts_back_what_linking_discarded(tmp_path: Path) -> None:
    """After unlink --restore-metadata the recreated user has its user_metadata and app_metadata again."""
    t = tenant()
    admin_link(
        t.client(),
        primary_id="auth0|p1",
        provider="google-oauth2",
        user_id="g1",
        connection_id=None,
        backup_dir=tmp_path,
    )
    primary, restored, entry = admin_unlink(
        t.client(),
        primary_id="auth0|p1",
        provider="google-oauth2",
        user_id="g1",
        backup_dir=tmp_path,
        restore_metadata=True,
    )
    assert len(primary.identities) == 1
    assert restored is not None
    assert entry is not None
    assert t.users["google-oauth2|g1"]["user_metadata"] == {"theme": "dark", "locale": "fr"}
    assert t.users["google-oauth2|g1"]["app_metadata"] == {"plan": "pro"}


def test_restore_without_backup_changes_nothing(tmp_path: Path) -> None:
    """--restore-metadata with no backup is refused before unlinking."""
    t = tenant()
    admin_link(
        t.client(),
        primary_id="auth0|p1",
        provider="google-oauth2",
        user_id="g1",
        connection_id=None,
        backup_dir=tmp_path,
    )
    with pytest.raises(NotFound, match="Nothing was changed"):
        admin_unlink(
            t.client(),
            primary_id="auth0|p1",
            provider="google-oauth2",
            user_id="g1",
            backup_dir=tmp_path / "empty",
            restore_metadata=True,
        )
    assert len(t.users["auth0|p1"]["identities"]) == 2


def test_find_backups_reads_json_and_jsonl_by_user(tmp_path: Path) -> None:
    """backups list finds link-*.json files and batch-*.jsonl lines involving a user."""
    (tmp_path / "batch-1.jsonl").write_text(
        json.dumps(
            {"created_at": "2026-01-01", "kept": {"user_id": "auth0|p"}, "absorbed": {"user_id": "github|1"}}
        )
        + "\nnot json\n"
    )
    (tmp_path / "link-1.json").write_text(
        json.dumps(
            {"created_at": "2026-01-02", "kept": {"user_id": "auth0|q"}, "absorbed": {"user_id": "github|1"}}
        )
    )
    found = find_backups(tmp_path, "github|1")
    assert [(e.kept_id, e.location) for e in found] == [
        ("auth0|p", f"{tmp_path / 'batch-1.jsonl'}:1"),
        ("auth0|q", str(tmp_path / "link-1.json")),
    ]
    assert find_backups(tmp_path, "auth0|zzz") == []


def _record(kept: str, absorbed: str, created_at: str, **metadata: object) -> dict[str, object]:
    """A backup record as batch-link appends it."""
    return {
        "format": "auth0link-link-backup/1",
        "created_at": created_at,
        "kept": {"user_id": kept},
        "absorbed": {"user_id": absorbed, "user_metadata": metadata},
    }


def _torn_jsonl(path: Path) -> None:
    """One good record, then a record cut in the middle of a two-byte UTF-8 character (a crash)."""
    good = json.dumps(
        _record("auth0|p1", "google-oauth2|g1", "2026-01-01", city="Zürich"), ensure_ascii=False
    )
    torn = json.dumps(_record("auth0|p1", "github|9", "2026-01-02", city="Zürich"), ensure_ascii=False)
    cut = torn.encode("utf-8").index("ü".encode()) + 1
    path.write_bytes(good.encode("utf-8") + b"\n" + torn.encode("utf-8")[:cut])


def test_a_torn_utf8_last_line_is_skipped(tmp_path: Path) -> None:
    """A batch backup whose last line was torn inside a multi-byte character still lists its good lines."""
    _torn_jsonl(tmp_path / "batch-1.jsonl")
    (tmp_path / "link-2.json").write_bytes(b'{"kept": {"user_id": "auth0|\xff"}}')  # not UTF-8: skipped
    found = find_backups(tmp_path)
    assert [(e.location, e.absorbed_id) for e in found] == [
        (f"{tmp_path / 'batch-1.jsonl'}:1", "google-oauth2|g1")
    ]


def test_restore_metadata_reads_past_a_torn_line(tmp_path: Path) -> None:
    """unlink --restore-metadata finds the record in a batch backup that ends in a torn line."""
    t = tenant()
    _torn_jsonl(tmp_path / "batch-1.jsonl")
    restored, entry = restore_metadata(
        t.client(), tmp_path, primary_id="auth0|p1", secondary_id="google-oauth2|g1"
    )
    assert entry.line == 1
    assert restored.user_metadata["city"] == "Zürich"
    assert t.users["google-oauth2|g1"]["user_metadata"]["city"] == "Zürich"


def test_backups_list_and_show_survive_a_torn_line(cli: Runner, isolated_env: Path) -> None:
    """backups list and show exit 0 with the good records of a file with a torn last line."""
    backup_dir = isolated_env / "data" / "backups"
    backup_dir.mkdir(parents=True)
    _torn_jsonl(backup_dir / "batch-1.jsonl")
    listed = cli("backups", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [json.loads(line)["secondary_id"] for line in listed.stdout.splitlines()] == ["google-oauth2|g1"]
    shown = cli("backups", "show", "--user", "google-oauth2|g1")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["absorbed"]["user_metadata"] == {"city": "Zürich"}
