"""Asking the tenant whether stored credentials still work (``auth0link status`` and ``doctor``).

:func:`check_session` refreshes a user session and reads the user with it (or, where the
provider is not Auth0, asks ``userinfo``); :func:`check_machine` gets a machine token and makes one
admin call. Each failure becomes a problem line ``what. Fix: command`` and a
:data:`~auth0link.models.CheckResult`: ``refused`` (log in again), ``unreachable`` (not checked).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from auth0link._jwt import unverified_claims
from auth0link.config import profile_flag
from auth0link.errors import (
    ApiError,
    Auth0LinkError,
    LoginRequired,
    NetworkError,
    NotFound,
    ServerError,
    TlsError,
    clause,
    sentence,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.models import CheckResult, MachineStatus, SessionStatus, User
    from auth0link.session import Access


#: Auth0's errorCode for a user that does not exist: only this 404 means "deleted". Another
#: provider (a standard OpenID provider without Auth0's Management API) answers 404 for the path.
INEXISTENT_USER = "inexistent_user"


def _failure(exc: Auth0LinkError, *, login: str, user_id: str | None = None) -> tuple[CheckResult, str]:
    """What a failed check means, and its problem line (``… Fix: …``)."""
    if isinstance(exc, TlsError):  # its message carries its own fix: one message, one fix
        return "unreachable", f"Could not check with the tenant: {clause(exc.problem)}. Fix: {exc.fix}"
    if isinstance(exc, NetworkError | ServerError):
        offline = "auth0link status --offline shows what is stored"
        fix = f"{exc.hint or 'check your network and try again'} ({offline})"
        return "unreachable", f"Could not check with the tenant: {clause(exc.message)}. Fix: {fix}"
    if isinstance(exc, NotFound) and user_id and exc.error_code == INEXISTENT_USER:
        return "refused", (
            f"The tenant has no user {user_id} any more (deleted, or linked into another user). Fix: {login}"
        )
    if isinstance(exc, LoginRequired | ApiError):
        fix = login if isinstance(exc, LoginRequired) else exc.hint or login
        return "refused", f"{sentence(exc.message)} Fix: {fix}"
    return "unreachable", f"{sentence(exc.message)} Fix: {exc.hint or login}"


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
    login = f"auth0link login{profile_flag(status.profile, active_profile)}"
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
    status: SessionStatus, current: Access, *, userinfo: Callable[[Access], object] | None, login: str
) -> SessionStatus:
    """No Auth0 Management API answered for the user: ask ``userinfo``, or say it was not checked."""
    if userinfo is None:
        problem = (
            "Could not check the session: the provider has no Auth0 Management API (its user read "
            "answered 404) and no userinfo endpoint. Fix: auth0link status --offline shows what is stored"
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
    login = f"auth0link login --machine --client-id {status.client_id}"
    try:
        value = token()
        probe(value)
    except Auth0LinkError as exc:
        check, problem = _failure(exc, login=login)
        return dataclasses.replace(status, check=check, problems=(*status.problems, problem))
    scopes = str(unverified_claims(value).get("scope", "")).split()
    return dataclasses.replace(status, check="ok", scopes=tuple(sorted(scopes)) or status.scopes)
