"""A route table compiled once: ``(method, "/users/{id}/identities", handler)`` rows to a dict.

A path pattern is literal segments and ``{name}`` placeholders (a placeholder matches one
non-empty segment). The rows are grouped by ``(method, segment count, first segment)``, so
finding the handler of a request is one dict lookup and a check of the few rows that share that
key, as fast as the if-chain it replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterable

H = TypeVar("H")


class Call(NamedTuple):
    """One Management API request as a handler sees it: path segments, query, body, content type."""

    parts: list[str]
    query: dict[str, list[str]]
    body: bytes
    content_type: str


class _Row(NamedTuple, Generic[H]):
    literals: tuple[tuple[int, str], ...]  # (index, segment) that must match exactly
    params: tuple[int, ...]  # indexes of placeholders (any non-empty segment)
    handler: H


class RouteTable(Generic[H]):
    """Find the handler of ``method`` on a path's segments (``/api/v2/`` already removed)."""

    def __init__(self, rows: Iterable[tuple[str, str, H]]) -> None:
        """Compile ``(method, pattern, handler)`` rows; a first segment must be a literal."""
        self.rows = list(rows)
        self._index: dict[tuple[str, int, str], list[_Row[H]]] = {}
        for method, pattern, handler in self.rows:
            segments = pattern.strip("/").split("/")
            if segments[0].startswith("{"):
                raise ValueError(f"route {pattern!r} must start with a literal segment")
            literals = tuple((i, s) for i, s in enumerate(segments) if i > 0 and not s.startswith("{"))
            params = tuple(i for i, s in enumerate(segments) if s.startswith("{"))
            key = (method, len(segments), segments[0])
            self._index.setdefault(key, []).append(_Row(literals, params, handler))

    def find(self, method: str, parts: list[str]) -> H | None:
        """The handler whose pattern matches, or ``None`` (the first matching row wins)."""
        rows = self._index.get((method, len(parts), parts[0] if parts else ""))
        if rows is None:
            return None
        for literals, params, handler in rows:  # plain loops: this is the hot path
            for i, segment in literals:
                if parts[i] != segment:
                    break
            else:
                for i in params:
                    if not parts[i]:
                        break
                else:
                    return handler
        return None
