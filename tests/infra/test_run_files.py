"""A batch run's files cannot be redirected: the journal's tenant and backup path are checked (issue 19, items 1, 3)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.errors import Refused
from auth0link.infra.journal import open_run_files
from auth0link.models import TenantMark

if TYPE_CHECKING:
    from pathlib import Path

HERE = TenantMark(domain="https://prod.test", issuer="https://prod.test/")
THERE = TenantMark(domain="https://rehearsal.test", issuer="https://rehearsal.test/")


def first_run(data: Path) -> tuple[Path, Path]:
    """A run on HERE that wrote its header and one backup line; (journal, backup file)."""
    files = open_run_files(data, journal_path=None, resume_path=None, dry_run=False, now=1e9, tenant=HERE)
    assert files.journal is not None
    assert files.backups is not None
    files.backups.append({"kept": {"user_id": "auth0|a"}})
    journal, backup = files.journal.path, files.backups.path
    files.close()
    return journal, backup


def edit_header(journal: Path, **changes: object) -> None:
    """Rewrite the journal's header with ``changes`` (None removes a key)."""
    lines = journal.read_text().splitlines()
    header = json.loads(lines[0])
    for key, value in changes.items():
        if value is None:
            header.pop(key, None)
        else:
            header[key] = value
    journal.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")


def resume(data: Path, journal: Path, **kw: object) -> None:
    """Resume the run on HERE and close it again."""
    open_run_files(
        data,
        journal_path=None,
        resume_path=journal,
        dry_run=False,
        now=2e9,
        tenant=HERE,
        **kw,  # type: ignore[arg-type]
    ).close()


def test_the_header_names_the_tenant_and_a_resume_on_another_tenant_is_refused(tmp_path: Path) -> None:
    """The header holds the tenant; resuming it for another tenant is Refused naming both."""
    journal, _ = first_run(tmp_path)
    assert json.loads(journal.read_text().splitlines()[0])["tenant"] == HERE.to_json()
    with pytest.raises(Refused) as caught:
        open_run_files(
            tmp_path, journal_path=None, resume_path=journal, dry_run=False, now=2e9, tenant=THERE
        ).close()
    assert "prod.test" in caught.value.message
    assert "rehearsal.test" in caught.value.message


def test_a_header_naming_no_tenant_needs_the_explicit_flag(tmp_path: Path) -> None:
    """An older journal without a tenant: Refused unless allow_unknown_tenant."""
    journal, _ = first_run(tmp_path)
    edit_header(journal, tenant=None)
    with pytest.raises(Refused):
        resume(tmp_path, journal)
    resume(tmp_path, journal, allow_unknown_tenant=True)


def test_an_edited_backup_path_is_refused_and_never_written(tmp_path: Path) -> None:
    """A header whose backup path was changed (outside the backups folder) is Refused; that file is untouched."""
    journal, _ = first_run(tmp_path)
    target = tmp_path / "elsewhere.jsonl"
    edit_header(journal, backup=str(target))
    with pytest.raises(Refused) as caught:
        resume(tmp_path, journal)
    assert "did not write" in caught.value.message
    assert not target.exists()


def test_a_backup_file_swapped_for_a_link_is_not_followed(tmp_path: Path) -> None:
    """The backup file replaced by a symlink to another file: Refused, the other file unchanged."""
    journal, backup = first_run(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    backup.unlink()
    backup.symlink_to(victim)
    with pytest.raises(Refused):
        resume(tmp_path, journal)
    assert victim.read_text() == "precious\n"


def test_a_loosened_backup_file_is_made_0600_again(tmp_path: Path) -> None:
    """A resumed run's backup file ends 0600 even if someone made it 0666."""
    journal, backup = first_run(tmp_path)
    backup.chmod(0o666)
    resume(tmp_path, journal)
    assert backup.stat().st_mode & 0o777 == 0o600
