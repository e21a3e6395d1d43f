"""``auth0link unlink`` through the CLI against the emulator's tenant, in process."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.errors import ExitCode
from tests.support.demo_ids import ALICE, BOB, GITHUB

BOB_ID = BOB

if TYPE_CHECKING:
    from tests.cli.conftest import Wired


@pytest.fixture
def linked(wired: Wired) -> Wired:
    """Alice with her GitHub account linked."""
    wired.tenant.emulator.tenant.users.link(ALICE, "github", "4242424")
    return wired


def test_unlink_one_prints_remaining_tsv(linked: Wired) -> None:
    """unlink PROVIDER USER_ID --yes deletes it and prints the remaining identities as TSV."""
    result = linked("unlink", "github", "4242424", "--yes")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("provider\tuser_id")
    assert [line.split("\t")[:2] for line in lines[1:]] == [["auth0", ALICE.split("|")[1]]]
    assert ("DELETE", f"/api/v2/users/{ALICE}/identities/github/4242424") in linked.writes()
    assert linked.tenant.user(GITHUB) is not None  # a separate user again


def test_unlink_accepts_provider_pipe_id(linked: Wired) -> None:
    """`unlink 'github|4242424'` (the form identities and backups print) is the same as two arguments."""
    result = linked("unlink", GITHUB, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert [i["provider"] for i in json.loads(result.stdout)["identities"]] == ["auth0"]


def test_unlink_primary_is_exit_2(linked: Wired) -> None:
    """Unlinking the primary identity is refused with exit 2 and an explanation."""
    result = linked("unlink", "auth0", ALICE.split("|")[1], "--yes")
    assert result.exit_code == ExitCode.USAGE
    assert "primary identity" in result.stderr
    assert linked.writes() == []


def test_unlink_not_linked_is_exit_7(linked: Wired) -> None:
    """Unlinking an identity that is not linked is exit 7."""
    result = linked("unlink", "twitter", "9", "--yes")
    assert result.exit_code == ExitCode.CONFLICT
    assert "not linked" in result.stderr


def test_unlink_stdin_pipeline_form(linked: Wired) -> None:
    """`identities --secondary-only | auth0link unlink - --yes` input (header + rows) unlinks them."""
    listed = linked("identities", "--secondary-only")
    assert listed.exit_code == 0, listed.stderr
    result = linked("unlink", "-", "--yes", "--json", input=listed.stdout + "\n")
    assert result.exit_code == 0, result.stderr
    assert [i["provider"] for i in json.loads(result.stdout)["identities"]] == ["auth0"]


def test_unlink_stdin_bad_line_is_exit_2_with_line_number(linked: Wired) -> None:
    """A malformed stdin line is exit 2 naming its line number; nothing is unlinked."""
    result = linked("unlink", "-", "--yes", input="github\t4242424\nnot-a-pair\n")
    assert result.exit_code == ExitCode.USAGE
    assert "stdin line 2" in result.stderr
    assert linked.writes() == []


def test_unlink_stdin_without_yes_is_exit_2(linked: Wired) -> None:
    """`unlink -` cannot prompt (stdin is the data): --yes is required."""
    result = linked("unlink", "-", input="github\t4242424\n")
    assert result.exit_code == ExitCode.USAGE
    assert "--yes" in result.stderr
    assert linked.writes() == []


def test_unlink_on_a_terminal_asks_and_no_cancels(linked: Wired) -> None:
    """On a TTY the unlink is explained and confirmed; answering no is exit 9 and changes nothing."""
    linked.stdin_isatty = True
    result = linked("unlink", "github", "4242424", input="n\n")
    assert result.exit_code == ExitCode.CANCELLED
    assert "Unlink now?" in result.stderr
    assert linked.writes() == []


def test_unlink_missing_user_id_is_exit_2(linked: Wired) -> None:
    """PROVIDER without USER_ID is a usage error."""
    result = linked("unlink", "github", "--yes")
    assert result.exit_code == ExitCode.USAGE
    assert "USER_ID" in result.stderr


def test_a_session_whose_user_is_gone_says_to_log_in_again(wired: Wired) -> None:
    """The logged-in user was linked into another (or deleted): identities and unlink say log in again (3)."""
    wired.tenant.emulator.tenant.users.link(BOB_ID, "auth0", ALICE.split("|")[1])
    for args in (["identities"], ["unlink", GITHUB, "--yes"]):
        result = wired(*args)
        assert result.exit_code == ExitCode.LOGIN_REQUIRED, (args, result.stderr)
        assert f"The logged-in user {ALICE} no longer exists" in result.stderr
        assert result.stderr.splitlines()[-1].startswith("hint: run: auth0link login")
    assert wired.writes() == []


def test_an_empty_admin_user_is_refused_not_the_signed_in_user(wired: Wired) -> None:
    """unlink --user '' P U --yes is a usage error (exit 2), like link --user ''; nothing is unlinked."""
    wired.tenant.emulator.tenant.users.link(ALICE, "github", "4242424")
    result = wired("unlink", "--user", "", "github", "4242424", "--yes")
    assert result.exit_code == ExitCode.USAGE
    assert wired.writes() == []
    listed = wired("identities", "--user", "", "--json")
    assert listed.exit_code == ExitCode.USAGE
