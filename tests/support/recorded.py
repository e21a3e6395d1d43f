"""Answers shaped as a real tenant sends them, for the client's and the CLI's respx tests.

Shapes (keys, order, status codes, content type) come from go-vcr recordings of a real tenant in
github.com/auth0/go-auth0, ``test/data/recordings/``: ``TestUserManager_Link.yaml`` (a new user
has no ``logins_count``; the link answer shows ``profileData`` on every identity, the primary's
too, without ``name`` for a database user), ``TestUserManager_Unlink.yaml`` (the unlink answer
is the remaining identities in that shape), ``TestUserManager_Search.yaml`` (the search
envelope ``{start, limit, length, users, total}``) and ``TestJobManager_ExportUsers.yaml`` (200
from creating an export job).
"""

from __future__ import annotations

from typing import Any

JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
DATABASE = "Username-Password-Authentication"
_PROFILE_KEYS = ("email", "given_name", "family_name", "username", "nickname", "picture", "email_verified")


def database_user(raw_id: str, number: int, **extra: Any) -> dict[str, Any]:
    """``POST``/``GET /users`` body of a database user who never logged in (no logins_count)."""
    email = f"chuck{number}@example.com"
    return {
        "blocked": False,
        "created_at": "2023-01-25T19:00:58.788Z",
        "email": email,
        "email_verified": True,
        "family_name": "Sanchez",
        "given_name": "Chuck",
        "identities": [{"connection": DATABASE, "user_id": raw_id, "provider": "auth0", "isSocial": False}],
        "name": email,
        "nickname": "Chucky",
        "picture": "https://example-picture-url.jpg",
        "updated_at": "2023-01-25T19:00:58.788Z",
        "user_id": f"auth0|{raw_id}",
        "user_metadata": {"favourite_attack": "roundhouse_kick"},
        "username": f"test-user{number}",
        **extra,
    }


def identity_with_profile(user: dict[str, Any]) -> dict[str, Any]:
    """The user's own identity as a link or unlink answer shows it: profileData first."""
    return {"profileData": {key: user[key] for key in _PROFILE_KEYS if key in user}, **user["identities"][0]}


def link_answer(primary: dict[str, Any], *secondaries: dict[str, Any]) -> list[dict[str, Any]]:
    """The 201 body of ``POST /users/{primary}/identities``: every identity with its profileData."""
    return [identity_with_profile(user) for user in (primary, *secondaries)]


def search_page(
    users: list[dict[str, Any]], *, start: int = 0, limit: int = 50, total: int | None = None
) -> Any:
    """``GET /users?include_totals=true&search_engine=v3``: the envelope in a real tenant's order."""
    count = len(users) if total is None else total
    return {"start": start, "limit": limit, "length": len(users), "users": users, "total": count}


def export_job(job_id: str = "job_iSjvljNtsTMmSpRW", **extra: Any) -> dict[str, Any]:
    """The 200 body of ``POST /jobs/users-exports`` (pending)."""
    return {
        "type": "users_export",
        "status": "pending",
        "format": "json",
        "fields": [{"name": "user_id"}, {"name": "email"}],
        "created_at": "2023-01-25T17:48:15.325Z",
        "id": job_id,
        **extra,
    }
