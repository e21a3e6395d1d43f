"""User search for the Management API: ``q`` (a small Lucene subset) and field selection.

``GET /api/v2/users?q=…`` matches ``field:value`` / ``field:"value"`` terms joined by ``AND`` or
spaces, on the fields in :data:`SEARCH_FIELDS`; a trailing ``*`` is a prefix match.
``fields=a,b&include_fields=true|false`` selects the keys of each user body.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from auth0link.emulator.model import ManagementError

if TYPE_CHECKING:
    from auth0link.emulator.model import User

_QUERY_TERM = re.compile(r'([\w.]+):(?:"((?:[^"\\]|\\.)*)"|(\S+))')
SEARCH_FIELDS = {
    "email",
    "user_id",
    "name",
    "nickname",
    "email_verified",
    "identities.connection",
    "identities.provider",
    "identities.user_id",
}


def bad_query(message: str) -> ManagementError:
    """A 400 ``invalid_query_string`` with Auth0's wording."""
    return ManagementError(400, f"Query validation error: '{message}'.", "invalid_query_string")


def project(user: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
    """Apply ``fields=a,b`` and ``include_fields=true|false`` (Auth0's field selection)."""
    raw = query.get("fields", [""])[0]
    if not raw:
        return user
    fields = {f.strip() for f in raw.split(",") if f.strip()}
    include = query.get("include_fields", ["true"])[0].lower() != "false"
    return {k: v for k, v in user.items() if (k in fields) == include}


def matches(user: User, q: str) -> bool:
    """A small Lucene subset: ``field:value`` / ``field:"value"`` terms joined by AND/spaces."""
    q = q.strip()
    if not q or q == "*":
        return True
    rest = _QUERY_TERM.sub("", q).replace("AND", "").strip()
    if rest:
        raise bad_query(f"Unsupported query syntax in q: {q}")
    body = user.to_json()
    for field, quoted, bare in _QUERY_TERM.findall(q):
        if field not in SEARCH_FIELDS:
            raise bad_query(f"Unsupported field in q: {field}")
        value = quoted.replace('\\"', '"') if quoted else bare
        if field.startswith("identities."):
            key = field.split(".", 1)[1]
            found = [str(i.get(key)) for i in body["identities"]]
        else:
            found = [str(body.get(field)).lower() if field == "email_verified" else str(body.get(field))]
        if not any(_glob(value, item) for item in found):
            return False
    return True


def _glob(pattern: str, value: str) -> bool:
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern
