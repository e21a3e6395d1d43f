"""``auth0link suggest`` in process: --all through an export job, --from-export, --save-export, errors."""

from __future__ import annotations

import gzip
import json
import re
import stat
import tempfile
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.application import Services
from auth0link.emulator.state import demo
from auth0link.emulator.state.persistence import build_tenant
from auth0link.emulator.state.user_files import UsersFile
from auth0link.errors import ExitCode
from tests.support.tenant import BASE, LocalTenant
from tests.support.tenants import duplicate_pairs, pair_email, primary_id, secondary_id, write_users_export

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from click.testing import Result

    from tests.conftest import Runner

PAIRS = 600  # 1,200 users: past the search window


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalTenant]:
    """1,200 users in 600 duplicate pairs, and the machine credentials in the environment."""
    monkeypatch.setenv("AUTH0LINK_DOMAIN", BASE)
    monkeypatch.setenv("AUTH0LINK_MACHINE_CLIENT_ID", demo.M2M_CLIENT_ID)
    monkeypatch.setenv("AUTH0LINK_CLIENT_SECRET", demo.M2M_CLIENT_SECRET)
    made = LocalTenant(users=duplicate_pairs(PAIRS))
    yield made
    made.close()


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temporary folder, for this test alone (to see what suggest leaves behind)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def suggest(cli: Runner, tenant: LocalTenant, *args: str) -> Result:
    """``auth0link suggest ARGS`` on the tenant; sleeping moves the tenant clock instead."""

    def sleep(seconds: float) -> None:
        assert tenant.emulator.tenant.exports.wait(30)
        tenant.emulator.tenant.clock.advance(seconds)

    return cli("suggest", *args, obj=Services(transport=tenant.transport, sleep=sleep))


def expected_tsv(pairs: int) -> list[list[str]]:
    """The (primary, secondary, email) of every generated pair."""
    return [[primary_id(i), secondary_id(i), pair_email(i)] for i in range(pairs)]


def test_all_prints_every_pair_past_the_search_window(
    cli: Runner, tenant: LocalTenant, scratch: Path
) -> None:
    """suggest --all (1,200 users) prints all 600 pairs as TSV and leaves no file behind."""
    result = suggest(cli, tenant, "--all")
    assert result.exit_code == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines[0] == ["primary_id", "secondary_id", "email", "reason"]
    assert [line[:3] for line in lines[1:]] == expected_tsv(PAIRS)
    assert lines[1][3] == "same verified email; primary: oldest database account"
    assert "read 1,200 users (1,200 with an email)" in result.stderr
    assert "600 pair(s) suggested." in result.stderr
    assert "export job: 100%" in result.stderr  # the plain progress lines (stderr is not a TTY)
    assert "\x1b" not in result.stderr
    assert [p.name for p in scratch.iterdir() if not p.name.startswith("auth0link-emulator")] == []


def test_from_export_needs_no_tenant(cli: Runner, tmp_path: Path) -> None:
    """--from-export reads a file the admin has (gzipped NDJSON here), with no domain or credentials."""
    write_users_export(tmp_path / "users.json.gz", 3)
    result = cli("suggest", "--from-export", str(tmp_path / "users.json.gz"), "--json")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [[r["primary_id"], r["secondary_id"], r["email"]] for r in rows] == expected_tsv(3)


def test_from_export_reads_csv_too(cli: Runner, tmp_path: Path) -> None:
    """--from-export takes a CSV export (Auth0's column names) and gives the same pairs."""
    header = "user_id,email,email_verified,created_at\n"
    body = "".join(
        f'"\'{uid}","\'{pair_email(i)}",true,{year}-01-01T00:00:00.000Z\n'
        for i in range(2)
        for uid, year in ((secondary_id(i), 2021), (primary_id(i), 2020))
    )
    (tmp_path / "users.csv").write_text(header + body)
    result = cli("suggest", "--from-export", str(tmp_path / "users.csv"), "--no-header")
    assert result.exit_code == 0, result.stderr
    assert [line.split("\t")[:3] for line in result.stdout.splitlines()] == expected_tsv(2)
    assert "2 users in the export have no identities field" not in result.stderr
    assert "4 users in the export have no identities field" in result.stderr


def test_save_export_keeps_a_private_copy_the_emulator_loads(
    cli: Runner, tenant: LocalTenant, tmp_path: Path
) -> None:
    """--all --save-export FILE keeps the export (0600, with metadata; FILE.tenant.json names its tenant): the emulator loads it."""
    saved = tmp_path / "copy.json.gz"
    result = suggest(cli, tenant, "--all", "--save-export", str(saved))
    assert result.exit_code == 0, result.stderr
    assert f"downloaded to {saved}" in result.stderr
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    with gzip.open(saved, "rt") as handle:
        first: dict[str, Any] = json.loads(handle.readline())
    assert first["user_metadata"] == {"theme": "light", "n": 0}
    named = saved.with_name("copy.json.gz.tenant.json")  # the export names its tenant beside it
    assert stat.S_IMODE(named.stat().st_mode) == 0o600
    assert json.loads(named.read_text())["tenant"] == {"domain": BASE, "issuer": BASE + "/"}
    copy = build_tenant(BASE, users=UsersFile.open(saved))
    assert len(copy.users) == 2 * PAIRS
    assert copy.users[secondary_id(7)].to_json()["user_metadata"]["g"] == 7


