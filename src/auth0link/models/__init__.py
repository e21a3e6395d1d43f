"""Typed values every layer shares: Auth0's users and tokens (:mod:`.api`) and results (:mod:`.results`).

A leaf package: it imports nothing else of auth0link but :mod:`auth0link.errors` (a problem's
fix), so the client, the use cases and the output can all depend on it without cycles. Each
name is loaded from its module on first use (building some thirty dataclasses costs start-up
time: ``identities`` needs only :mod:`.api`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auth0link.models.api import (
        DeviceAuthorization,
        ExportJob,
        Identity,
        RateLimit,
        TokenResponse,
        User,
        split_user_id,
    )
    from auth0link.models.results import (
        BatchOutcome,
        BatchSummary,
        Check,
        CheckResult,
        LinkPlan,
        LinkResult,
        LoginOutcome,
        LogoutResult,
        MachineStatus,
        MetadataMerge,
        PrimaryChoice,
        Problem,
        ProfileInfo,
        Restored,
        SessionStatus,
        UnlinkResult,
    )
    from auth0link.models.tenant import TenantMark

__all__ = [
    "BatchOutcome",
    "BatchSummary",
    "Check",
    "CheckResult",
    "DeviceAuthorization",
    "ExportJob",
    "Identity",
    "LinkPlan",
    "LinkResult",
    "LoginOutcome",
    "LogoutResult",
    "MachineStatus",
    "MetadataMerge",
    "PrimaryChoice",
    "Problem",
    "ProfileInfo",
    "RateLimit",
    "Restored",
    "SessionStatus",
    "TenantMark",
    "TokenResponse",
    "UnlinkResult",
    "User",
    "split_user_id",
]

#: which module defines each name
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "DeviceAuthorization",
            "ExportJob",
            "Identity",
            "RateLimit",
            "TokenResponse",
            "User",
            "split_user_id",
        ),
        "api",
    ),
    **dict.fromkeys(
        (
            "BatchOutcome",
            "BatchSummary",
            "Check",
            "CheckResult",
            "LinkPlan",
            "LinkResult",
            "LoginOutcome",
            "LogoutResult",
            "MachineStatus",
            "Problem",
            "MetadataMerge",
            "PrimaryChoice",
            "ProfileInfo",
            "Restored",
            "SessionStatus",
            "UnlinkResult",
        ),
        "results",
    ),
    "TenantMark": "tenant",
}


def __getattr__(name: str) -> Any:
    """Load a name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
