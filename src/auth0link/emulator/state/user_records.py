"""One record of a ``--users`` file → the user spec :meth:`.directory.UserDirectory.add` takes.

Two shapes of record (:mod:`.user_files` decides which a file holds):

- **User records**, with a full ``user_id`` (``provider|id``): the emulator's own format (the
  demo users, plus ``password`` and ``connection``), a Management API user body, or a line of a
  users export (NDJSON) with whatever fields the export carried. ``identities`` (all of them,
  linked ones with ``profileData``) are kept as they are; without them the user has one identity
  of its provider (``auth0`` users in the ``--users-connection`` database). Keys exported with a
  dotted name (``user_metadata.plan``) are nested back; ``identities[0].connection`` gives the
  connection; other dotted or indexed names are dropped; any other root attribute
  (``given_name``, ``username``, ``last_ip``, …) is kept as it is. Dates may be strings or
  ``{"$date": "…"}``.
- **Bulk-import records** (Auth0's users-import schema, "Bulk User Import Schema and
  Examples"): ``email`` required, only the schema's properties (``additionalProperties: false``),
  ``user_id`` without the strategy prefix (``auth0|`` is prepended; without one, 24 hex
  characters derived from the email, stable from one load to the next), ``app_metadata`` without
  Auth0's reserved keys, ``password_hash`` and ``custom_password_hash`` mutually exclusive. The
  users go to the ``--users-connection`` database. Password hashes are checked for shape but not
  kept: the emulator's login checks plain passwords, so imported users cannot log in with one.

Every problem is a ``ValueError`` whose message names the property; the caller adds the file and
line.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .model import USER_FIELDS, json_type

_KNOWN = USER_FIELDS | {"password", "connection"}
_DATES = ("created_at", "updated_at", "last_login")
_STRINGS = ("name", "nickname", "picture", "phone_number")
_BOOLEANS = ("email_verified", "phone_verified")
IMPORT_FIELDS = frozenset(
    (
        "email",
        "email_verified",
        "user_id",
        "username",
        "given_name",
        "family_name",
        "name",
        "nickname",
        "picture",
        "blocked",
        "password_hash",
        "custom_password_hash",
        "app_metadata",
        "user_metadata",
        "mfa_factors",
    )
)
# app_metadata keys Auth0's import refuses ("App metadata" in the import schema page).
RESERVED_APP_METADATA = frozenset(
    (
        "__tenant",
        "_id",
        "blocked",
        "clientID",
        "created_at",
        "email_verified",
        "email",
        "globalClientID",
        "global_client_id",
        "identities",
        "lastIP",
        "lastLogin",
        "loginsCount",
        "metadata",
        "multifactor_last_modified",
        "multifactor",
        "updated_at",
        "user_id",
    )
)
HASH_ALGORITHMS = frozenset(
    ("argon2", "bcrypt", "hmac", "ldap", "md4", "md5", "sha1", "sha256", "sha512", "pbkdf2", "scrypt")
)


def _expect(record: dict[str, Any], key: str, kind: type, label: str) -> None:
    """``record[key]``, when present and not null, must be of ``kind`` (``bool`` is not an int)."""
    value = record.get(key)
    if value is None:
        return
    fits = (
        isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool)
    )
    if not fits:
        raise ValueError(f"{key} must be {label}, got {json_type(value)}")


def _date(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, dict) and isinstance(value.get("$date"), str):
        return str(value["$date"])
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a date string, got {json_type(value)}")
    return value


def _identity(item: Any, index: int) -> dict[str, Any]:
    """One ``identities`` entry, checked; numeric IDs (GitHub's) become strings."""
    where = f"identities[{index}]"
    if not isinstance(item, dict):
        raise TypeError(f"{where} must be an object, got {json_type(item)}")
    for key in ("connection", "provider"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise ValueError(f"{where}.{key} must be a non-empty string")
    raw = item.get("user_id")
    if isinstance(raw, bool) or not isinstance(raw, str | int) or raw == "":
        raise ValueError(f"{where}.user_id must be a string or a number")
    if "profileData" in item and not isinstance(item["profileData"], dict):
        raise ValueError(f"{where}.profileData must be an object")
    return {**item, "user_id": str(raw)}


def _undot(record: dict[str, Any]) -> dict[str, Any]:
    """Nest ``user_metadata.x``/``app_metadata.x`` keys back; map ``identities[0].connection``."""
    plain: dict[str, Any] = {}
    for key, value in record.items():
        root, dot, rest = key.partition(".")
        if dot and root in ("user_metadata", "app_metadata") and rest:
            target = plain.setdefault(root, {})
            if not isinstance(target, dict):
                raise ValueError(f"{root} must be an object, got {json_type(target)}")
            *parents, leaf = rest.split(".")
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = value
        elif key == "identities[0].connection":
            plain.setdefault("connection", value)
        elif not ("." in key or "[" in key):
            plain[key] = value
    return plain


def spec_from_user(raw: dict[str, Any], *, database: str) -> dict[str, Any]:
    """A spec from a user record (emulator format, API body or export line)."""
    record = _undot(raw)
    user_id = record.get("user_id")
    if not isinstance(user_id, str) or "|" not in user_id.strip("|"):
        raise ValueError(f"user_id must look like 'provider|id', got {user_id!r}")
    for key in _STRINGS:
        _expect(record, key, str, "a string")
    for key in _BOOLEANS:
        _expect(record, key, bool, "true or false")
    for key in ("user_metadata", "app_metadata"):
        _expect(record, key, dict, "an object")
    _expect(record, "email", str, "a string")
    _expect(record, "logins_count", int, "an integer")
    _expect(record, "connection", str, "a string")
    spec = {key: value for key, value in record.items() if key in _KNOWN and value is not None}
    for key in _DATES:
        spec[key] = _date(record, key)
    if "identities" in record:
        identities = record["identities"]
        if not isinstance(identities, list) or not identities:
            raise ValueError("identities must be a non-empty array")
        spec["identities"] = [_identity(item, index) for index, item in enumerate(identities)]
    elif user_id.startswith("auth0|") and "connection" not in spec:
        spec["connection"] = database
    spec["extra"] = {key: value for key, value in record.items() if key not in _KNOWN}
    return spec


def _check_password_hash(record: dict[str, Any]) -> None:
    if "password_hash" in record and "custom_password_hash" in record:
        raise ValueError("password_hash and custom_password_hash are mutually exclusive")
    _expect(record, "password_hash", str, "a string")
    custom = record.get("custom_password_hash")
    if "custom_password_hash" not in record:
        return
    if not isinstance(custom, dict) or custom.get("algorithm") not in HASH_ALGORITHMS:
        raise ValueError(
            "custom_password_hash.algorithm must be one of " + ", ".join(sorted(HASH_ALGORITHMS))
        )
    hashed = custom.get("hash")
    if not isinstance(hashed, dict) or not isinstance(hashed.get("value"), str):
        raise TypeError("custom_password_hash.hash.value is required (a string)")


def spec_from_import(record: dict[str, Any], *, database: str) -> dict[str, Any]:
    """A spec from a bulk-import record (Auth0's users-import schema), into ``database``."""
    unknown = sorted(set(record) - IMPORT_FIELDS)
    if unknown:
        raise ValueError(f"property {unknown[0]!r} is not in Auth0's users-import schema")
    email = record.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ValueError(f"email is required and must be an email address, got {email!r}")
    for key in ("username", "given_name", "family_name", "name", "nickname", "picture", "user_id"):
        _expect(record, key, str, "a string")
    for key in ("email_verified", "blocked"):
        _expect(record, key, bool, "true or false")
    for key in ("user_metadata", "app_metadata"):
        _expect(record, key, dict, "an object")
    _expect(record, "mfa_factors", list, "an array")
    reserved = sorted(set(record.get("app_metadata") or {}) & RESERVED_APP_METADATA)
    if reserved:
        raise ValueError(f"app_metadata must not contain {reserved[0]!r} (reserved by Auth0)")
    _check_password_hash(record)
    # Auth0 generates an ObjectId-like ID; here it is derived from the email, so loading the same
    # file again (a restart, a second rehearsal) gives the same IDs.
    raw_id = record.get("user_id") or hashlib.sha256(f"{database}\0{email.lower()}".encode()).hexdigest()[:24]
    spec: dict[str, Any] = {
        k: record[k] for k in ("email_verified", "name", "nickname", "picture") if k in record
    }
    spec.update(
        user_id=f"auth0|{raw_id}",
        connection=database,
        email=email,
        user_metadata=record.get("user_metadata") or {},
        app_metadata=record.get("app_metadata") or {},
        extra={
            key: record[key] for key in ("username", "given_name", "family_name", "blocked") if key in record
        },
    )
    return spec
