"""What a users-export job writes: the ``fields`` of its body, checked, and each user's line.

From Auth0's "Bulk User Exports" and the ``post-users-exports`` reference:

- ``fields`` is a list of ``{name, export_as?}``; ``name`` is a path into the user as
  ``GET /api/v2/users/{id}`` shows it (``email``, ``identities[0].connection``,
  ``user_metadata.consent.given``, ``app_metadata``), and any name is accepted (custom
  attributes). The key (JSON) or column (CSV) is ``export_as`` when given, else the name.
- ``format: "json"`` writes NDJSON, one object per user; a whole object such as
  ``app_metadata`` or ``identities`` is exported by naming its root. Metadata and identities
  are there only when asked for.
- ``format: "csv"`` writes a header and one row per user, at most 30 fields, and refuses whole
  ``app_metadata``/``user_metadata`` objects (name their fields instead). Strings are escaped
  against CSV injection as Auth0 does (OWASP): inner ``"`` doubled, a leading ``'``, wrapped in
  ``"``; Auth0-generated ISO dates are not.

Choices where Auth0 is silent (docs/emulator.md, "Where it differs from Auth0"): without ``fields`` the
export has :data:`DEFAULT_FIELDS` (the root attributes of the normalized profile, neither
identities nor metadata); a JSON key for a dotted name without ``export_as`` is the name as
written (``"user_metadata.plan"``); a value that is missing is left out (JSON) or empty (CSV);
CSV header cells are written as given; arrays and objects in a CSV cell are their JSON text,
escaped as a string.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..state.model import ManagementError, json_type

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from pathlib import Path

    from ..state.model import User

FORMATS = ("json", "csv")
MAX_CSV_FIELDS = 30
DEFAULT_FIELDS = (
    "user_id",
    "email",
    "email_verified",
    "name",
    "nickname",
    "picture",
    "given_name",
    "family_name",
    "created_at",
    "updated_at",
    "last_login",
    "logins_count",
)
# Dates Auth0 generates: written bare in CSV (no injection escaping).
GENERATED_DATES = frozenset(("created_at", "updated_at", "last_login", "last_password_reset"))
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_PATH = re.compile(r"[^.\[\]]+(?:\[\d+\])*(?:\.[^.\[\]]+(?:\[\d+\])*)*")
_MISSING = object()
_BATCH = 1000  # users encoded and compressed at a time
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def bad_body(message: str, prop: str | None = None) -> ManagementError:
    """A 400 ``invalid_body`` worded as Auth0's payload validator words it."""
    where = f" on property {prop}" if prop else ""
    return ManagementError(400, f"Payload validation error: '{message}'{where}.", "invalid_body")


@dataclass(frozen=True)
class Field:
    """One exported field: the path read from the user and the key (or column) written."""

    name: str
    key: str
    steps: tuple[str | int, ...]

    @classmethod
    def parse(cls, name: str, export_as: str | None = None) -> Field:
        """Split ``identities[0].connection`` into ``("identities", 0, "connection")``."""
        if not _PATH.fullmatch(name):
            raise bad_body(f"Invalid field name: {name}", "fields")
        steps = tuple(key or int(index) for key, index in _STEP.findall(name))
        return cls(name, export_as or name, steps)

    def read(self, user: dict[str, Any]) -> Any:
        """The value at this path in the user body (``_MISSING`` when it is not there)."""
        value: Any = user
        for step in self.steps:
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and step < len(value) else _MISSING
            else:
                value = value.get(step, _MISSING) if isinstance(value, dict) else _MISSING
            if value is _MISSING:
                return _MISSING
        return value

    def echo(self) -> dict[str, str]:
        """The field as the job object shows it."""
        return {"name": self.name} if self.key == self.name else {"name": self.name, "export_as": self.key}


def _field(item: Any, index: int) -> Field:
    where = f"fields[{index}]"
    if not isinstance(item, dict):
        raise bad_body(f"Expected type object but found type {json_type(item)}", where)
    extra = sorted(set(item) - {"name", "export_as"})
    if extra:
        raise bad_body(f"Additional properties not allowed: {','.join(extra)}", where)
    name, export_as = item.get("name"), item.get("export_as")
    if not isinstance(name, str) or not name:
        raise bad_body("Missing required property: name", where)
    if export_as is not None and (not isinstance(export_as, str) or not export_as):
        raise bad_body("Expected type string for export_as", where)
    return Field.parse(name, export_as)


def parse_fields(raw: Any, fmt: str) -> list[Field]:
    """The ``fields`` of a job body, checked (:data:`DEFAULT_FIELDS` when absent or empty)."""
    if raw is None or raw == []:
        return [Field.parse(name) for name in DEFAULT_FIELDS]
    if not isinstance(raw, list):
        raise bad_body("Expected type array but found type " + json_type(raw), "fields")
    fields = [_field(item, index) for index, item in enumerate(raw)]
    if fmt == "csv":
        if len(fields) > MAX_CSV_FIELDS:
            raise bad_body(f"Array is too long ({len(fields)}), maximum {MAX_CSV_FIELDS}", "fields")
        whole = next((f.name for f in fields if f.steps in (("app_metadata",), ("user_metadata",))), None)
        if whole is not None:
            raise bad_body(
                f"{whole} cannot be exported whole in CSV: name its fields ({whole}.FIELD) or use json",
                "fields",
            )
    return fields


def json_line(user: dict[str, Any], fields: list[Field]) -> str:
    """The user as one NDJSON line (with its newline); missing fields are left out."""
    line = {}
    for field in fields:
        value = field.read(user)
        if value is not _MISSING:
            line[field.key] = value
    return _ENCODE(line) + "\n"


def csv_header(fields: list[Field]) -> str:
    """The CSV header row."""
    return ",".join(field.key for field in fields) + "\n"


def _csv_cell(field: Field, value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and field.name in GENERATED_DATES:
        return value
    text = value if isinstance(value, str) else _ENCODE(value)
    return "\"'" + text.replace('"', '""') + '"'


def csv_line(user: dict[str, Any], fields: list[Field]) -> str:
    """The user as one CSV row, strings escaped as Auth0 escapes them."""
    return ",".join(_csv_cell(field, field.read(user)) for field in fields) + "\n"


def write_export(
    path: Path,
    users: list[User],
    fields: list[Field],
    fmt: str,
    *,
    progress: Callable[[int], None],
    cancelled: threading.Event,
) -> bool:
    """Write ``users`` gzipped to ``path`` in batches; ``False`` if cancelled part way.

    Lines are encoded a batch at a time and compressed as they go, so memory stays flat
    whatever the number of users. Run on a worker thread: it reads the users while the event
    loop may change them, which CPython makes safe (``to_json`` copies under the GIL; a user
    changed meanwhile is exported as it was or as it is, as on Auth0, whose exports are not
    snapshots either).
    """
    line = json_line if fmt == "json" else csv_line
    # Personal data: 0600 from the first byte, never through a link planted at the path.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)  # a file that was there keeps no looser mode
    with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
        if fmt == "csv":
            out.write(csv_header(fields).encode())
        for start in range(0, len(users), _BATCH):
            if cancelled.is_set():
                return False
            batch = users[start : start + _BATCH]
            out.write("".join(line(user.to_json(), fields) for user in batch).encode())
            progress(start + len(batch))
    return True
