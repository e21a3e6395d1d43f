"""Generated tenants in the emulator's users-file format (use-case tests, end-to-end tests, benchmarks)."""

from __future__ import annotations

import gzip
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


def export_record(i: int, provider: str) -> dict[str, Any]:
    """User ``i`` of a generated export, as a users-exports job writes it (JSON format).

    Fields: user_id, email, email_verified, name, created_at, identities and user_metadata
    (the metadata named at the root, as a json export gives it).
    """
    email = f"user{i:06d}@example.com"
    if provider == "auth0":
        raw, connection, social, created = f"db{i:020d}", "Username-Password-Authentication", False, "2020"
        metadata: dict[str, Any] = {"theme": "light", "n": i}
    else:
        raw, connection, social, created = f"{i:021d}", "google-oauth2", True, "2021"
        metadata = {"theme": "dark", "locale": "fr", "g": i}
    return {
        "user_id": f"{provider}|{raw}",
        "email": email,
        "email_verified": True,
        "name": email,
        "created_at": f"{created}-01-01T00:00:00.000Z",
        "identities": [{"connection": connection, "provider": provider, "user_id": raw, "isSocial": social}],
        "user_metadata": metadata,
    }


def write_users_export(path: Path, pairs: int, *, gzipped: bool = True) -> None:
    """A users export (NDJSON, gzipped like the ``location`` file) of ``pairs`` duplicate pairs.

    The same users as :func:`write_duplicate_pairs` (a database user and a Google user per
    verified email), written one line at a time: a million users never sit in memory.
    """
    opener = gzip.open if gzipped else open
    with opener(path, "wt", encoding="utf-8") as out:
        for i in range(pairs):
            for provider in ("auth0", "google-oauth2"):
                out.write(json.dumps(export_record(i, provider), separators=(",", ":")) + "\n")
