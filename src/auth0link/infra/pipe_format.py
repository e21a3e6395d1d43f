"""The suggest/batch-link pipe format, its one owner: what ``suggest`` writes and ``batch-link`` reads.

Written: :data:`COLUMNS`, one :class:`Suggestion` a line (TSV, or JSON lines with those keys).
Read: pairs streamed one a line, TSV or JSON lines.

TSV is ``primary_id<TAB>secondary_id[<TAB>email<TAB>reason]`` (what ``auth0link suggest`` prints
when piped; a ``primary_id…`` header line and ``#`` comments are ignored); JSON lines are
``{"primary_id": …, "secondary_id": …[, "email": …]}``. A line that is not a pair is an
:class:`InvalidLine` with its number (reported and skipped, or refused under ``--strict``).
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, Final

from auth0link.infra.journal import pair_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

#: the TSV columns (and JSON keys) ``suggest`` writes, in order
COLUMNS: Final = ("primary_id", "secondary_id", "email", "reason")
#: a TSV line that starts so is the header
HEADER_PREFIX: Final = COLUMNS[0]
MAX_ID_LENGTH: Final = 512


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """One suggested pair: one line of the format."""

    primary_id: str
    secondary_id: str
    email: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys (also what ``batch-link`` reads)."""
        return dataclasses.asdict(self)

    def row(self) -> tuple[str, str, str, str]:
        """The TSV/table row, in :data:`COLUMNS` order."""
        return (self.primary_id, self.secondary_id, self.email, self.reason)


@dataclasses.dataclass(frozen=True)
class Pair:
    """One input line: link ``secondary_id`` into ``primary_id``."""

    primary_id: str
    secondary_id: str
    line: int
    email: str | None = None

    @property
    def key(self) -> str:
        """The pair's journal key."""
        return pair_key(self.primary_id, self.secondary_id)


@dataclasses.dataclass(frozen=True)
class InvalidLine:
    """An input line that is not a pair (reported with its number, then skipped)."""

    line: int
    reason: str


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and "|" in value and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


def parse_line(text: str, number: int) -> Pair | InvalidLine | None:  # noqa: PLR0911 - one return per case
    """Parse one input line; None for blank lines, comments and the TSV header."""
    stripped = text.strip()
    if not stripped or stripped.startswith(("#", HEADER_PREFIX)):
        return None
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return InvalidLine(number, "not valid JSON")
        if not isinstance(data, dict):
            return InvalidLine(number, "a JSON line must be an object")
        primary = data.get("primary_id", data.get("primary"))
        secondary = data.get("secondary_id", data.get("secondary"))
        email = data.get("email") if isinstance(data.get("email"), str) else None
    else:
        fields = text.rstrip("\r\n").split("\t")
        if len(fields) < 2:  # noqa: PLR2004 - primary and secondary
            return InvalidLine(number, "expected primary_id<TAB>secondary_id")
        primary, secondary = fields[0].strip(), fields[1].strip()
        email = fields[2].strip() or None if len(fields) > 2 else None  # noqa: PLR2004
    if not _valid_id(primary) or not _valid_id(secondary):
        return InvalidLine(number, "user IDs must look like provider|id")
    assert isinstance(primary, str)
    assert isinstance(secondary, str)
    if primary == secondary:
        return InvalidLine(number, "primary and secondary are the same user")
    return Pair(primary, secondary, number, email)


def read_pairs(lines: Iterable[str | bytes]) -> Iterator[Pair | InvalidLine]:
    """Stream pairs (and invalid lines) from any line iterable, 1-based line numbers.

    Byte lines (a file or stdin read in binary) are decoded here: one that is not UTF-8 is an
    invalid line, reported and skipped like any other.
    """
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            yield InvalidLine(number, "not UTF-8 text")
            continue
        parsed = parse_line(text, number)
        if parsed is not None:
            yield parsed


def is_pair_line(line: bytes) -> bool:
    """A line that may hold a pair: not blank, not a ``#`` comment, not the header."""
    return bool(line.strip()) and not line.startswith((b"#", HEADER_PREFIX.encode()))


def count_pairs(path: Path) -> int | None:
    """Pairs in a file, for the ETA (one streaming pass; header, comments and blanks not counted)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if is_pair_line(line))
    except OSError:
        return None
