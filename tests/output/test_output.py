"""Rendering: rich table on a TTY, TSV when piped, JSON with stable keys, no escapes."""

from __future__ import annotations

import io
import json
from typing import Any

from auth0link.models import LinkPlan, User
from auth0link.output import Output, clean
from tests.support import recorded

USER = User.from_api(
    {
        "user_id": "auth0|abc",
        "email": "alice@example.com",
        "name": "Alice",
        "identities": [
            {
                "provider": "auth0",
                "user_id": "abc",
                "connection": "Username-Password-Authentication",
                "isSocial": False,
            },
            {
                "provider": "google-oauth2",
                "user_id": "109",
                "connection": "google-oauth2",
                "isSocial": True,
                "profileData": {"email": "alice@gmail.example", "name": "Alice\x1b[31m G\tX"},
            },
        ],
    }
)


def make(*, tty: bool) -> tuple[Output, io.StringIO, io.StringIO]:
    """An Output on StringIO streams with a chosen TTY state."""
    out, err = io.StringIO(), io.StringIO()
    return (
        Output(stdout=out, stderr=err, stdout_isatty=tty, stderr_isatty=tty, no_color=True, width=140),
        out,
        err,
    )


def test_tsv_when_piped_with_header() -> None:
    """Piped output is TSV, header first, provider and user_id in the first two columns."""
    output, out, err = make(tty=False)
    output.identities(USER, as_json=False)
    lines = out.getvalue().splitlines()
    assert lines[0] == "provider\tuser_id\tconnection\tsocial\tprimary\tname\temail"
    assert lines[1].split("\t")[:2] == ["auth0", "abc"]
    assert lines[1].split("\t")[4] == "yes"
    assert lines[2].split("\t")[:2] == ["google-oauth2", "109"]
    assert len(lines[2].split("\t")) == 7  # the tab inside the name was neutralised
    assert "\x1b" not in out.getvalue()
    assert err.getvalue() == ""


def test_tsv_no_header_and_secondary_only() -> None:
    """--no-header drops the header; --secondary-only drops the primary (the seeds' filter)."""
    output, out, _ = make(tty=False)
    output.identities(USER, as_json=False, header=False, secondary_only=True)
    assert out.getvalue().splitlines() == [
        "google-oauth2\t109\tgoogle-oauth2\tyes\tno\tAlice [31m G X\talice@gmail.example"
    ]


def test_json_has_stable_keys() -> None:
    """--json gives the documented keys in a fixed order."""
    output, out, _ = make(tty=False)
    output.identities(USER, as_json=True)
    data = json.loads(out.getvalue())
    assert list(data) == ["user_id", "email", "identities"]
    assert list(data["identities"][0]) == [
        "provider",
        "user_id",
        "connection",
        "is_social",
        "is_primary",
        "email",
        "name",
    ]
    assert [i["is_primary"] for i in data["identities"]] == [True, False]


def test_table_on_tty_without_escapes_from_data() -> None:
    """On a TTY a table is drawn; control characters from profile data never reach the terminal."""
    output, out, _ = make(tty=True)
    output.identities(USER, as_json=False)
    text = out.getvalue()
    assert "google-oauth2" in text
    assert "Identities of auth0|abc" in text
    assert "\x1b[31m" not in text


def test_clean_handles_none_bool_and_controls() -> None:
    """clean() renders None as empty, booleans as yes/no and strips control characters."""
    assert clean(None) == ""
    assert clean(True) == "yes"
    assert clean("a\nb\x07") == "a b "


def test_login_url_with_a_browser_says_it_opens_it() -> None:
    """A browser login says the page opens in the browser, and prints the URL."""
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).login_url(URL, browser=True)
    assert err.getvalue().startswith("Opening the login page in your browser.")
    assert "ssh -L" not in err.getvalue()


def test_login_url_without_a_browser_gives_the_ssh_hint() -> None:
    """--no-browser: no "Opening … in your browser"; the URL and how to forward its callback port."""
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).login_url(URL, browser=False)
    text = err.getvalue()
    assert "Opening" not in text
    assert text.startswith("Open this URL in a browser to log in:\n")
    assert "ssh -L 8485:127.0.0.1:8485 HOST" in text


URL = (
    "https://t.example/authorize?response_type=code&client_id=c"
    "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8485%2Fcallback&state=s"
)


