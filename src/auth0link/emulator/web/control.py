"""Test-only admin endpoints under ``/__emulator/`` (never part of Auth0's API).

==========================================  =================================================
``GET /__emulator/health``                  ``{"status": "ok"}``
``GET /__emulator/outbox?to=ADDRESS``       one-time codes "sent" by email/SMS, oldest first
``DELETE /__emulator/outbox``               empty the outbox
``GET /__emulator/faults``                  the active fault rules
``POST /__emulator/faults``                 add rules: ``{"spec": "GET /api/v2/users/*=503x2"}``
                                            or ``{"faults": [{"method", "path", "fault",
                                            "seconds", "count"}]}`` (see :mod:`.faults`)
``DELETE /__emulator/faults``               clear all rules
``GET /__emulator/state``                   dump users, sessions and token counts (no key)
``POST /__emulator/reset``                  back to the initial users; drop sessions, codes,
                                            refresh tokens, outbox and faults
``POST /__emulator/clock``                  ``{"advance": SECONDS}``: move the tenant clock
                                            forward (expiry tests); ``{"reset": true}`` undoes
==========================================  =================================================
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import EmulatorError
from .faults import parse_faults, rule_from_json

if TYPE_CHECKING:
    from starlette.requests import Request

    from .app import Emulator


MAX_ADVANCE = 100 * 366 * 86400  # a century: beyond it, dates stop being representable


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": "invalid_request", "error_description": message}, 400)


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        return None


def _seconds(value: object) -> bool:
    """A finite number of seconds the clock may move (NaN or infinity would break every expiry)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) <= MAX_ADVANCE


async def health(request: Request) -> Response:
    """Liveness."""
    return JSONResponse({"status": "ok", "base_url": _emulator(request).tenant.base_url})


async def outbox(request: Request) -> Response:
    """The messages sent to ``to`` (all messages without ``to``)."""
    return JSONResponse(
        {"messages": _emulator(request).tenant.outbox.messages(request.query_params.get("to"))}
    )


async def clear_outbox(request: Request) -> Response:
    """Empty the outbox."""
    _emulator(request).tenant.outbox.clear()
    return Response(status_code=204)


async def list_faults(request: Request) -> Response:
    """The active fault rules."""
    return JSONResponse({"faults": [r.to_json() for r in _emulator(request).faults.rules]})


async def add_faults(request: Request) -> Response:
    """Add fault rules from a SPEC string or a list of rule objects."""
    body = await _body(request)
    try:
        if isinstance(body, dict) and isinstance(body.get("spec"), str):
            rules = parse_faults(body["spec"])
        elif isinstance(body, dict) and isinstance(body.get("faults"), list):
            rules = [rule_from_json(item) for item in body["faults"]]
        elif isinstance(body, list):
            rules = [rule_from_json(item) for item in body]
        else:
            return _bad('send {"spec": "..."} or {"faults": [...]}')
    except (EmulatorError, ValueError) as exc:
        return _bad(str(exc))
    registry = _emulator(request).faults
    registry.rules.extend(rules)
    return JSONResponse({"faults": [r.to_json() for r in registry.rules]}, 201)


async def clear_faults(request: Request) -> Response:
    """Remove every fault rule."""
    _emulator(request).faults.rules.clear()
    return Response(status_code=204)


async def dump_state(request: Request) -> Response:
    """Users and counters (never the signing key)."""
    tenant = _emulator(request).tenant
    return JSONResponse(
        {
            "users": [u.to_json() for u in tenant.users.values()],
            **tenant.counters(),
            "now": tenant.now(),
        }
    )


async def reset(request: Request) -> Response:
    """Back to the initial tenant (same signing key)."""
    _emulator(request).reset()
    return Response(status_code=204)


async def clock(request: Request) -> Response:
    """Move the tenant clock: ``{"advance": seconds}`` or ``{"reset": true}``."""
    body = await _body(request)
    tenant = _emulator(request).tenant
    if isinstance(body, dict) and body.get("reset") is True:
        tenant.clock.reset()
    elif isinstance(body, dict) and _seconds(body.get("advance")):
        tenant.clock.advance(float(body["advance"]))
    else:
        return _bad(
            f'send {{"advance": SECONDS}} (a finite number, at most {MAX_ADVANCE}) or {{"reset": true}}'
        )
    return JSONResponse({"offset": tenant.clock.offset, "now": tenant.now()})


ROUTES = [
    Route("/__emulator/health", health, methods=["GET"]),
    Route("/__emulator/outbox", outbox, methods=["GET"]),
    Route("/__emulator/outbox", clear_outbox, methods=["DELETE"]),
    Route("/__emulator/faults", list_faults, methods=["GET"]),
    Route("/__emulator/faults", add_faults, methods=["POST"]),
    Route("/__emulator/faults", clear_faults, methods=["DELETE"]),
    Route("/__emulator/state", dump_state, methods=["GET"]),
    Route("/__emulator/reset", reset, methods=["POST"]),
    Route("/__emulator/clock", clock, methods=["POST"]),
]
