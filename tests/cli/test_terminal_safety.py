"""Data from the tenant never reaches the terminal with its control characters (issue 19, item 2).

Any user can write their own ``user_metadata`` and profile: keys, values, names and emails full
of ESC, C1 controls (U+009B is a one-character CSI) and bidi overrides go through every command
that prints user data, and nothing raw may come out on stdout or stderr.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

from tests.support.demo_ids import ALICE, GOOGLE

if TYPE_CHECKING:
    from pathlib import Path

    from click.testing import Result

    from tests.cli.conftest import Wired

NASTY = "x\x1b]0;PWNED\x07\x1b[31mRED\x9b31m\u202eevil\u2066\x7f\u200f\u061c\x00\r"
#: What must never be written raw (newlines and tabs separate lines and TSV cells).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def poison(wired: Wired) -> None:
    """Alice's name and Google's metadata keys, values and profile carry terminal escapes."""
    users = wired.tenant.emulator.tenant.users
    alice = users.get(ALICE)
    google = users.get(GOOGLE)
    assert alice is not None
    assert google is not None
    alice.name = f"Alice {NASTY}"
    google.name = f"Google {NASTY}"
    google.user_metadata = {f"theme{NASTY}": f"dark{NASTY}", "nested": {NASTY: [NASTY]}}
    google.identities[0].profile_data = {"name": f"G {NASTY}", "email": "alice@example.com"}


def assert_clean(result: Result) -> None:
    """Neither stream holds a raw control or bidi character."""
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        found = RAW.findall(text)
        assert not found, f"{name} holds raw {found!r}: {text!r}"


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_identities_of_the_signed_in_user_are_neutralised(wired: Wired, args: tuple[str, ...]) -> None:
    """identities (TSV and --json) of a user whose name carries escapes writes none of them raw."""
    poison(wired)
    result = wired("identities", *args)
    assert result.exit_code == 0, result.stderr
    assert "Alice" in result.stdout
    assert_clean(result)


def test_admin_link_success_line_and_json_are_neutralised(wired: Wired, isolated_env: Path) -> None:
    """link --user …: the "merged user_metadata keys" line and --json write no raw escapes."""
    poison(wired)
    wired.machine_login()
    provider, _, user_id = GOOGLE.partition("|")
    result = wired("link", "--user", ALICE, "--provider", provider, "--user-id", user_id, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert "merged user_metadata keys theme" in result.stderr
    assert_clean(result)
    for args in (("identities", "--user", ALICE, "--json"), ("backups", "list"), ("backups", "show")):
        shown = wired(*args, "--user", ALICE) if args[0] == "backups" else wired(*args)
        assert shown.exit_code == 0, shown.stderr
        assert_clean(shown)
    backup = json.loads(wired("backups", "show", "--user", ALICE).stdout)
    assert f"theme{NASTY}" in backup["absorbed"]["user_metadata"]  # JSON escapes, and stays exact


def test_user_link_plan_and_success_are_neutralised(wired: Wired) -> None:
    """link (the signed-in user's): the plan, the prompt-free success line and the table are clean."""
    poison(wired)
    result = wired("link", "--connection", "google-oauth2", "--yes")
    assert result.exit_code == 0, result.stderr
    assert_clean(result)


FORMULA = '=HYPERLINK("https://evil.example","x")'


def test_tsv_stays_exact_and_csv_defuses_formulas(wired: Wired) -> None:
    """identities: TSV keeps a formula-like name as it is; --csv prefixes ' to cells starting = + - @."""
    alice = wired.tenant.emulator.tenant.users.get(ALICE)
    assert alice is not None
    alice.name = FORMULA
    tsv = wired("identities")
    assert tsv.exit_code == 0, tsv.stderr
    assert f"\t{FORMULA}\t" in tsv.stdout
    csv_out = wired("identities", "--csv")
    assert csv_out.exit_code == 0, csv_out.stderr
    import csv
    import io

    rows = list(csv.reader(io.StringIO(csv_out.stdout)))
    assert rows[0][:2] == ["provider", "user_id"]
    assert rows[1][5] == "'" + FORMULA
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_errors_quoting_the_tenant_and_suggest_rows_are_neutralised(wired: Wired, tmp_path: Path) -> None:
    """An error message that quotes a value, and suggest's TSV/JSON of an export full of escapes: clean."""
    wired.machine_login()
    missing = wired("identities", "--user", f"auth0|{NASTY}")
    assert missing.exit_code != 0
    assert missing.stderr.startswith("error: ")
    assert_clean(missing)
    export = tmp_path / "users.json"
    export.write_text(
        "".join(
            json.dumps(
                {
                    "user_id": user_id,
                    "email": f"a{NASTY}@example.com",
                    "email_verified": True,
                    "identities": [{"connection": f"conn{NASTY}"}],
                }
            )
            + "\n"
            for user_id in (f"auth0|1{NASTY}", f"google-oauth2|2{NASTY}")
        )
    )
    for args in ((), ("--json",), ("--csv",)):
        suggested = wired("suggest", "--from-export", str(export), *args)
        assert suggested.exit_code == 0, suggested.stderr
        assert "example.com" in suggested.stdout
        assert_clean(suggested)
