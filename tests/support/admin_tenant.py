"""An in-memory tenant for admin-mode unit tests (batch-link, suggest, restore), behind the client seam.

Served through ``httpx.MockTransport(tenant.handler)``. It implements what admin mode uses —
``GET/PATCH /users/{id}``, ``POST /users/{id}/identities`` (provider/user_id form),
``DELETE …/identities/{p}/{id}``, ``GET /users`` (search, paged) and ``/users-by-email`` — with
Auth0's linking semantics (the secondary disappears with its metadata). ``crash_at`` simulates a
``kill -9``: request number N raises :class:`Crash` either before or after it is applied.
``links`` counts successful links per secondary (a pair linked twice would show 2).
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import unquote

import httpx

BASE = "https://admin.example.com"


class Crash(BaseException):
    """The process "died" at this request."""


def user(
    user_id: str,
    *,
    email: str | None = "a@example.com",
    verified: bool = True,
    created_at: str = "2020-01-01T00:00:00.000Z",
    **meta: Any,
) -> dict[str, Any]:
    """An Auth0-shaped user with one identity and ``meta`` as user_metadata."""
    provider, _, uid = user_id.partition("|")
    return {
        "user_id": user_id,
        "email": email,
        "email_verified": verified,
        "created_at": created_at,
        "identities": [
            {"provider": provider, "user_id": uid, "connection": provider, "isSocial": provider != "auth0"}
        ],
        "user_metadata": dict(meta),
        "app_metadata": {},
    }


class AdminTenant:
    """Users by ID, plus request counters and crash injection."""

    def __init__(self, *users: dict[str, Any]) -> None:
        """Start with ``users`` (deep-copied)."""
        self.users: dict[str, dict[str, Any]] = {u["user_id"]: copy.deepcopy(u) for u in users}
        self.links: dict[str, int] = {}
        self.requests = 0
        self.crash_at: int | None = None
        self.crash_after_apply = False
        self.rate_limit: tuple[int, int] | None = None  # (limit, remaining) headers to send

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """A deep copy of the users (to compare final states)."""
        return copy.deepcopy(self.users)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport entry point."""
        self.requests += 1
        crash = self.crash_at is not None and self.requests == self.crash_at
        if crash and not self.crash_after_apply:
            raise Crash
        response = self._route(request)
        if crash:
            raise Crash
        if self.rate_limit is not None:
            limit, remaining = self.rate_limit
            response.headers["x-ratelimit-limit"] = str(limit)
            response.headers["x-ratelimit-remaining"] = str(remaining)
            response.headers["x-ratelimit-reset"] = "0"
        return response

    @staticmethod
    def _json(status: int, body: Any) -> httpx.Response:
        return httpx.Response(status, json=body)

    def _error(self, status: int, message: str) -> httpx.Response:
        return self._json(status, {"statusCode": status, "error": "x", "message": message, "errorCode": "x"})

    def _route(self, request: httpx.Request) -> httpx.Response:  # noqa: C901, PLR0911 - a router
        parts = [unquote(p) for p in request.url.raw_path.decode().split("?")[0].split("/")[3:]]
        method = request.method
        if method == "GET" and parts == ["users"]:
            return self._search(request)
        if method == "GET" and parts == ["users-by-email"]:
            email = request.url.params.get("email", "")
            return self._json(200, [u for u in self.users.values() if u.get("email") == email])
        if len(parts) < 2 or parts[0] != "users":
            return self._error(404, "no route")
        target = self.users.get(parts[1])
        if target is None:
            return self._error(404, "The user does not exist.")
        if method == "GET" and len(parts) == 2:
            return self._json(200, target)
        if method == "PATCH" and len(parts) == 2:
            body = json.loads(request.content)
            for key in ("user_metadata", "app_metadata"):
                if key in body:
                    merged = {**target.get(key, {}), **body[key]}
                    target[key] = {k: v for k, v in merged.items() if v is not None}
            return self._json(200, target)
        if method == "POST" and parts[2:] == ["identities"]:
            return self._link(target, json.loads(request.content))
        if method == "DELETE" and len(parts) == 5:
            return self._unlink(target, parts[3], parts[4])
        return self._error(404, "no route")

    def _search(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "0"))
        per_page = int(request.url.params.get("per_page", "50"))
        query = request.url.params.get("q", "")
        users = [u for u in self.users.values() if "email_verified:true" not in query or u["email_verified"]]
        window = users[page * per_page : (page + 1) * per_page]
        return self._json(200, {"users": window, "total": len(users), "start": page * per_page})

    def _link(self, primary: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        secondary_id = f"{body['provider']}|{body['user_id']}"
        if any(f"{i['provider']}|{i['user_id']}" == secondary_id for i in primary["identities"]):
            return self._error(409, "The identity is already linked to this user.")
        secondary = self.users.pop(secondary_id, None)
        if secondary is None:
            return self._error(404, "The user does not exist.")
        moved = copy.deepcopy(secondary["identities"])
        moved[0]["profileData"] = {"email": secondary.get("email")}
        primary["identities"].extend(moved)
        self.links[secondary_id] = self.links.get(secondary_id, 0) + 1
        return self._json(201, primary["identities"])

    def _unlink(self, primary: dict[str, Any], provider: str, uid: str) -> httpx.Response:
        for index, identity in enumerate(primary["identities"][1:], start=1):
            if identity["provider"] == provider and identity["user_id"] == uid:
                del primary["identities"][index]
                restored = user(f"{provider}|{uid}", email=identity.get("profileData", {}).get("email"))
                self.users[restored["user_id"]] = restored
                return self._json(200, primary["identities"])
        return self._error(404, "not linked")

    def client(self) -> Any:
        """An ``Auth0Client`` on this tenant with an admin token, no 429 retries, no sleeping."""
        from auth0link.client import Auth0Client

        client = Auth0Client(
            BASE,
            access_token="admin-token",
            transport=httpx.MockTransport(self.handler),
            sleep=lambda _s: None,
        )
        client.max_rate_limit_retries = 0
        return client
