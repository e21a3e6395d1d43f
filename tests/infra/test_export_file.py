"""Reading users exports: NDJSON or CSV, gzipped or not, detected by content; bad files say where."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.emulator.mgmt.export_file import csv_header, csv_line, parse_fields
from auth0link.errors import UsageError
from auth0link.infra.export_file import ExportReader, UserRow

if TYPE_CHECKING:
    from pathlib import Path

FIELDS = ["user_id", "email", "email_verified", "created_at", "identities"]

USERS: list[dict[str, Any]] = [
    {
        "user_id": "auth0|a1",
        "email": "A@X.com",
        "email_verified": True,
        "created_at": "2020-01-01T00:00:00.000Z",
        "identities": [
            {"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "a1"},
            {"connection": "github", "provider": "github", "user_id": "7"},
        ],
    },
    {
        "user_id": "google-oauth2|a2",
        "email": "a@x.com",
        "email_verified": False,
        "created_at": "2021-01-01T00:00:00.000Z",
        "identities": [{"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "a2"}],
    },
    {"user_id": "sms|s1", "created_at": "2022-01-01T00:00:00.000Z"},  # no email: skipped
]

EXPECTED = [
    UserRow("a@x.com", "auth0|a1", "Username-Password-Authentication", "2020-01-01T00:00:00.000Z", True, 2),
    UserRow("a@x.com", "google-oauth2|a2", "google-oauth2", "2021-01-01T00:00:00.000Z", False, 1),
]


def write(path: Path, text: str, *, gzipped: bool = False) -> Path:
    """Write ``text`` to ``path`` (gzipped when asked)."""
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def ndjson(users: list[dict[str, Any]]) -> str:
    """Users as an export job writes them in ``json`` format."""
    return "".join(json.dumps(u) + "\n" for u in users)


def csv_export(users: list[dict[str, Any]], names: list[str] = FIELDS) -> str:
    """Users as the emulator's export job writes them in ``csv`` format (Auth0's escaping)."""
    fields = parse_fields([{"name": n} for n in names], "csv")
    return csv_header(fields) + "".join(csv_line(u, fields) for u in users)


@pytest.mark.parametrize(
    ("name", "text", "gzipped"),
    [
        ("export.json", ndjson(USERS), False),
        ("export.json.gz", ndjson(USERS), True),
        ("export.csv", csv_export(USERS), False),
        ("export.csv.gz", csv_export(USERS), True),
        ("named-anything", "\ufeff\n" + ndjson(USERS), False),
    ],
)
def test_every_format_gives_the_same_rows(tmp_path: Path, name: str, text: str, gzipped: bool) -> None:
    """NDJSON or CSV (Auth0's column names and escaping), gzipped or not, BOM or not: the same rows."""
    reader = ExportReader(write(tmp_path / name, text, gzipped=gzipped))
    assert list(reader.rows()) == EXPECTED
    assert (reader.stats.users, reader.stats.with_email, reader.stats.without_identities) == (3, 2, 0)


def test_csv_escaping_is_undone(tmp_path: Path) -> None:
    """A CSV cell written as "'value" (CSV-injection escaping) reads back as value."""
    text = csv_export([{"user_id": "auth0|q", "email": "=cmd@x.com", "email_verified": True}], FIELDS[:3])
    assert "'=cmd@x.com" in text
    (row,) = ExportReader(write(tmp_path / "e.csv", text)).rows()
    assert (row.user_id, row.email, row.verified) == ("auth0|q", "=cmd@x.com", True)


def test_an_export_without_identities_is_counted(tmp_path: Path) -> None:
    """Without identities (or with only identities[0].connection) users count one identity; stats say so."""
    names = ["user_id", "email", "email_verified", "identities[0].connection"]
    reader = ExportReader(write(tmp_path / "e.csv", csv_export(USERS[:2], names)))
    rows = list(reader.rows())
    assert [(r.connection, r.identities) for r in rows] == [
        ("Username-Password-Authentication", 1),
        ("google-oauth2", 1),
    ]
    assert reader.stats.without_identities == 2


def test_progress_reports_bytes_and_users(tmp_path: Path) -> None:
    """on_progress gets (bytes read, file size, users) at the end (and every 10,000 users)."""
    path = write(tmp_path / "e.json.gz", ndjson(USERS), gzipped=True)
    seen: list[tuple[int, int, int]] = []
    list(ExportReader(path).rows(lambda *args: seen.append(args)))
    assert seen[-1] == (path.stat().st_size, path.stat().st_size, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"user_id": "auth0|1", "email": "a@x.com"}\n{"user_id": \n', "line 2: not JSON"),
        ('{"user_id": "auth0|1"}\n["auth0|2"]\n', "line 2: a JSON list, not a user object"),
        ('{"email": "a@x.com"}\n', "line 1: a user without a user_id"),
        ("email,name\na@x.com,A\n", "line 1: no user_id column (columns: email, name)"),
        ('[{"user_id": "auth0|1"}]', "is a JSON array (a users-import file?)"),
    ],
)
def test_a_bad_file_names_the_line_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    """A line that is not a user is a usage error (exit 2) naming the file and the line, with a hint."""
    path = write(tmp_path / "bad.json", text)
    with pytest.raises(UsageError) as caught:
        list(ExportReader(path).rows())
    assert message in caught.value.message
    assert str(path) in caught.value.message
    assert caught.value.hint


def test_unreadable_files_are_usage_errors(tmp_path: Path) -> None:
    """A missing file, a broken gzip or non-UTF-8 text is one usage error, not a traceback."""
    with pytest.raises(UsageError, match="Cannot read the export"):
        list(ExportReader(tmp_path / "missing.json").rows())
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(gzip.compress(ndjson(USERS).encode())[:40])
    with pytest.raises(UsageError, match="cannot be read"):
        list(ExportReader(broken).rows())
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"user_id,email\nauth0|1,caf\xe9@x.com\n")
    with pytest.raises(UsageError, match="cannot be read"):
        list(ExportReader(latin).rows())


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("giant-line.json.gz", b'{"user_id": "auth0|1", "email": "' + b"a" * (40 << 20) + b'"}\n'),
        ("commas.csv.gz", b"," * (40 << 20) + b"\n"),
    ],
)
def test_a_record_over_the_limit_is_one_error_naming_it_in_bounded_memory(
    tmp_path: Path, name: str, line: bytes
) -> None:
    """A gzip holding a 40 MiB line (JSON or commas): UsageError naming the record; memory stays small."""
    import tracemalloc

    from auth0link.infra.export_file import MAX_RECORD_CHARS

    path = tmp_path / name
    first = b"" if name.endswith(".json.gz") else b"user_id,email\n'auth0|0,'a@example.com\n"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(first + line)
    tracemalloc.start()
    try:
        with pytest.raises(UsageError) as caught:
            list(ExportReader(path).rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    number = 1 if name.endswith(".json.gz") else 3
    assert f"line {number}: longer than {MAX_RECORD_CHARS // (1 << 20)} MiB" in caught.value.message
    assert peak < 16 << 20, f"peak {peak / (1 << 20):.1f} MiB"
