"""Users grouped by email in bounded memory: an index on disk (SQLite, from the standard library).

``suggest`` over a whole tenant must not hold every user: a million users as Python objects are
hundreds of megabytes. The rows go into a table of a private SQLite file (a temporary file,
0600, removed on close) in batches; an index on ``email`` is built once they are all in, and
:meth:`EmailIndex.groups` walks it in email order, holding one group at a time. SQLite keeps
its own memory bounded (a page cache of :data:`CACHE_KIB`; the sort that builds the index spills
to temporary files), so the process stays flat from a thousand users to millions.

The file is scratch space: no journal and no fsync (a crash loses nothing that a rerun would not
rebuild).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import tempfile
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Final, Self

from auth0link.infra.export_file import UserRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

BATCH: Final = 10_000  # rows per executemany
CACHE_KIB: Final = 8_192  # SQLite page cache (and sorter memory) for the index file
_INSERT: Final = "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)"  # UserRow's fields, in the table's order
_IN_EMAIL_ORDER: Final = (
    "SELECT email, user_id, connection, created_at, verified, identities FROM users ORDER BY email, user_id"
)


def _row(values: tuple[str, str, str, str, int, int]) -> UserRow:
    email, user_id, connection, created_at, verified, identities = values
    return UserRow(email, user_id, connection, created_at, bool(verified), identities)


class EmailIndex:
    """A temporary SQLite table of :class:`~.export_file.UserRow`, grouped by email on demand."""

    def __init__(self, directory: Path | None = None) -> None:
        """Create the private file (in ``directory``, default the system's temporary directory)."""
        handle, name = tempfile.mkstemp(prefix="auth0link-suggest-", suffix=".sqlite3", dir=directory)
        os.close(handle)
        self.path = Path(name)
        self.rows = 0
        self._indexed = False
        self._db = sqlite3.connect(name, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE users (email TEXT NOT NULL, user_id TEXT NOT NULL, connection TEXT NOT NULL,"
            " created_at TEXT NOT NULL, verified INTEGER NOT NULL, identities INTEGER NOT NULL)"
        )

    def add(self, rows: Iterable[UserRow]) -> int:
        """Store ``rows`` (streamed, :data:`BATCH` at a time); the number stored."""
        added = 0
        iterator = iter(rows)
        self._db.execute("BEGIN")
        try:
            while batch := list(itertools.islice(iterator, BATCH)):
                self._db.executemany(_INSERT, batch)
                added += len(batch)
        finally:
            self._db.execute("COMMIT")
        self.rows += added
        self._indexed = False
        return added

    def groups(self, *, minimum: int = 2) -> Iterator[tuple[str, list[UserRow]]]:
        """Each email shared by at least ``minimum`` users, with its users, in email order.

        One group is in memory at a time; a user ID listed twice (an export that repeats a user)
        counts once.
        """
        if not self._indexed:
            self._db.execute("CREATE INDEX IF NOT EXISTS by_email ON users (email, user_id)")
            self._indexed = True
        cursor = self._db.execute(_IN_EMAIL_ORDER)
        try:
            for email, rows in itertools.groupby(cursor, key=itemgetter(0)):
                members = list({row[1]: _row(row) for row in rows}.values())
                if len(members) >= minimum:
                    yield email, members
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the database and delete its file."""
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __enter__(self) -> Self:
        """Use as a context manager (the file is deleted on exit)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close and delete."""
        self.close()
