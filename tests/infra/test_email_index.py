"""The email index: users grouped by email through SQLite on disk, in bounded memory."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from auth0link.infra.email_index import EmailIndex
from auth0link.infra.export_file import UserRow

if TYPE_CHECKING:
    from pathlib import Path


def row(email: str, user_id: str, *, verified: bool = True) -> UserRow:
    """A row with default dates and connections."""
    return UserRow(email, user_id, user_id.split("|", maxsplit=1)[0], "2020-01-01T00:00:00.000Z", verified, 1)


def test_groups_in_email_order_without_singletons_or_repeats(tmp_path: Path) -> None:
    """Groups come sorted by email; an email of one user is left out; a repeated user ID counts once."""
    with EmailIndex(tmp_path) as index:
        added = index.add(
            [
                row("b@x.com", "auth0|b1"),
                row("a@x.com", "github|a2", verified=False),
                row("solo@x.com", "auth0|s"),
                row("a@x.com", "auth0|a1"),
                row("b@x.com", "auth0|b1"),  # the same user twice: not a pair with itself
                row("é@x.com", "auth0|e1"),
                row("é@x.com", "auth0|e2"),
            ]
        )
        groups = [(email, [r.user_id for r in rows]) for email, rows in index.groups()]
        verified = [r.verified for _, rows in index.groups() for r in rows]
    assert added == 7
    assert groups == [("a@x.com", ["auth0|a1", "github|a2"]), ("é@x.com", ["auth0|e1", "auth0|e2"])]
    assert verified == [True, False, True, True]


def test_the_index_file_is_private_and_removed(tmp_path: Path) -> None:
    """The SQLite file is 0600 while in use and deleted on close."""
    with EmailIndex(tmp_path) as index:
        index.add([row("a@x.com", "auth0|1")])
        assert stat.S_IMODE(index.path.stat().st_mode) == 0o600
        path = index.path
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


# The 100,000-user memory bound is a benchmark: benchmarks/suggest_memory.py (make bench).
