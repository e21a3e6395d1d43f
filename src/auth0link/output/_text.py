"""Text made safe for a terminal: one line, no control characters, inert JSON.

Tenant data never reaches a terminal with its control characters: every renderer passes it here,
and every write to a stream passes :func:`safe_text`.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

#: C0 and C1 controls (ESC, and U+009B, a one-character CSI), DEL, and the invisible marks that
#: reorder text on screen (bidi embeddings, overrides and isolates, LRM/RLM, the Arabic letter mark).
_BIDI: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL_RE: Final = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
#: The same, but newlines and tabs: what may never reach a stream, whatever wrote the text.
_UNSAFE_RE: Final = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
#: What JSON must escape beyond what ``json.dumps`` does (it escapes C0 only).
_JSON_UNSAFE_RE: Final = re.compile(f"[\x7f-\x9f{_BIDI}]")


def clean(value: object) -> str:
    """A value as one safe line: None → '', control characters → a space."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _CONTROL_RE.sub(" ", str(value))


def safe_text(text: str) -> str:
    """Text as it may be written: every control and bidi mark but newline and tab → a space.

    Every write to a stream goes through this (the one place), so a value that skipped
    :func:`clean` still cannot move the cursor, retitle the terminal or reverse a line.
    """
    return _UNSAFE_RE.sub(" ", text)


def dumps(value: Any, *, indent: int | None = None) -> str:
    r"""JSON with every control and bidi mark escaped (``\u009b``): exact for parsers, inert on a terminal.

    ``json.dumps`` escapes C0 controls but writes DEL, C1 controls and bidi marks raw; other
    non-ASCII text stays readable.
    """
    text = json.dumps(value, indent=indent, ensure_ascii=False, default=str)
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: What a spreadsheet reads as the start of a formula (OWASP's CSV-injection list).
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_line(row: Sequence[object]) -> str:
    """One CSV line safe to open in a spreadsheet: a cell that would start a formula gets a ``'``.

    Like Auth0's own CSV exports. The ``'`` changes the data (``-1`` becomes ``'-1``), which is
    why TSV, for pipelines, stays exact and this is only ``--csv``.
    """
    import csv
    import io

    cells = [clean(v) for v in row]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(
        "'" + cell if cell.lstrip(" ").startswith(_FORMULA_STARTS) else cell for cell in cells
    )
    return buffer.getvalue()


def short(value: object, limit: int = 60) -> str:
    """A JSON value on one line, cut to ``limit`` characters."""
    text = clean(dumps(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tsv_line(row: Sequence[object]) -> str:
    return "\t".join(clean(v).replace("\t", " ") for v in row)
