"""A tiny in-memory Management API for unit tests of the link/unlink use-cases.

Served through ``httpx.MockTransport(tenant.handler)`` (httpx's own test pattern). It keeps
users, enforces that a user token acts only on its own user (as Auth0 does), applies
``PATCH user_metadata`` top-level merges, links with ``link_with`` (moving the secondary into
the primary's identities and deleting it as a user) and unlinks. ``fail`` injects a failure on
the next matching request: an HTTP status, or ``"lost"`` (apply, then drop the response) /
``"drop"`` (drop without applying) / ``"garbled"`` (apply, then answer with a truncated body) /
``"late:N"`` (drop the response, and apply the request only after N more requests, as a server
still working on a request the client gave up on). :func:`second_login_as` stands in for the
browser login.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from auth0link.models import TokenResponse
from auth0link.usecases.link import LoginRequest, SecondLogin

if TYPE_CHECKING:
    from collections.abc import Callable

BASE = "https://tenant.example.com"
PRIMARY = "auth0|p1"
GOOGLE = "google-oauth2|g1"
NOW = 1_800_000_000.0


def make_jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT-shaped token carrying ``claims`` (the fake reads, never verifies, it)."""

    def seg(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'RS256', 'typ': 'JWT'})}.{seg(claims)}.c2ln"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data


def user(
    user_id: str, *, email: str | None = "alice@example.com", verified: bool = True, **meta: Any
) -> dict[str, Any]:
    """An Auth0-shaped user body with a single (primary) identity."""
    provider, _, uid = user_id.partition("|")
    return {
        "user_id": user_id,
        "email": email,
        "email_verified": verified,
        "name": f"name of {user_id}",
        "identities": [
            {
                "provider": provider,
                "user_id": uid,
                "connection": provider,
                "isSocial": provider != "auth0",
                "access_token": "idp-secret",
            }
        ],
        "user_metadata": dict(meta),
        "app_metadata": {},
    }


class FakeTenant:
    """Users keyed by ID; access tokens map to the user they belong to."""

    def __init__(self, *users: dict[str, Any]) -> None:
        """Start with these users; tokens are ``tok:<user_id>``."""
        self.users: dict[str, dict[str, Any]] = {u["user_id"]: copy.deepcopy(u) for u in users}
        self.requests: list[tuple[str, str, Any]] = []
        self.fail: dict[tuple[str, str], int | str] = {}
        self._late: list[tuple[int, Callable[[], Any]]] = []

    @staticmethod
    def token_for(user_id: str) -> str:
        """The access token the fake accepts for ``user_id``."""
        return f"tok:{user_id}"

    def _json(self, status: int, body: Any) -> httpx.Response:
        return httpx.Response(status, json=body)

    def _error(self, status: int, message: str, code: str = "invalid_body") -> httpx.Response:
        return self._json(
            status, {"statusCode": status, "error": "Error", "message": message, "errorCode": code}
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Route one request (the MockTransport entry point)."""
        path = request.url.raw_path.decode().split("?")[0]
        body = json.loads(request.content) if request.content else None
        method = request.method
        self.requests.append((method, unquote(path), body))
        parts = [unquote(p) for p in path.removeprefix("/api/v2/").split("/")]
        kind = "identities" if len(parts) > 2 else "user"
        self._apply_late()
        injected = self.fail.pop((method, kind), None)
        if isinstance(injected, int):
            return self._error(injected, f"injected {injected}")
        if injected == "drop":
            raise httpx.ReadTimeout("dropped", request=request)
        if isinstance(injected, str) and injected.startswith("late:"):
            countdown = int(injected.partition(":")[2])
            self._late.append((countdown, lambda: self._route(request, method, parts, body)))
            raise httpx.ReadTimeout("still being processed", request=request)
        response = self._route(request, method, parts, body)
        if injected == "lost":
            raise httpx.ReadTimeout("response lost", request=request)
        if injected == "garbled":
            return httpx.Response(response.status_code, content=b'{"truncat')
        return response

    def _apply_late(self) -> None:
        """Count down the requests still "being processed"; apply those whose time has come."""
        waiting = [(n - 1, apply) for n, apply in self._late]
        self._late = [(n, apply) for n, apply in waiting if n > 0]
        for n, apply in waiting:
            if n <= 0:
                apply()

    def _route(  # noqa: C901, PLR0911 - one branch per endpoint, like the real router
        self, request: httpx.Request, method: str, parts: list[str], body: Any
    ) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        caller = token.removeprefix("tok:")
        target = parts[1]
        if caller != target:
            return self._error(403, "You may only act on your own user.", "insufficient_scope")
        if target not in self.users:
            return self._error(404, "The user does not exist.", "inexistent_user")
        me = self.users[target]
        if method == "GET" and len(parts) == 2:
            return self._json(200, me)
        if method == "PATCH":
            for key, value in body["user_metadata"].items():
                if value is None:
                    me["user_metadata"].pop(key, None)
                else:
                    me["user_metadata"][key] = value
            return self._json(200, me)
        if method == "POST":
            secondary_id = _claims(body["link_with"])["sub"]
            if secondary_id not in self.users:
                return self._error(400, "The secondary user does not exist.")
            secondary = self.users.pop(secondary_id)
            identity = dict(secondary["identities"][0])
            identity["profileData"] = {"email": secondary.get("email"), "name": secondary.get("name")}
            me["identities"].append(identity)
            return self._json(201, me["identities"])
        if method == "DELETE":
            provider, uid = parts[3], parts[4]
            keep = [i for i in me["identities"] if (i["provider"], i["user_id"]) != (provider, uid)]
            if len(keep) == len(me["identities"]):
                return self._error(400, "identity not linked")
            me["identities"] = keep
            self.users[f"{provider}|{uid}"] = user(f"{provider}|{uid}")
            return self._json(200, keep)
        return self._error(405, "unsupported")

    def writes(self) -> list[tuple[str, str, Any]]:
        """Every non-GET request seen, in order."""
        return [r for r in self.requests if r[0] != "GET"]

    def client(self, token: str | None = None) -> Any:
        """An ``Auth0Client`` on this fake (no sleeping between retries)."""
        from auth0link.client import Auth0Client

        return Auth0Client(
            BASE, access_token=token, transport=httpx.MockTransport(self.handler), sleep=lambda _s: None
        )


def second_login_as(
    sub: str = GOOGLE,
    *,
    seen: list[LoginRequest] | None = None,
    with_tokens: bool = True,
    **claims: Any,
) -> Callable[[LoginRequest], SecondLogin]:
    """A stand-in for the browser login that returns ``sub`` freshly authenticated."""
    full = {"sub": sub, "email": "alice@example.com", "email_verified": True, "auth_time": NOW, **claims}
    id_token = make_jwt({**full, "exp": NOW + 3600})

    def login(request: LoginRequest) -> SecondLogin:
        if seen is not None:
            seen.append(request)
        tokens = (
            TokenResponse(
                access_token=FakeTenant.token_for(sub),
                token_type="Bearer",
                expires_in=3600,
                scope="openid read:current_user",
                id_token=id_token,
                refresh_token="rt-new",
            )
            if with_tokens
            else None
        )
        return SecondLogin(
            id_token=id_token, claims=full, tokens=tokens, started_at=NOW if with_tokens else None
        )

    return login
