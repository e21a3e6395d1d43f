"""The batch-link and suggest commands' shell: dry run, invalid lines, busy journal, usage errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.infra.journal import Journal
from tests.support.demo_ids import ALICE, GOOGLE
from tests.support.tenant import BASE

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Wired
    from tests.conftest import Runner

DOMAIN = ("--domain", "tenant.example.com")


def test_dry_run_prints_the_plan_and_flags_invalid_lines(cli: Runner, tmp_path: Path) -> None:
    """--dry-run lists the pairs it would link, reports bad lines by number, exits 1 for them."""
    source = tmp_path / "pairs.tsv"
    source.write_text("primary_id\tsecondary_id\nauth0|a\tgoogle-oauth2|1\nnonsense\n")
    result = cli(*DOMAIN, "batch-link", str(source), "--dry-run")
    assert result.exit_code == 1
    assert result.stdout == "auth0|a\tgoogle-oauth2|1\twould link\n"
    assert "line 3: expected primary_id<TAB>secondary_id (skipped)" in result.stderr


def test_strict_dry_run_stops_with_exit_2(cli: Runner, tmp_path: Path) -> None:
    """--strict makes the first invalid line a usage error (exit 2)."""
    source = tmp_path / "pairs.tsv"
    source.write_text("nonsense\n")
    result = cli(*DOMAIN, "batch-link", str(source), "--dry-run", "--strict")
    assert result.exit_code == 2
    assert "Line 1" in result.stderr


def test_resume_of_a_busy_journal_exits_7(cli: Runner, tmp_path: Path) -> None:
    """A second run on a journal another run holds is refused with exit 7 (Conflict)."""
    source = tmp_path / "pairs.tsv"
    source.write_text("auth0|a\tgoogle-oauth2|1\n")
    held = Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)
    try:
        result = cli(*DOMAIN, "batch-link", str(source), "--dry-run", "--resume", str(tmp_path / "j.jsonl"))
    finally:
        held.close()
    assert result.exit_code == 7
    assert "Another batch-link run" in result.stderr


def test_suggest_needs_email_or_all(cli: Runner) -> None:
    """suggest without --email or --all is a usage error."""
    result = cli(*DOMAIN, "suggest")
    assert result.exit_code == 2
    assert "--email EMAIL or --all" in result.stderr


def test_admin_commands_without_machine_login_exit_3(cli: Runner) -> None:
    """Admin commands with no machine credentials say to run login --machine (exit 3)."""
    result = cli(*DOMAIN, "suggest", "--all")
    assert result.exit_code == 3
    assert "login --machine" in result.stderr


def test_resume_of_another_tenants_journal_is_exit_8_and_changes_nothing(
    wired: Wired, tmp_path: Path
) -> None:
    """batch-link --resume with a journal written for another tenant: exit 8 naming both, no write."""
    from auth0link.models import TenantMark

    source = tmp_path / "pairs.tsv"
    source.write_text(f"{ALICE}\t{GOOGLE}\n")
    other = TenantMark(domain="https://rehearsal.test", issuer="https://rehearsal.test/")
    Journal(tmp_path / "j.jsonl", backup_path=None, resume=False, tenant=other).close()
    wired.machine_login()
    result = wired("batch-link", str(source), "--resume", str(tmp_path / "j.jsonl"))
    assert result.exit_code == 8, result.stderr
    assert "rehearsal.test" in result.stderr
    assert BASE in result.stderr
    assert wired.writes() == []
