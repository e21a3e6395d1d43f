"""Export lines: field paths, JSON and CSV encoding, the batched gzip writer."""

from __future__ import annotations

import gzip
import json
import threading
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.mgmt.export_file import Field, csv_line, json_line, parse_fields, write_export
from auth0link.emulator.state.model import ManagementError
from auth0link.emulator.state.persistence import build_tenant
from tests.emulator.conftest import BASE

if TYPE_CHECKING:
    from pathlib import Path

USER = {
    "user_id": "auth0|1",
    "email": "a@example.com",
    "identities": [{"connection": "db", "provider": "auth0", "user_id": "1", "isSocial": False}],
    "multifactor": ["guardian"],
    "user_metadata": {"consent": {"given": True}},
    "last_ip": None,
}


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        ("identities[0].connection", ("identities", 0, "connection")),
        ("user_metadata.consent.given", ("user_metadata", "consent", "given")),
        ("multifactor[0]", ("multifactor", 0)),
        ("custom-attribute", ("custom-attribute",)),
    ],
)
def test_field_names_are_paths_into_the_user(name: str, steps: tuple[object, ...]) -> None:
    """A field name splits into keys and indexes, as Auth0's export fields are written."""
    assert Field.parse(name).steps == steps


@pytest.mark.parametrize("name", ["a..b", "[0]", "x[a]", ".x", "x."])
def test_malformed_field_names_are_400(name: str) -> None:
    """A name that is not a path is refused as a bad body."""
    with pytest.raises(ManagementError, match="Invalid field name"):
        Field.parse(name)


def test_json_lines_leave_out_what_is_missing() -> None:
    """Paths that lead nowhere (index past the end, key of a non-object) are not in the line."""
    fields = parse_fields(
        [
            {"name": "identities[0].connection"},
            {"name": "identities[3].connection"},
            {"name": "email.domain"},
            {"name": "user_metadata.consent.given", "export_as": "consent"},
            {"name": "last_ip"},
        ],
        "json",
    )
    assert json.loads(json_line(USER, fields)) == {
        "identities[0].connection": "db",
        "consent": True,
        "last_ip": None,
    }


def test_csv_cells_for_arrays_nulls_and_numbers() -> None:
    """CSV: arrays as escaped JSON text, null and missing empty, booleans and numbers bare."""
    fields = parse_fields(
        [
            {"name": "multifactor"},
            {"name": "last_ip"},
            {"name": "nope"},
            {"name": "user_metadata.consent.given"},
        ],
        "csv",
    )
    assert csv_line(USER, fields) == """"'[""guardian""]",,,true\n"""


def test_the_writer_batches_and_stops_when_cancelled(tmp_path: Path) -> None:
    """2,500 users are written in batches with progress; a cancelled job stops and says so."""
    tenant = build_tenant(BASE, users=[{"user_id": f"github|{i}"} for i in range(2500)])
    users = list(tenant.users.values())
    seen: list[int] = []
    fields = parse_fields([{"name": "user_id"}], "json")
    path = tmp_path / "out.json.gz"
    assert write_export(path, users, fields, "json", progress=seen.append, cancelled=threading.Event())
    assert seen == [1000, 2000, 2500]
    assert len(gzip.decompress(path.read_bytes()).splitlines()) == 2500
    stop = threading.Event()
    stop.set()
    assert not write_export(path, users, fields, "csv", progress=seen.append, cancelled=stop)
