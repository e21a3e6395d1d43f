"""--users FILE: the emulator's list, Auth0's bulk-import JSON and users exports, detected by content."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.command import main
from auth0link.emulator.state.model import connection_id
from auth0link.emulator.state.persistence import build_tenant, read_users_file
from tests.emulator.conftest import BASE
from tests.support.tenants import export_record, write_users_export

if TYPE_CHECKING:
    from pathlib import Path

    from auth0link.emulator.state.tenant import Tenant

LINKED = {
    "user_id": "auth0|65f0aaaa00000000000000a1",
    "email": "Carol@Example.com",
    "email_verified": True,
    "given_name": "Carol",
    "last_ip": "203.0.113.9",
    "logins_count": 7,
    "last_login": "2024-05-01T10:00:00.000Z",
    "created_at": {"$date": "2019-03-01T09:00:00.000Z"},
    "identities": [
        {
            "connection": "corp-db",
            "provider": "auth0",
            "user_id": "65f0aaaa00000000000000a1",
            "isSocial": False,
        },
        {
            "connection": "github",
            "provider": "github",
            "user_id": 4242999,
            "isSocial": True,
            "profileData": {"email": "carol@example.com", "email_verified": False},
        },
    ],
    "user_metadata": {"theme": "dark"},
    "app_metadata.plan": "pro",
}


def load(path: Path, **kw: Any) -> Tenant:
    """Build a tenant from a --users file."""
    return build_tenant(BASE, users=read_users_file(path, **kw))


def write_lines(path: Path, records: list[Any], *, gzipped: bool = False) -> Path:
    """An NDJSON file of ``records`` (gzipped or not)."""
    text = "".join(json.dumps(r) + "\n" for r in records)
    if gzipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, **kw: Any) -> str:
    """The one-line error a bad file gets."""
    with pytest.raises(EmulatorError) as caught:
        load(path, **kw)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


@pytest.mark.parametrize("gzipped", [False, True])
def test_an_export_loads_with_linked_identities_and_every_field(tmp_path: Path, gzipped: bool) -> None:
    """NDJSON export lines (gzipped or not): identities, profileData, dotted metadata, extras, $date."""
    path = write_lines(tmp_path / "export.json.gz", [export_record(0, "auth0"), LINKED], gzipped=gzipped)
    tenant = load(path)
    carol = tenant.users["auth0|65f0aaaa00000000000000a1"].to_json()
    assert carol["email"] == "carol@example.com"
    assert [(i["connection"], i["user_id"], i["isSocial"]) for i in carol["identities"]] == [
        ("corp-db", "65f0aaaa00000000000000a1", False),
        ("github", "4242999", True),
    ]
    assert carol["identities"][1]["profileData"] == {"email": "carol@example.com", "email_verified": False}
    assert (carol["app_metadata"], carol["user_metadata"]) == ({"plan": "pro"}, {"theme": "dark"})
    assert (carol["given_name"], carol["last_ip"], carol["logins_count"]) == ("Carol", "203.0.113.9", 7)
    assert (carol["created_at"], carol["last_login"]) == (
        "2019-03-01T09:00:00.000Z",
        "2024-05-01T10:00:00.000Z",
    )
    owner = tenant.users.find_identity_owner("github", "4242999")
    assert owner is not None
    assert owner.user_id == carol["user_id"]
    assert tenant.users.connection_named(connection_id("corp-db")) == "corp-db"


def test_an_export_without_identities_gets_one_per_provider(tmp_path: Path) -> None:
    """Lines with only user_id/email: auth0| users go to --users-connection, others to the provider."""
    path = write_lines(
        tmp_path / "export.json",
        [
            {"user_id": "auth0|a1", "email": "a@example.com"},
            {"user_id": "google-oauth2|1", "email": "a@example.com", "identities[0].connection": "g-work"},
            {"user_id": "samlp|corp|x", "email": "x@corp.example"},
        ],
    )
    tenant = load(path, database="MyDB")
    identity = {uid: u.identities[0] for uid, u in tenant.users.items()}
    assert (identity["auth0|a1"].connection, identity["auth0|a1"].is_social) == ("MyDB", False)
    assert (identity["google-oauth2|1"].connection, identity["google-oauth2|1"].is_social) == ("g-work", True)
    assert (identity["samlp|corp|x"].provider, identity["samlp|corp|x"].user_id) == ("samlp", "corp|x")
    assert identity["samlp|corp|x"].is_social is False


def test_the_emulator_list_and_users_document_still_load(tmp_path: Path) -> None:
    """Today's format: a list, or {"users": [...]} over many lines with other keys around it."""
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"user_id": "auth0|x1", "email": "x@example.com", "password": "p"}]))
    tenant = load(listed)
    assert tenant.users.passwords.get("auth0|x1") == "p"
    document = tmp_path / "doc.json"
    users = [{"user_id": f"github|{i}", "email": f"g{i}@example.com"} for i in range(3)]
    document.write_text(json.dumps({"comment": {"a": [1]}, "users": users, "n": 2}, indent=2))
    assert list(load(document).users) == ["github|0", "github|1", "github|2"]


