"""Reading a users export as a stream of small rows: NDJSON or CSV, gzipped or not.

What Auth0's users-export job writes (``format: json``: one JSON object per line; ``csv``: a
header row, then one row per user, strings escaped against CSV injection as ``'value``), as the
job's ``location`` serves it (gzipped) or as an admin unpacked it. The format is detected from
the content, not the name: gzip by its magic bytes, NDJSON by a first ``{``, CSV otherwise (a
JSON array, such as a users-import file, is refused with the fix).

The file is read one line at a time and only what ``suggest`` needs is kept from each user, as
a :class:`UserRow`: ``user_id`` (required), ``email``, ``email_verified``, ``created_at`` and
``identities`` (a JSON array; in CSV a cell holding its JSON text), or only
``identities[0].connection`` when the export names just that. Columns and keys are Auth0's field
names. Users without an email are counted and skipped. A line that is not a user is a
:class:`~auth0link.errors.UsageError` naming the file and the line.

Memory stays bounded whatever the file holds: a line is read at most :data:`MAX_RECORD_CHARS`
(1 MiB) characters at a time, and a longer one (no user record comes near it) is an error naming
the line; a CSV cell is bounded by the csv module's field limit (128 KiB).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Final, NamedTuple

from auth0link.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

GZIP_MAGIC: Final = b"\x1f\x8b"
#: The longest line (one user's record) read from an export; a user is a few KiB at most.
MAX_RECORD_CHARS: Final = 1 << 20
REPORT_EVERY: Final = 10_000  # users between two progress reports
_FIELDS_HINT: Final = "export with the fields user_id, email, email_verified, created_at and identities"


class UserRow(NamedTuple):
    """One user with an email, as ``suggest`` needs it (about 150 bytes)."""

    email: str  # lower case: the grouping key
    user_id: str
    connection: str  # identities[0].connection ('' when the export does not say)
    created_at: str
    verified: bool
    identities: int  # how many identities the user has (1 when the export does not say)


@dataclass
class ReadStats:
    """What a read saw, for the summary and warnings."""

    users: int = 0
    with_email: int = 0
    without_identities: int = 0


def _unescape(cell: str) -> str:
    """A CSV cell as exported: Auth0 writes strings as ``'value`` (CSV injection escaping)."""
    return cell.removeprefix("'")


def _created(value: Any) -> str:
    if isinstance(value, dict):  # {"$date": "…"}, as some exports and imports write dates
        value = value.get("$date")
    return value if isinstance(value, str) else ""


class ExportReader:
    """One export file, read once as a stream of :class:`UserRow` (module docstring)."""

    def __init__(self, path: Path, *, name: str | None = None) -> None:
        """Read ``path``; ``name`` is how messages call it (default: the path)."""
        self.path = path
        self.name = name or str(path)
        self.stats = ReadStats()

    def rows(self, on_progress: Callable[[int, int, int], None] | None = None) -> Iterator[UserRow]:
        """Every user with an email, in file order; ``on_progress(bytes, size, users)`` now and then."""
        try:
            raw = self.path.open("rb")
        except OSError as exc:
            raise UsageError(
                f"Cannot read the export {self.name}: {exc.strerror or exc}.",
                hint="pass the path of a users export (.json, .json.gz, .csv or .csv.gz)",
            ) from None
        with raw:
            size = self.path.stat().st_size
            try:
                with self._text(raw) as (text, first):
                    for record in self._ndjson(text) if first == "{" else self._csv(text):
                        row = self._row(*record)
                        if row is not None:
                            yield row
                        if on_progress is not None and self.stats.users % REPORT_EVERY == 0:
                            on_progress(raw.tell(), size, self.stats.users)
            except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
                raise UsageError(
                    f"The export {self.name} cannot be read: {type(exc).__name__}: {str(exc)[:120]}.",
                    hint="pass a users export as Auth0 writes it (NDJSON or CSV, UTF-8, gzipped or not)",
                ) from None
            if on_progress is not None:
                on_progress(size, size, self.stats.users)

    @contextlib.contextmanager
    def _text(self, raw: io.BufferedReader) -> Iterator[tuple[IO[str], str]]:
        """The file as text (un-gzipped if need be) and its first character; a JSON array is refused."""
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw) if gzipped else raw
        first = _first_char(stream)
        if first == "[":
            raise UsageError(
                f"The file {self.name} is a JSON array (a users-import file?), not a users export.",
                hint="export the users with an export job (NDJSON or CSV): docs/admin.md, Rehearse on a copy",
            )
        with io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as text:  # type: ignore[type-var] # a GzipFile or a BufferedReader: both readable binary buffers
            yield text, first

    def _lines(self, text: IO[str]) -> Iterator[str]:
        """The file's lines, each read at most :data:`MAX_RECORD_CHARS` characters at a time."""
        number = 0
        while line := text.readline(MAX_RECORD_CHARS + 1):
            number += 1
            if len(line) > MAX_RECORD_CHARS:
                raise self._bad(
                    number, f"longer than {MAX_RECORD_CHARS >> 20} MiB (the most one record may be)"
                )
            yield line

    def _ndjson(self, text: IO[str]) -> Iterator[tuple[dict[str, Any], int]]:
        for number, line in enumerate(self._lines(text), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise self._bad(number, f"not JSON ({str(exc)[:80]})") from None
            if not isinstance(data, dict):
                raise self._bad(number, f"a JSON {type(data).__name__}, not a user object")
            yield data, number

    def _csv(self, text: IO[str]) -> Iterator[tuple[dict[str, Any], int]]:
        reader = csv.reader(self._lines(text))
        header = [cell.strip() for cell in next(reader, [])]
        if "user_id" not in header:
            raise self._bad(1, f"no user_id column (columns: {', '.join(header[:8]) or 'none'})")
        for cells in reader:
            values: dict[str, Any] = {k: _unescape(v) for k, v in zip(header, cells, strict=False)}
            identities = values.get("identities", "")
            if identities.startswith("["):
                try:
                    values["identities"] = json.loads(identities)
                except ValueError:
                    raise self._bad(reader.line_num, "the identities cell is not a JSON array") from None
            values["email_verified"] = values.get("email_verified") == "true"
            yield values, reader.line_num

    def _row(self, data: dict[str, Any], number: int) -> UserRow | None:
        self.stats.users += 1
        user_id = data.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise self._bad(number, "a user without a user_id")
        email = data.get("email")
        if not isinstance(email, str) or not email:
            return None
        self.stats.with_email += 1
        identities = data.get("identities")
        if isinstance(identities, list) and identities:
            first = identities[0] if isinstance(identities[0], dict) else {}
            connection, count = first.get("connection"), len(identities)
        else:
            self.stats.without_identities += 1
            connection, count = data.get("identities[0].connection"), 1
        return UserRow(
            email=email.lower(),
            user_id=user_id,
            connection=connection if isinstance(connection, str) else "",
            created_at=_created(data.get("created_at")),
            verified=data.get("email_verified") is True,
            identities=count,
        )

    def _bad(self, number: int, problem: str) -> UsageError:
        return UsageError(f"The export {self.name}, line {number}: {problem}.", hint=_FIELDS_HINT)


def _first_char(stream: io.BufferedIOBase) -> str:
    """The first character that is not blank (nor a byte-order mark), without consuming it."""
    peek = getattr(stream, "peek", None)
    head = peek(256) if peek is not None else b""
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    return text[:1]
