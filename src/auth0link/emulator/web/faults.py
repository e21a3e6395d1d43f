"""Fault injection: make chosen routes fail for the next K requests (issue 8).

A SPEC is one or more rules separated by ``;``::

    [METHOD ]PATH_PATTERN=FAULT[xCOUNT]

- ``METHOD`` — ``GET``, ``POST``, … or ``*`` (default: any method).
- ``PATH_PATTERN`` — a glob on the raw (still percent-encoded) path, ``*`` matches anything
  including ``/``: ``/api/v2/users/*``, ``/oauth/token``.
- ``FAULT`` — ``500`` | ``502`` | ``503`` (answer that status; the request is not processed),
  ``429:RESET`` (answer 429 ``too_many_requests`` with ``x-ratelimit-reset`` RESET seconds
  ahead; not processed), ``hang:SECONDS`` (wait, then process normally: the client has usually
  given up but the change happens), ``drop`` (process, then cut the connection half way through
  the response: the change happens, the answer is lost), ``badjson`` (process, then send a
  truncated, invalid JSON body with the real status).
- ``COUNT`` — how many matching requests get the fault (default 1; ``*`` = until cleared).

Examples: ``GET /api/v2/users/*=503x2``, ``POST /api/v2/users/*/identities=drop``,
``POST /oauth/token=hang:30;*=429:5x3``. The same rules can be set as JSON with
``POST /__emulator/faults`` and cleared with ``DELETE /__emulator/faults``.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import EmulatorError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


_RULE = re.compile(
    r"^\s*(?:(?P<method>[A-Za-z*]+)\s+)?(?P<path>\S+)\s*=\s*"
    r"(?P<fault>500|502|503|drop|badjson|hang:\d{1,5}(?:\.\d{1,6})?|429:\d{1,6})"
    r"(?:x(?P<count>\d{1,9}|\*))?\s*$"
)
MAX_SECONDS = 86400  # a hang or a 429 reset longer than a day is a typo
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class DropConnection(Exception):
    """Raised inside the app to make uvicorn close the connection mid-response."""


class _HideDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection) and not (
            isinstance(exc, BaseExceptionGroup) and all(isinstance(e, DropConnection) for e in exc.exceptions)
        )


def hide_drop_tracebacks() -> None:
    """Keep injected connection drops out of uvicorn's error log."""
    logging.getLogger("uvicorn.error").addFilter(_HideDrops())


@dataclass
class FaultRule:
    """One rule: which requests, which fault, how many more times (``None`` = forever)."""

    method: str
    path: str
    fault: str  # "500" | "502" | "503" | "drop" | "badjson" | "hang" | "429"
    seconds: float = 0.0
    remaining: int | None = 1

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to ``method path``."""
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        """For ``GET /__emulator/faults``."""
        return {
            "method": self.method,
            "path": self.path,
            "fault": self.fault,
            "seconds": self.seconds,
            "count": self.remaining,
        }


def parse_faults(spec: str) -> list[FaultRule]:
    """Parse a ``--faults`` SPEC (see the module docstring)."""
    rules = []
    for part in (p for p in spec.split(";") if p.strip()):
        match = _RULE.match(part)
        if match is None:
            raise EmulatorError(
                f"invalid --faults rule {part.strip()!r}: use [METHOD ]PATH=FAULT[xCOUNT], "
                "FAULT one of 500|502|503|drop|badjson|hang:SECONDS|429:RESET, "
                "e.g. 'GET /api/v2/users/*=503x2'"
            )
        fault, _, arg = match.group("fault").partition(":")
        count = match.group("count")
        rules.append(
            FaultRule(
                method=(match.group("method") or "*").upper(),
                path=match.group("path"),
                fault=fault,
                seconds=float(arg) if arg else 0.0,
                remaining=None if count == "*" else int(count or 1),
            )
        )
    return rules


def rule_from_json(data: Any) -> FaultRule:
    """A rule from the admin endpoint's JSON: ``{method?, path, fault, seconds?, count?}``."""
    if not isinstance(data, dict) or not isinstance(data.get("path"), str):
        raise ValueError("each fault needs at least a string 'path' and a 'fault'")  # noqa: TRY004 - reported as a 400, like the other checks
    fault = str(data.get("fault", ""))
    if fault not in ("500", "502", "503", "drop", "badjson", "hang", "429"):
        raise ValueError(f"unknown fault {fault!r}")
    count = data.get("count", 1)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer or null (forever)")
    seconds = data.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be a number from 0 to {MAX_SECONDS}")
    return FaultRule(
        method=str(data.get("method", "*")).upper(),
        path=data["path"],
        fault=fault,
        seconds=float(seconds),
        remaining=count,
    )


@dataclass
class FaultRegistry:
    """The active rules, consumed first-match-first."""

    rules: list[FaultRule] = field(default_factory=list)

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching the request, counting one use of it."""
        for rule in self.rules:
            if rule.matches(method, path):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return rule
        return None


def _error_body(path: str, status: int, message: str) -> bytes:
    if path.startswith("/api/v2/"):
        error = _REASONS.get(status, "Too Many Requests")
        code = "too_many_requests" if status == 429 else "injected_fault"  # noqa: PLR2004 - HTTP status
        body: dict[str, Any] = {
            "statusCode": status,
            "error": error,
            "message": message,
            "errorCode": code,
        }
    else:
        body = {
            "error": "too_many_requests" if status == 429 else "server_error",  # noqa: PLR2004 - HTTP status
            "error_description": message,
        }
    return json.dumps(body).encode()


class FaultMiddleware:
    """ASGI middleware applying the registry's rules (``/__emulator/*`` is never faulted)."""

    def __init__(self, app: ASGIApp, registry: FaultRegistry) -> None:
        """Wrap ``app``."""
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the first matching rule, if any."""
        if scope["type"] != "http" or not self.registry.rules:
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        rule = None if path.startswith("/__emulator") else self.registry.take(scope["method"], path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.fault in ("500", "502", "503", "429"):
            await self._reply(send, path, rule)
        elif rule.fault == "hang":
            # Read the whole request first (the server got it), then stall: a client that
            # times out meanwhile does not stop the change from happening.
            messages = [await receive()]
            while messages[-1].get("more_body", False):
                messages.append(await receive())
            await asyncio.sleep(rule.seconds)

            async def replay() -> Message:
                return messages.pop(0) if messages else await receive()

            await self.app(scope, replay, send)
        else:
            await self._mangle(scope, receive, send, drop=rule.fault == "drop")

    @staticmethod
    async def _reply(send: Send, path: str, rule: FaultRule) -> None:
        status = int(rule.fault)
        headers = [(b"content-type", b"application/json; charset=utf-8")]
        if status == 429:  # noqa: PLR2004 - HTTP status
            reset = math.ceil(time.time() + rule.seconds)
            headers += [
                (b"x-ratelimit-limit", b"50"),
                (b"x-ratelimit-remaining", b"0"),
                (b"x-ratelimit-reset", str(reset).encode()),
            ]
            message = "Global limit has been reached"
        else:
            message = f"Injected fault: {status} {_REASONS[status]}"
        body = _error_body(path, status, message)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _mangle(self, scope: Scope, receive: Receive, send: Send, *, drop: bool) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if drop:
            # Announce the full length, send half, then make the server cut the connection.
            await send(start)
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise DropConnection
        broken = body[: len(body) // 2] if len(body) > 1 else b"{"
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(broken)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": broken})
