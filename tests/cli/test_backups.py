"""``auth0link backups list`` and ``show`` through the CLI (moved from the old tests/test_admin.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner


def _torn_jsonl(path: Path) -> None:
    """One good record, then a record cut in the middle of a two-byte UTF-8 character (a crash)."""
    records = [
        {
            "created_at": f"2026-01-0{n}",
            "kept": {"user_id": "auth0|p1"},
            "absorbed": {"user_id": secondary, "user_metadata": {"city": "Zürich"}},
        }
        for n, secondary in ((1, "google-oauth2|g1"), (2, "github|9"))
    ]
    good, torn = (json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records)
    path.write_bytes(good + b"\n" + torn[: torn.index("ü".encode()) + 1])


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
