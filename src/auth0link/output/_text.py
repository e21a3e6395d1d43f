"""Text made safe for a terminal: one line, no control characters.

Tenant data never reaches a terminal with its control characters: every renderer passes it here.
"""

from __future__ import annotations

import json
import re
from typing import Final

_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: object) -> str:
    """A value as one safe line: None → '', control characters → a space."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _CONTROL_RE.sub(" ", str(value))


def short(value: object, limit: int = 60) -> str:
    """A JSON value on one line, cut to ``limit`` characters."""
    text = clean(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= limit else text[: limit - 1] + "…"