def test_save_export_never_writes_through_a_planted_link(
    cli: Runner, tenant: LocalTenant, tmp_path: Path
) -> None:
    """Links planted at FILE.part and FILE (a shared /tmp) are replaced; the files they point to are untouched."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    saved = tmp_path / "copy.json.gz"
    (tmp_path / "copy.json.gz.part").symlink_to(victim)
    saved.symlink_to(victim)
    result = suggest(cli, tenant, "--all", "--save-export", str(saved))
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not saved.is_symlink()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    with gzip.open(saved, "rt") as handle:
        assert json.loads(handle.readline())["user_id"]


def test_save_export_onto_a_folder_is_refused_before_any_request(
    cli: Runner, tenant: LocalTenant, tmp_path: Path
) -> None:
    """--save-export naming a folder: a usage error before any request, nothing left behind."""
    folder = tmp_path / "out"
    folder.mkdir()
    result = suggest(cli, tenant, "--all", "--save-export", str(folder))
    assert result.exit_code == 2, result.stderr
    assert f"'{folder}' is a directory" in result.stderr
    assert tenant.faults.requests == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Pass --email EMAIL or --all, or --from-export FILE"),
        (("--all", "--email", "a@x.com"), "Pass --email EMAIL or --all, or --from-export FILE"),
        (("--from-export", "nowhere.json.gz"), "No such export file: nowhere.json.gz."),
        (("--from-export", "f.json", "--save-export", "g.json"), "--save-export goes with --all."),
        (("--all", "--save-export", "/no/such/dir/x.json.gz"), "No such folder for --save-export"),
    ],
)
def test_usage_errors_exit_2(cli: Runner, tenant: LocalTenant, args: tuple[str, ...], message: str) -> None:
    """Conflicting or missing sources, and bad paths, are one-line usage errors (exit 2)."""
    result = suggest(cli, tenant, *args)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr


def test_a_failed_export_job_exits_5_with_the_fix(
    cli: Runner, tenant: LocalTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job the tenant fails is one error line (exit 5) whose hint names --from-export; no pairs printed."""

    def full_disk(*args: Any, **kwargs: Any) -> bool:
        del args, kwargs
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("auth0link.emulator.mgmt.export_jobs.write_export", full_disk)
    result = suggest(cli, tenant, "--all")
    assert result.exit_code == ExitCode.NETWORK
    assert "error: The users-export job job_" in result.stderr
    assert "failed: The export could not be written (No space left on device)." in result.stderr
    assert "suggest --from-export FILE" in result.stderr
    assert result.stdout == ""


def test_the_phase_lines_say_what_they_count(cli: Runner, tenant: LocalTenant, scratch: Path) -> None:
    """Plain lines: "export job: 100%, completed", "download: N KiB (… KiB/s)", "scan: …, 1,200 users"."""
    result = suggest(cli, tenant, "--all")
    assert result.exit_code == 0, result.stderr
    last: dict[str, str] = {}
    for line in result.stderr.splitlines():
        phase, _, rest = line.partition(": ")
        last[phase] = rest
    assert last["export job"] == "100%, completed"
    assert re.fullmatch(r"\d+(/\d+)? KiB \(\d+\.\d KiB/s(, ETA \d+ s)?\)", last["download"]), last
    assert re.fullmatch(r"\d+/\d+ KiB \(\d+\.\d KiB/s(, ETA \d+ s)?\), 1,200 users", last["scan"]), last


def test_suggest_csv_defuses_a_formula_email_and_tsv_keeps_it(cli: Runner, tmp_path: Path) -> None:
    """An email '=1+2@example.com': exact in TSV, prefixed with ' in --csv (safe for spreadsheets)."""
    path = tmp_path / "users.json"
    email = "=1+2@example.com"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "user_id": user_id,
                    "email": email,
                    "email_verified": True,
                    "created_at": created,
                    "identities": [{"connection": connection}],
                }
            )
            + "\n"
            for user_id, connection, created in (
                ("auth0|1", "Username-Password-Authentication", "2020-01-01T00:00:00.000Z"),
                ("google-oauth2|2", "google-oauth2", "2021-01-01T00:00:00.000Z"),
            )
        )
    )
    tsv = cli("suggest", "--from-export", str(path), "--no-header")
    assert tsv.exit_code == 0, tsv.stderr
    assert f"\t{email}\t" in tsv.stdout
    spreadsheet = cli("suggest", "--from-export", str(path), "--csv")
    assert spreadsheet.exit_code == 0, spreadsheet.stderr
    assert f",'{email}," in spreadsheet.stdout
    assert spreadsheet.stdout.startswith("primary_id,secondary_id,email")


def test_stale_work_folders_of_dead_runs_are_removed(cli: Runner, tmp_path: Path, scratch: Path) -> None:
    """A work folder left by a killed suggest (its pid gone) is removed by the next run; a live one is kept."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    dead_pid = int(done.stdout)
    stale = scratch / f"auth0link-suggest-{dead_pid}-x1y2z3"
    stale.mkdir(mode=0o700)
    (stale / "export.json.gz").write_bytes(b"personal data")
    live = scratch / "auth0link-suggest-1-a1b2c3"  # pid 1 is alive
    live.mkdir(mode=0o700)
    foreign = scratch / "auth0link-suggest-notapid"
    foreign.mkdir()
    write_users_export(tmp_path / "users.json.gz", 2)
    result = cli("suggest", "--from-export", str(tmp_path / "users.json.gz"))
    assert result.exit_code == 0, result.stderr
    assert not stale.exists()
    assert live.exists()
    assert foreign.exists()
