"""The ``user_metadata`` merge before a link: Auth0 discards the secondary account's metadata.

The primary account's value wins on a conflicting key unless ``prefer_secondary``; the PATCH body holds
only the keys that change (Auth0 merges ``user_metadata`` at the top level), and never a null
(which would delete the key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth0link.models import MetadataMerge

if TYPE_CHECKING:
    from collections.abc import Mapping


def merge_metadata(
    primary: Mapping[str, Any], secondary: Mapping[str, Any], *, prefer_secondary: bool
) -> MetadataMerge:
    """Merge top-level ``user_metadata`` keys; the PATCH body holds only the keys that change."""
    patch: dict[str, Any] = {}
    conflicts: dict[str, tuple[Any, Any]] = {}
    for key, value in secondary.items():
        if value is None:  # a null in a PATCH would *delete* the key: never send one
            continue
        if key not in primary:
            patch[key] = value
        elif primary[key] != value:
            conflicts[key] = (primary[key], value)
            if prefer_secondary:
                patch[key] = value
    return MetadataMerge(
        primary=dict(primary),
        secondary=dict(secondary),
        patch=patch,
        merged={**primary, **patch},
        conflicts=conflicts,
        prefer_secondary=prefer_secondary,
    )
