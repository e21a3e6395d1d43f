"""README screenshots (``auth0link.output._svg``): captured terminal output becomes an SVG file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.output._svg import ansi_svg

if TYPE_CHECKING:
    from pathlib import Path


def test_ansi_output_becomes_an_svg_with_its_text(tmp_path: Path) -> None:
    """ansi_svg writes an SVG holding the captured text (colours kept, escapes gone)."""
    path = tmp_path / "shot.svg"
    ansi_svg("\x1b[32mgoogle-oauth2\x1b[0m linked", str(path), width=60, title="auth0link identities")
    svg = path.read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert "google-oauth2" in svg
    assert "identities" in svg  # the window title (rich writes its spaces as &#160;)
    assert "\x1b" not in svg
