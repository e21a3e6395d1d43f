"""README screenshots: rich's SVG export of a real run's terminal output."""

from __future__ import annotations

from typing import Any


class Screenshots:
    """Turn terminal output into SVG files."""

    width: int | None

    def ansi_svg(self, ansi: str, path: str, *, title: str = "auth0link") -> None:
        """Turn captured terminal output (ANSI) of a real run into an SVG (README screenshots)."""
        from rich.text import Text

        self.record_svg(lambda console: console.print(Text.from_ansi(ansi)), path, title=title)

    def record_svg(self, render: Any, path: str, *, title: str = "auth0link") -> None:
        """Render with ``render(console)`` into an SVG file (README screenshots)."""
        import io

        from rich.console import Console

        console = Console(
            record=True, file=io.StringIO(), width=self.width or 100, force_terminal=True, markup=False
        )
        render(console)
        console.save_svg(path, title=title)
