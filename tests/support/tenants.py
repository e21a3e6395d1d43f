"""Generated tenants in the emulator's users-file format (use-case tests, end-to-end tests, benchmarks)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def primary_id(i: int) -> str:
    """The database (primary) user of pair ``i``."""
    return f"auth0|db{i:020d}"


def secondary_id(i: int) -> str:
    """The Google (secondary) user of pair ``i``."""
    return f"google-oauth2|{i:021d}"


def pair_email(i: int) -> str:
    """The verified email both users of pair ``i`` share."""
    return f"user{i:06d}@example.com"


def duplicate_pairs(pairs: int) -> list[dict[str, Any]]:
    """Users: per pair an older database user and a newer Google user, same verified email.

    Each user's metadata carries its pair number (``n`` / ``g``), so a final state can be checked
    user by user, and the two disagree on ``theme``, so every merge has a conflict to resolve.
    """
    users: list[dict[str, Any]] = []
    for i in range(pairs):
        users.append(
            {
                "user_id": primary_id(i),
                "email": pair_email(i),
                "email_verified": True,
                "created_at": "2020-01-01T00:00:00.000Z",
                "user_metadata": {"theme": "light", "n": i},
            }
        )
        users.append(
            {
                "user_id": secondary_id(i),
                "email": pair_email(i),
                "email_verified": True,
                "created_at": "2021-01-01T00:00:00.000Z",
                "user_metadata": {"theme": "dark", "locale": "fr", "g": i},
            }
        )
    return users


def write_duplicate_pairs(path: Path, pairs: int) -> None:
    """A --users file holding :func:`duplicate_pairs`."""
    path.write_text(json.dumps(duplicate_pairs(pairs)), encoding="utf-8")