def test_a_bulk_import_file_loads_into_the_database_connection(tmp_path: Path) -> None:
    """Auth0's users-import JSON: auth0| prepended, IDs generated when absent, schema fields kept."""
    path = tmp_path / "import.json"
    path.write_text(
        json.dumps(
            [
                {
                    "email": "dave@example.com",
                    "email_verified": True,
                    "user_id": "5001",
                    "given_name": "Dave",
                    "family_name": "Doe",
                    "username": "dave",
                    "blocked": False,
                    "app_metadata": {"roles": ["admin"]},
                    "custom_password_hash": {"algorithm": "md5", "hash": {"value": "x", "encoding": "hex"}},
                },
                {"email": "erin@example.com", "password_hash": "$2b$10$abcdefghijklmnopqrstuv"},
            ]
        )
    )
    tenant = load(path, database="Legacy-DB")
    dave = tenant.users["auth0|5001"].to_json()
    assert (dave["given_name"], dave["family_name"], dave["username"], dave["blocked"]) == (
        "Dave",
        "Doe",
        "dave",
        False,
    )
    assert (dave["identities"][0]["connection"], dave["app_metadata"]) == ("Legacy-DB", {"roles": ["admin"]})
    erin = next(u for u in tenant.users.values() if u.email == "erin@example.com")
    assert erin.user_id.startswith("auth0|")
    assert len(erin.user_id) == len("auth0|") + 24
    assert (erin.email_verified, tenant.users.passwords.get(erin.user_id)) == (False, None)


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (
            {"email": "a@example.com", "password": "x"},
            "property 'password' is not in Auth0's users-import schema",
        ),
        ({"email_verified": True}, "email is required"),
        ({"email": "a@example.com", "app_metadata": {"identities": []}}, "must not contain 'identities'"),
        (
            {"email": "a@example.com", "password_hash": "h", "custom_password_hash": {}},
            "mutually exclusive",
        ),
        (
            {"email": "a@example.com", "custom_password_hash": {"algorithm": "rot13"}},
            "algorithm must be one of",
        ),
        ({"email": "a@example.com", "blocked": "no"}, "blocked must be true or false, got string"),
        ({"email": "A@example.com"}, "duplicate email 'A@example.com'"),
    ],
)
def test_bulk_import_records_are_checked_against_auth0s_schema(
    tmp_path: Path, record: dict[str, Any], problem: str
) -> None:
    """Each schema violation is one error naming the file, the element's line and the property."""
    path = tmp_path / "import.json"
    path.write_text('[\n  {"email": "a@example.com"},\n  ' + json.dumps(record) + "\n]\n")
    message = refused(path)
    assert "line 3: (read as Auth0's bulk-import JSON)" in message
    assert problem in message


