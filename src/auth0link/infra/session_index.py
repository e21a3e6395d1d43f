"""``<config dir>/sessions.json``: where each stored session lives (the keyring cannot list them).

``status`` and ``logout --all`` read it; ``login`` adds an entry, ``logout`` removes it. It holds
no secrets: the store key, profile, tenant, client ID and storage kind of each session.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

INDEX_FILE: Final = "sessions.json"


@dataclasses.dataclass(frozen=True)
class IndexEntry:
    """Where one stored session lives."""

    key: str
    profile: str
    domain: str
    client_id: str
    storage: str  # "keyring" or "file"


class SessionIndex:
    """``<config dir>/sessions.json``: the keys of stored sessions (the keyring can't list them)."""

    def __init__(self, config_dir: Path) -> None:
        """Point at the index file (created on first add)."""
        self.path = config_dir / INDEX_FILE

    def entries(self) -> list[IndexEntry]:
        """Every indexed session (a damaged index reads as empty)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        items = data.get("sessions") if isinstance(data, dict) else None
        names = {f.name for f in dataclasses.fields(IndexEntry)}
        return [
            IndexEntry(**{n: item[n] for n in names})
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
            and names <= item.keys()
            and all(isinstance(item[n], str) for n in names)
        ]

    def _write(self, entries: Sequence[IndexEntry]) -> None:
        from auth0link._files import atomic_write_text

        body = {"sessions": [dataclasses.asdict(e) for e in entries]}
        atomic_write_text(self.path, json.dumps(body, indent=1, sort_keys=True), mode=0o600)

    def add(self, entry: IndexEntry) -> None:
        """Add or replace the entry for ``entry.key``."""
        others = [e for e in self.entries() if e.key != entry.key]
        self._write([*others, entry])

    def remove(self, key: str) -> None:
        """Forget a key (no error when absent)."""
        entries = self.entries()
        kept = [e for e in entries if e.key != key]
        if len(kept) != len(entries):
            self._write(kept)
