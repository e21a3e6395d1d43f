"""Which tenant a backup, a journal or a run belongs to: its domain and its issuer.

Two tenants can share one data directory (production and a rehearsal copy with the very same
user IDs), so every backup record and journal header names the tenant it came from, and a
restore or a resume refuses a record of another tenant. Two marks name the same tenant when
their domains or their issuers are equal (a custom domain and the canonical one of one tenant
share neither only when discovery differs; then the record is refused and the hint says how to
choose the right profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TenantMark:
    """A tenant as records name it: ``domain`` (the base URL) and the ``issuer`` its tokens carry."""

    domain: str
    issuer: str

    def to_json(self) -> dict[str, str]:
        """The ``tenant`` object of a backup record or journal header."""
        return {"domain": self.domain, "issuer": self.issuer}

    @classmethod
    def from_json(cls, data: Any) -> TenantMark | None:
        """The mark a record holds, or None when it names no tenant (written before the mark existed)."""
        if not isinstance(data, dict):
            return None
        domain, issuer = data.get("domain"), data.get("issuer")
        if not isinstance(domain, str) or not isinstance(issuer, str) or not (domain or issuer):
            return None
        return cls(domain=domain, issuer=issuer)

    def same_tenant(self, other: TenantMark) -> bool:
        """True when both name one tenant (the same domain, or the same issuer)."""
        return bool(self.domain and self.domain == other.domain) or bool(
            self.issuer and self.issuer == other.issuer
        )

    def __str__(self) -> str:
        """``https://tenant.example (issuer https://tenant.example/)``."""
        return f"{self.domain} (issuer {self.issuer})"
