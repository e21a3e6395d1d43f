"""Typed values every layer shares: Auth0's users and tokens (:mod:`.api`) and results (:mod:`.results`).

A leaf package: it imports nothing else of auth0link, so the client, the use cases and the
output can all depend on it without cycles.
"""

from __future__ import annotations

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
    ProfileInfo,
    Restored,
    SessionStatus,
    UnlinkResult,
)
from auth0link.models.tenant import TenantMark

__all__ = [
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