@pytest.mark.parametrize(
    ("lines", "where"),
    [
        (['{"user_id": "auth0|a"}', "", '{"user_id": "auth0|b",}'], "line 3: not valid JSON"),
        (['{"user_id": "auth0|a"}', '{"email": "b@example.com"}'], "line 2: user_id must look like"),
        (['{"user_id": "auth0|a"}', "[1]"], "line 2: expected a user object, got array"),
        (['{"user_id": "auth0|a"}', '{"user_id": "auth0|a"}'], "line 2: duplicate user_id 'auth0|a'"),
        (
            [
                '{"user_id": "auth0|a", "identities": [{"connection": "c", "provider": "github", "user_id": "1"}]}'
            ],
            "line 1: identities[0] of 'auth0|a' must be its own",
        ),
        (['{"user_id": "auth0|a", "email_verified": "yes"}'], "line 1: email_verified must be true or false"),
        (
            ['{"user_id": "auth0|a", "identities": [{"provider": "auth0"}]}'],
            "identities[0].connection must be",
        ),
    ],
)
def test_bad_export_lines_name_the_line_and_the_problem(tmp_path: Path, lines: list[str], where: str) -> None:
    """Broken JSON, a missing user_id, a duplicate, a foreign identities[0]: file, line, problem."""
    path = tmp_path / "export.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert where in refused(path)


def test_a_long_array_is_streamed_and_errors_keep_their_line(tmp_path: Path) -> None:
    """A pretty-printed array larger than a read chunk: all users load; a late error names its line."""
    users = [{"user_id": f"github|{i}", "email": f"g{i}@example.com", "name": "x" * 40} for i in range(3000)]
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users, indent=1), encoding="utf-8")
    assert len(load(path).users) == 3000
    users[2999]["email_verified"] = "no"
    path.write_text(json.dumps(users, indent=1), encoding="utf-8")
    lines = json.dumps(users, indent=1).splitlines()
    line = max(number for number, text in enumerate(lines, start=1) if text == " {")
    assert line == 2 + 5 * 2999
    assert f"line {line}: email_verified must be true or false" in refused(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "line 1: not JSON"),
        (b"users: []", "line 1: not JSON"),
        (b'[{"user_id": "auth0|a"}] x', "line 1: not valid JSON (extra data after the users)"),
        (b'{"users": 1}', 'no "users" array'),
        (b'{"user_id": "auth0|a"}\n\xff\xfe\n', "line 2: not UTF-8 text"),
        (
            gzip.compress(b'{"user_id": "auth0|a"}\n', mtime=0)[:-6],
            "is damaged gzip data",
        ),  # mtime: same ID in every xdist worker
    ],
)
def test_files_that_are_not_users_are_refused_in_one_line(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    """Empty, not JSON, trailing garbage, no users array, not UTF-8, a truncated gzip: one clear line."""
    path = tmp_path / "users.bin"
    path.write_bytes(content)
    assert problem in refused(path)


def test_a_generated_export_of_duplicate_pairs_loads(tmp_path: Path) -> None:
    """tests.support's generated export (2 users per pair, gzipped) loads as the pairs it writes."""
    write_users_export(tmp_path / "export.json.gz", 50)
    tenant = load(tmp_path / "export.json.gz")
    assert len(tenant.users) == 100
    assert [u.user_id for u in tenant.users.by_email("user000049@example.com")] == [
        "auth0|db00000000000000000049",
        "google-oauth2|000000000000000000049",
    ]


def test_users_connection_must_name_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--users-connection google-oauth2 is exit 2 with one error line naming the option."""
    assert main(["--users-connection", "google-oauth2", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid --users-connection 'google-oauth2'")
    assert err.count("\n") == 1


def test_a_bad_users_file_is_exit_2_with_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """From the command line a bad export line is exit 2: one error line, file and line named."""
    path = write_lines(tmp_path / "export.json", [{"user_id": "auth0|a"}, {"user_id": 3}])
    assert main(["--users", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    expected = f"the users file {path}, line 2: user_id must look like 'provider|id', got 3"
    assert err == f"error: {expected}; fix it or pass another --users file\n"
