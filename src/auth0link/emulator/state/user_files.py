"""``--users FILE``: the emulator's format, Auth0's bulk-import JSON or a users export, by content.

What a file holds is decided from its bytes, never its name:

1. gzip data (``1f 8b``) is decompressed on the fly (an export's ``location`` serves ``.json.gz``).
2. The first character that is not blank:

   - ``[`` — a JSON array. If its first element has a full ``user_id`` (``provider|id``) every
     element is a user record (the emulator's format, or an export turned into an array with
     ``jq -s``); otherwise the file is Auth0's bulk-import JSON.
   - ``{`` — if the first line is a whole JSON object without a ``users`` key, the file is a
     users export: NDJSON, one user per line. Otherwise it is one document, ``{"users": [...]}``,
     whose array is read as above.

Nothing is read whole: arrays are decoded one element at a time and NDJSON one line at a time,
straight into the directory, so a 100,000-user export loads in seconds without holding the text
of every user. (:mod:`.user_records` turns each record into a user spec.) Anything wrong is one
:class:`~auth0link.emulator.EmulatorError` naming the file, the line and the problem.
"""

from __future__ import annotations

import codecs
import gzip
import json
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from .. import EmulatorError
from . import demo
from .model import json_type
from .user_records import spec_from_import, spec_from_user

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from .directory import UserDirectory

_CHUNK = 1 << 16
_HEAD_LIMIT = 1 << 20  # a first line longer than this is not one user: the file is one document
_DECODER = json.JSONDecoder()
_TOO_DEEP = "nested too deeply (arrays or objects inside one another)"
_FORMATS = (
    'a JSON list of users (or {"users": [...]}), Auth0\'s bulk-import JSON, '
    "or a users export (NDJSON, gzipped or not)"
)


class BadRecord(ValueError):
    """A problem at one line of the file (the caller names the file)."""

    def __init__(self, line: int, problem: str) -> None:
        """Remember where and what."""
        super().__init__(problem)
        self.line = line
        self.problem = problem


class _Reader:
    """JSON values read one at a time from a text stream, with the line of each."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._buffer = ""
        self._pos = 0
        self.line = 1

    def _fill(self, *, grow: bool = False) -> bool:
        # grow: the value being read is longer than the buffer; doubling what is read keeps
        # reading (and re-parsing) one long value linear in its size, not quadratic.
        data = self._stream.read(max(_CHUNK, len(self._buffer) - self._pos) if grow else _CHUNK)
        try:
            chunk = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            line = self.line + self._buffer.count("\n", self._pos) + data.count(b"\n", 0, max(exc.start, 0))
            raise BadRecord(line, "not UTF-8 text") from None
        if not chunk:
            return False
        if self._pos > _CHUNK:
            self._buffer, self._pos = self._buffer[self._pos :], 0
        self._buffer += chunk
        return True

    def peek(self) -> str:
        """The next character that is not blank ('' at the end)."""
        while True:
            buffer, start = self._buffer, self._pos
            while self._pos < len(buffer) and buffer[self._pos] in " \t\r\n":
                self._pos += 1
            self.line += buffer.count("\n", start, self._pos)
            if self._pos < len(buffer) or not self._fill():
                return self._buffer[self._pos : self._pos + 1]

    def expect(self, chars: str, what: str) -> str:
        """Consume one of ``chars`` (after blanks) or fail naming ``what`` was expected."""
        char = self.peek()
        if not char or char not in chars:
            found = repr(char) if char else "the end of the file"
            raise BadRecord(self.line, f"not valid JSON (expected {what}, found {found})")
        self._pos += 1
        return char

    def value(self) -> Any:
        """The next JSON value (more of the file is read while it is incomplete)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._fill(grow=True):
                    continue
                line = self.line + self._buffer.count("\n", self._pos, exc.pos)
                raise BadRecord(line, f"not valid JSON ({exc.msg})") from None
            except RecursionError:
                raise BadRecord(self.line, _TOO_DEEP) from None
            if end < len(self._buffer) or not isinstance(value, int | float) or not self._fill():
                break  # a number at the very end of the buffer may continue in the next chunk
        self.line += self._buffer.count("\n", self._pos, end)
        self._pos = end
        return value

    def array(self) -> Iterator[tuple[int, Any]]:
        """``(line, element)`` for each element of the array that starts here."""
        self.expect("[", "'['")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            self.peek()
            yield self.line, self.value()
            if self.expect(",]", "',' or ']'") == "]":
                return

    def document(self) -> Iterator[tuple[int, Any]]:
        """The elements of the ``users`` array of the object that starts here."""
        self.expect("{", "'{'")
        found = False
        while self.peek() != "}":
            key = self.value()
            self.expect(":", "':'")
            if key == "users" and self.peek() == "[":
                found = True
                yield from self.array()
            else:
                self.value()
            if self.expect(",}", "',' or '}'") == "}":
                break
        if not found:
            raise BadRecord(1, 'no "users" array; the file must hold ' + _FORMATS)

    def end(self) -> None:
        """Nothing but blanks may follow."""
        if self.peek():
            raise BadRecord(self.line, "not valid JSON (extra data after the users)")