def test_json_fills_the_primarys_email_and_name_as_the_table_does() -> None:
    """--json: the primary identity (no profileData) has the user's email and name, as the table shows."""
    output, out, _ = make(tty=False)
    output.identities(USER, as_json=True)
    primary, google = json.loads(out.getvalue())["identities"]
    assert (primary["email"], primary["name"]) == ("alice@example.com", "Alice")
    assert (google["email"], google["name"]) == ("alice@gmail.example", "Alice\x1b[31m G\tX")
    table, piped, _ = make(tty=False)
    table.identities(USER, as_json=False)
    assert piped.getvalue().splitlines()[1].split("\t")[5:] == ["Alice", "alice@example.com"]


def test_every_write_neutralises_controls_even_when_the_caller_did_not_clean() -> None:
    """info/success/warn/data/error/json/rows write no raw ESC, C1, DEL or bidi mark; JSON stays exact."""
    import re

    from auth0link.output import write_error

    nasty = "a\x1b[31mb\x9bc\x7f\u202ed\u2066e\u200f\x07"
    output, out, err = make(tty=False)
    output.info(nasty)
    output.success(nasty)
    output.warn(nasty)
    output.data(nasty)
    write_error(err, nasty, nasty)
    output.json({nasty: nasty})
    output.rows(("k",), [(nasty,)], as_json=True)
    output.rows(("k",), [(nasty,)])
    raw = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
    assert not raw.findall(out.getvalue() + err.getvalue())
    _, out2, _ = (made := make(tty=False))
    made[0].json({nasty: [nasty]})
    assert json.loads(out2.getvalue()) == {nasty: [nasty]}
    assert "\\u009b" in out2.getvalue()


def test_spreadsheet_rows_defuse_every_formula_start() -> None:
    """rows(spreadsheet=True): CSV whose cells starting = + - @ (or after blanks) get a leading '."""
    import csv

    output, out, _ = make(tty=False)
    cells = ("=1+2", "+1", "-1", "@SUM(A1)", " =x", "plain", 'a,"b"')
    output.rows(("a", "b", "c", "d", "e", "f", "g"), [cells], spreadsheet=True)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "' =x", "plain", 'a,"b"']


def test_a_real_link_answers_database_profile_without_name_shows_given_and_family_name() -> None:
    """A database secondary's profileData has no name on a real tenant: given and family name show."""
    primary, secondary = recorded.database_user("p", 249), recorded.database_user("s", 203)
    user = User.from_api({**primary, "identities": recorded.link_answer(primary, secondary)})
    output, out, _ = make(tty=False)
    output.identities(user, as_json=True)
    mine, linked = json.loads(out.getvalue())["identities"]
    assert (mine["name"], mine["email"]) == ("chuck249@example.com", "chuck249@example.com")
    assert (linked["name"], linked["email"]) == ("Chuck Sanchez", "chuck203@example.com")


def test_a_login_on_a_later_callback_port_says_so_once() -> None:
    """Port 8484 busy, listening on 8485: one line on stderr saying so; nothing when the first port is used."""
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).login_url(
        URL, browser=True, first_port=8484
    )
    assert err.getvalue().splitlines()[0] == "Callback port 8484 is in use; listening on port 8485 instead."
    assert err.getvalue().count("in use") == 1
    quiet = io.StringIO()
    Output(stdout=io.StringIO(), stderr=quiet, stderr_isatty=False).login_url(
        URL, browser=True, first_port=8485
    )
    assert "in use" not in quiet.getvalue()


def _plan(**fields: Any) -> LinkPlan:
    """A LinkPlan for Alice absorbing an SMS account, with ``fields`` set."""
    primary = User.from_api({"user_id": "auth0|alice", "email": "alice@example.com", "identities": []})
    return LinkPlan(
        primary=primary,
        secondary_id="sms|1",
        secondary_contact="+15555550123",
        merge=None,
        backup="b",
        **fields,
    )


def test_an_sms_account_without_email_is_not_said_to_have_a_different_email() -> None:
    """No email to compare: the warning says so instead of "the two accounts have different emails"."""
    err = io.StringIO()
    plan = _plan(
        different_accounts=("auth0|alice (alice@example.com)", "sms|1 (+15555550123)"), emails_compared=False
    )
    Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).link_plan(plan)
    assert "different emails" not in err.getvalue()
    assert "no email to compare (an SMS account)" in err.getvalue()


def test_the_plan_names_the_absorbed_app_metadata_that_will_be_lost() -> None:
    """The absorbed account's app_metadata keys and values are listed as lost (Auth0 never merges them)."""
    err = io.StringIO()
    plan = _plan(secondary_app_metadata={"plan": "pro"})
    Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).link_plan(plan)
    assert 'app_metadata of sms|1 that will be lost (never merged): plan: "pro"' in err.getvalue()
