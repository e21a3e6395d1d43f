"""Asking the tenant whether stored credentials still work (``auth0link status`` and ``doctor``).

:func:`check_session` refreshes a user session and reads the user with it (or, where the
provider is not Auth0, asks ``userinfo``); :func:`check_machine` gets a machine token and makes one
admin call. Each failure becomes a :class:`~auth0link.models.Problem` (what, and its fix) and a
:data:`~auth0link.models.CheckResult`: ``refused`` (log in again), ``unreachable`` (not checked).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final

from auth0link._jwt import unverified_claims
from auth0link.errors import (
    ApiError,
    Auth0LinkError,
    Fix,
    LoginRequired,
    NetworkError,
    NotFound,
    ServerError,
    TlsError,
    clause,
    cmd,
    sentence,
)
from auth0link.models import Problem

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.models import CheckResult, MachineStatus, SessionStatus, User
    from auth0link.session import Access


#: Auth0's errorCode for a user that does not exist: only this 404 means "deleted". Another
#: provider (a standard OpenID provider without Auth0's Management API) answers 404 for the path.
INEXISTENT_USER = "inexistent_user"


#: how to see the stored credentials without the tenant
_OFFLINE: Final = Fix(cmd("status", "--offline"), " shows what is stored")


def _failure(exc: Auth0LinkError, *, login: Fix, user_id: str | None = None) -> tuple[CheckResult, Problem]:
    """What a failed check means, and its problem."""
    if isinstance(exc, TlsError):  # its message carries its own fix: one message, one fix
        return "unreachable", Problem(f"Could not check with the tenant: {clause(exc.problem)}.", exc.remedy)
    if isinstance(exc, NetworkError | ServerError):
        fix = (exc.fix or Fix("check your network and try again")) + " (" + _OFFLINE + ")"
        return "unreachable", Problem(f"Could not check with the tenant: {clause(exc.message)}.", fix)
    if isinstance(exc, NotFound) and user_id and exc.error_code == INEXISTENT_USER:
        return "refused", Problem(
            f"The tenant has no user {user_id} any more (deleted, or linked into another user).", login
        )
    if isinstance(exc, LoginRequired | ApiError):
        fix = login if isinstance(exc, LoginRequired) else exc.fix or login
        return "refused", Problem(sentence(exc.message), fix)
    return "unreachable", Problem(sentence(exc.message), exc.fix or login)


def check_session(
    status: SessionStatus,
    *,
    access: Callable[[], Access],
    read_user: Callable[[Access], User],
    active_profile: str,
    userinfo: Callable[[Access], object] | None = None,
) -> SessionStatus:
    """Ask the tenant: refresh the session (``access``), then one authenticated call (``read_user``).

    A 404 without Auth0's ``inexistent_user`` comes from a provider that is not Auth0 (no
    Management API there): the session is then checked the standard way, at ``userinfo``, or
    reported as not checked; it is never called deleted.
    """
    if not status.logged_in or (status.expired and not status.refreshable):
        return status  # nothing the tenant could confirm; the problem is already listed
    login = Fix(cmd("login", profile=None if status.profile == active_profile else status.profile))
    user_id = status.user_id
    current: Access | None = None
    try:
        current = access()
        user_id = current.user_id
        user = read_user(current)
    except NotFound as exc:
        if exc.error_code == INEXISTENT_USER or current is None:
            check, problem = _failure(exc, login=login, user_id=user_id)
            return dataclasses.replace(status, check=check, problems=(*status.problems, problem))
        return _checked_elsewhere(status, current, userinfo=userinfo, login=login)
    except Auth0LinkError as exc:
        check, problem = _failure(exc, login=login, user_id=user_id)
        return dataclasses.replace(status, check=check, problems=(*status.problems, problem))
    tokens = current.tokens
    return dataclasses.replace(
        status,
        check="ok",
        user_id=user.user_id or current.user_id,
        email=user.email or status.email,
        scopes=tuple(sorted(tokens.scopes)) if tokens else status.scopes,
        expires_at=tokens.expires_at if tokens else status.expires_at,
        expired=False,
        refreshable=bool(tokens and tokens.refresh_token),
    )


def _checked_elsewhere(
    status: SessionStatus, current: Access, *, userinfo: Callable[[Access], object] | None, login: Fix
) -> SessionStatus:
    """No Auth0 Management API answered for the user: ask ``userinfo``, or say it was not checked."""
    if userinfo is None:
        problem = Problem(
            "Could not check the session: the provider has no Auth0 Management API (its user read "
            "answered 404) and no userinfo endpoint.",
            _OFFLINE,
        )
        return dataclasses.replace(status, check="unreachable", problems=(*status.problems, problem))
    try:
        userinfo(current)
    except Auth0LinkError as exc:
        check, problem = _failure(exc, login=login)
        return dataclasses.replace(status, check=check, problems=(*status.problems, problem))
    tokens = current.tokens
    return dataclasses.replace(
        status,
        check="ok",
        scopes=tuple(sorted(tokens.scopes)) if tokens else status.scopes,
        expires_at=tokens.expires_at if tokens else status.expires_at,
        expired=False,
        refreshable=bool(tokens and tokens.refresh_token),
    )


def check_machine(
    status: MachineStatus, *, token: Callable[[], str], probe: Callable[[str], object]
) -> MachineStatus:
    """Ask the tenant: a valid machine token (``token``), then one admin call with it (``probe``)."""
    login = Fix(cmd("login", "--machine", "--client-id", status.client_id))
    try:
        value = token()
        probe(value)
    except Auth0LinkError as exc:
        check, problem = _failure(exc, login=login)
        return dataclasses.replace(status, check=check, problems=(*status.problems, problem))
    scopes = str(unverified_claims(value).get("scope", "")).split()
    return dataclasses.replace(status, check="ok", scopes=tuple(sorted(scopes)) or status.scopes)