def _ndjson(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    for number, data in enumerate(stream, start=1):
        try:
            text = data.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise BadRecord(number, "not UTF-8 text") from None
        if text.strip():
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as exc:
                raise BadRecord(number, f"not valid JSON ({exc.msg})") from None
            except RecursionError:
                raise BadRecord(number, _TOO_DEEP) from None


@dataclass(frozen=True)
class UsersFile:
    """A ``--users`` file, checked to be readable; read by :meth:`load_into`."""

    path: Path
    database: str = demo.DATABASE  # --users-connection: where bulk-import and auth0| users go

    @classmethod
    def open(cls, path: Path, *, database: str = demo.DATABASE) -> UsersFile:
        """Check that ``path`` can be read (an error now, before the port is bound)."""
        try:
            with path.open("rb") as handle:
                handle.read(2)
        except OSError as exc:
            raise EmulatorError(
                f"cannot read the users file {path}: {exc.strerror}; pass an existing file"
            ) from exc
        return cls(path, database)

    @contextmanager
    def _bytes(self) -> Iterator[IO[bytes]]:
        """The file's bytes, decompressed if they are gzip data."""
        with self.path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            if not gzipped:
                yield raw
                return
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield cast("IO[bytes]", unzipped)

    def _records(self) -> Iterator[tuple[int, Any]]:
        with self._bytes() as stream:
            reader = _Reader(stream)
            first = reader.peek()
            if first == "[":
                yield from reader.array()
                reader.end()
                return
            if first != "{":
                raise BadRecord(reader.line, "not JSON; the file must hold " + _FORMATS)
        with self._bytes() as stream:
            head = next(
                (line for line in iter(lambda: stream.readline(_HEAD_LIMIT), b"") if line.strip()), b""
            )
        if _is_export_line(head):
            with self._bytes() as stream:
                yield from _ndjson(stream)
            return
        with self._bytes() as stream:
            reader = _Reader(stream)
            yield from reader.document()
            reader.end()

    def _error(self, line: int, problem: str) -> EmulatorError:
        return EmulatorError(
            f"the users file {self.path}, line {line}: {problem}; fix it or pass another --users file"
        )

    def load_into(self, directory: UserDirectory) -> int:
        """Replace the directory's users with the file's; return how many were loaded."""
        directory.replace([], {})
        normalize: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        emails: set[str] | None = None
        count = line = 0
        try:
            for line, record in self._records():
                _check_object(line, record)
                if normalize is None:
                    normalize, emails = self._normalizer(record)
                spec = normalize(record)
                if emails is not None:
                    _unique_email(emails, spec["email"])
                directory.add(spec)
                count += 1
        except BadRecord as exc:
            raise self._error(exc.line, exc.problem) from exc
        except RecursionError:
            raise self._error(line, _TOO_DEEP) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise self._error(line, str(exc) or type(exc).__name__) from exc
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise EmulatorError(
                f"the users file {self.path} is damaged gzip data ({exc}); "
                "download it again or pass another --users file"
            ) from exc
        except OSError as exc:
            raise EmulatorError(f"cannot read the users file {self.path}: {exc.strerror}") from exc
        return count

    def _normalizer(
        self, first: dict[str, Any]
    ) -> tuple[Callable[[dict[str, Any]], dict[str, Any]], set[str] | None]:
        """User records if the first has a full user_id, else bulk import (unique emails)."""
        user_id = first.get("user_id")
        if isinstance(user_id, str) and "|" in user_id:
            return lambda record: spec_from_user(record, database=self.database), None
        return self._import_spec, set()

    def _import_spec(self, record: dict[str, Any]) -> dict[str, Any]:
        """A bulk-import record's spec; its problems say which format the file was read as."""
        try:
            return spec_from_import(record, database=self.database)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"(read as Auth0's bulk-import JSON) {exc}") from exc


def _check_object(line: int, record: Any) -> None:
    if not isinstance(record, dict):
        raise BadRecord(line, f"expected a user object, got {json_type(record)}")


def _unique_email(seen: set[str], email: str) -> None:
    """A bulk import refuses a second user with the same email in the connection."""
    key = email.lower()
    if key in seen:
        raise ValueError(
            f"(read as Auth0's bulk-import JSON) duplicate email {email!r}: "
            "a database connection holds one user per email"
        )
    seen.add(key)


def _is_export_line(head: bytes) -> bool:
    """Whether the file's first line is a whole user object (an NDJSON export)."""
    try:
        first = json.loads(head)
    except (ValueError, RecursionError):
        return False
    return isinstance(first, dict) and "users" not in first
