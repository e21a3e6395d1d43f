"""``--insecure-storage``: sessions in a 0600 JSON file (a :class:`~auth0link.tokens.TokenStore`).

For machines with no usable keyring. It never imports :mod:`keyring` (only ``tokens`` does).
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from auth0link._files import atomic_write_text, file_lock
from auth0link.errors import Fix, TokenStorageError, cmd
from auth0link.tokens import TokenSet

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

#: the login that starts over with a file store
_LOGIN = cmd("login", "--insecure-storage")


class FileTokenStore:
    """``--insecure-storage``: sessions in one 0600 JSON file, written atomically.

    Save and delete read, change and rewrite the file while holding a ``flock`` on the sibling
    ``tokens.json.lock``, so processes saving different profiles at once cannot write back each
    other's stale sessions. Reads need no lock: every write is an atomic rename.
    """

    def __init__(self, path: Path) -> None:
        """Use ``path`` (created on first save)."""
        self.path = path
        self.lock_path = path.with_name(f"{path.name}.lock")
        self.description = f"file {path} (insecure: plain text, mode 0600)"

    def _read_all(self) -> dict[str, str]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise TokenStorageError(
                f"Cannot read the token file {self.path}: {exc.strerror}.",
                hint=Fix(
                    f"make it readable by you (chmod 600 {self.path}), or delete it and log in again: ",
                    _LOGIN,
                ),
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:  # not UTF-8, or not JSON
            raise TokenStorageError(
                f"The token file {self.path} is corrupt (not JSON).",
                hint=Fix(f"delete it (rm {self.path}), then log in again: ", _LOGIN),
            ) from None
        return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, str]]:
        """Hold the file's lock; yield its sessions and write them back (or unlink an empty file)."""
        try:
            with file_lock(self.lock_path):
                data = self._read_all()
                before = dict(data)
                yield data
                if data and data != before:
                    atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True), mode=0o600)
                elif not data:
                    self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise TokenStorageError(
                f"Cannot write the token file {self.path}: {exc.strerror}.",
                hint="check the config directory's permissions",
            ) from None

    def load(self, key: str) -> TokenSet | None:
        """The stored session, or None (also for a damaged record)."""
        raw = self._read_all().get(key)
        try:
            return TokenSet.from_json(raw) if raw else None
        except ValueError:
            return None

    def save(self, key: str, tokens: TokenSet) -> None:
        """Replace one session; other profiles' sessions are kept (read and written under the lock)."""
        with self._locked() as data:
            data[key] = tokens.to_json()

    def delete(self, key: str) -> bool:
        """Remove a session; removes the file when it becomes empty."""
        with self._locked() as data:
            return data.pop(key, None) is not None

    def keys(self) -> list[str]:
        """All keys in the file."""
        return sorted(self._read_all())
