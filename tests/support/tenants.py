"""Generated tenants for the emulator's ``--users`` option (end-to-end tests and benchmarks)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def write_duplicate_pairs(path: Path, pairs: int) -> None:
    """A --users file: per pair an older database user and a newer Google user, same verified email.

    Each user's metadata carries its pair number (``n`` / ``g``), so a final state can be checked
    user by user, and the two disagree on ``theme``, so every merge has a conflict to resolve.
    """
    users: list[dict[str, Any]] = []
    for i in range(pairs):
        email = f"user{i:06d}@example.com"
        users.append(
            {
                "user_id": f"auth0|db{i:020d}",
                "email": email,
                "email_verified": True,
                "created_at": "2020-01-01T00:00:00.000Z",
                "user_metadata": {"theme": "light", "n": i},
            }
        )
        users.append(
            {
                "user_id": f"google-oauth2|{i:021d}",
                "email": email,
                "email_verified": True,
                "created_at": "2021-01-01T00:00:00.000Z",
                "user_metadata": {"theme": "dark", "locale": "fr", "g": i},
            }
        )
    path.write_text(json.dumps(users), encoding="utf-8")
