"""The Management API v2 (``/api/v2``): users, identities, search, users-export jobs.

Paths are built in one place, :func:`api_path`, where every ID is percent-encoded as a single
segment and an empty, ``.`` or ``..`` segment is refused before any request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from auth0link._jwt import unverified_claims
from auth0link.client._errors import api_error, decode_json
from auth0link.client._http import HTTP_UNAUTHORIZED, HttpCore
from auth0link.errors import Fix, LoginRequired, ServerError, UsageError, cmd
from auth0link.models import ExportJob, Identity, User

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from httpx import Response

_DOT_SEGMENTS: Final = frozenset({"", ".", ".."})


def encode_segment(value: str) -> str:
    """Percent-encode one path segment: ``auth0|a/b`` → ``auth0%7Ca%2Fb``.

    An empty, ``.`` or ``..`` segment is refused before any request: HTTP clients collapse dot
    segments (RFC 3986 §5.2.4), so ``DELETE /users/{id}/identities/../.`` would become
    ``DELETE /users/{id}`` (deleting the user). No Auth0 user ID or provider is one of them.
    """
    if value in _DOT_SEGMENTS:
        raise UsageError(
            f"{value!r} is not a valid user ID, provider or identity ID. Nothing was sent.",
            hint=Fix("copy the IDs from: ", cmd("identities")),
        )
    return quote(value, safe="")


def api_path(*segments: str) -> str:
    """``/users/{id}/identities/…``: the one place Management API paths are built.

    ``api_path("users", user_id)`` → ``/users/auth0%7Cabc``: every segment after the first is
    percent-encoded with :func:`encode_segment` (so dot and empty segments are refused); the first
    names the collection and is fixed text.
    """
    first, *rest = segments
    return "/" + "/".join([first, *(encode_segment(s) for s in rest)])


class ManagementAPI(HttpCore):
    """One typed method per Management API endpoint auth0link uses."""

    def _mgmt(self, method: str, path: str, **kwargs: Any) -> Any:
        """One Management API call; a 401 renews the token once and re-sends (writes too).

        A 401 means the tenant refused the token before looking at the request, so nothing was
        applied: re-sending it once with a renewed token cannot apply it twice, whatever the
        method (a lost answer or a 5xx is another matter: see the package docstring).
        """
        token = self.access_token
        if not token:
            raise LoginRequired
        response = self._send(method, path, token, **kwargs)
        if response.status_code == HTTP_UNAUTHORIZED and self.renew_token is not None:
            token = self.access_token = self.renew_token(token)
            response = self._send(method, path, token, **kwargs)
        if response.is_success:
            return decode_json(response) if response.content else None
        raise api_error(response, token_claims=unverified_claims(token))

    def _send(self, method: str, path: str, token: str, **kwargs: Any) -> Response:
        return self.request(method, f"/api/v2{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def get_user(self, user_id: str) -> User:
        """``GET /api/v2/users/{id}``."""
        data = self._mgmt("GET", api_path("users", user_id))
        if not isinstance(data, dict):
            raise ServerError("The tenant sent an unexpected user body.", status_code=200)
        return User.from_api(data)

    def patch_user_metadata(self, user_id: str, user_metadata: Mapping[str, Any]) -> User:
        """``PATCH /api/v2/users/{id}`` with ``user_metadata`` (merged at the top level by Auth0)."""
        data = self._mgmt(
            "PATCH",
            api_path("users", user_id),
            json={"user_metadata": dict(user_metadata)},
        )
        return User.from_api(data if isinstance(data, dict) else {})

    def patch_user(self, user_id: str, body: Mapping[str, Any]) -> User:
        """``PATCH /api/v2/users/{id}`` with any body (admin: ``update:users``)."""
        data = self._mgmt("PATCH", api_path("users", user_id), json=dict(body))
        return User.from_api(data if isinstance(data, dict) else {})

    def link_identity(
        self,
        primary_user_id: str,
        *,
        link_with: str | None = None,
        provider: str | None = None,
        user_id: str | None = None,
        connection_id: str | None = None,
    ) -> list[Identity]:
        """``POST /api/v2/users/{primary}/identities``: ``link_with`` (ID token) or provider/user_id."""
        body: dict[str, str]
        if link_with is not None:
            if provider or user_id or connection_id:
                raise ValueError("pass either link_with or provider/user_id, not both")
            body = {"link_with": link_with}
        elif provider and user_id:
            body = {"provider": provider, "user_id": user_id}
            if connection_id:
                body["connection_id"] = connection_id
        else:
            raise ValueError("link_identity needs link_with or provider and user_id")
        data = self._mgmt("POST", api_path("users", primary_user_id) + "/identities", json=body)
        return [Identity.from_api(i) for i in data or [] if isinstance(i, dict)]

    def unlink_identity(self, primary_user_id: str, provider: str, user_id: str) -> list[Identity]:
        """``DELETE /api/v2/users/{primary}/identities/{provider}/{user_id}``."""
        path = api_path("users", primary_user_id) + api_path("identities", provider, user_id)
        data = self._mgmt("DELETE", path)
        return [Identity.from_api(i) for i in data or [] if isinstance(i, dict)]

    def users_by_email(self, email: str) -> list[User]:
        """``GET /api/v2/users-by-email?email=…``."""
        data = self._mgmt("GET", "/users-by-email", params={"email": email})
        return [User.from_api(u) for u in data or [] if isinstance(u, dict)]

    def search_users(
        self, query: str, *, page: int = 0, per_page: int = 50, include_totals: bool = True
    ) -> tuple[list[User], int | None]:
        """``GET /api/v2/users?q=…&search_engine=v3`` → (users, total when included)."""
        params = {
            "q": query,
            "search_engine": "v3",
            "page": str(page),
            "per_page": str(per_page),
            "include_totals": "true" if include_totals else "false",
        }
        data = self._mgmt("GET", "/users", params=params)
        if isinstance(data, dict):
            users = data.get("users") or []
            total = data.get("total")
            return [User.from_api(u) for u in users if isinstance(u, dict)], (
                int(total) if isinstance(total, int) else None
            )
        return [User.from_api(u) for u in data or [] if isinstance(u, dict)], None

    def create_users_export(self, fields: Sequence[str], *, fmt: str = "json") -> ExportJob:
        """``POST /api/v2/jobs/users-exports``: export ``fields`` of every user (``read:users``)."""
        body = {"format": fmt, "fields": [{"name": name} for name in fields]}
        return self._job(self._mgmt("POST", "/jobs/users-exports", json=body))

    def get_job(self, job_id: str) -> ExportJob:
        """``GET /api/v2/jobs/{id}``: the job's status (and ``location`` once completed)."""
        return self._job(self._mgmt("GET", api_path("jobs", job_id)))

    @staticmethod
    def _job(data: Any) -> ExportJob:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ServerError("The tenant sent an unexpected job body.", status_code=200)
        return ExportJob.from_api(data)
