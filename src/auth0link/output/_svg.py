"""README screenshots: rich's SVG export of a real run's terminal output.

Only the docs generator (``scripts/gen_docs.py``) loads this module; no command does.
"""

from __future__ import annotations

from typing import Any


def ansi_svg(ansi: str, path: str, *, width: int = 100, title: str = "auth0link") -> None:
    """Turn captured terminal output (ANSI) of a real run into an SVG (README screenshots)."""
    from rich.text import Text

    record_svg(lambda console: console.print(Text.from_ansi(ansi)), path, width=width, title=title)


def record_svg(render: Any, path: str, *, width: int = 100, title: str = "auth0link") -> None:
    """Render with ``render(console)`` into an SVG file (README screenshots)."""
    import io

    from rich.console import Console

    console = Console(record=True, file=io.StringIO(), width=width, force_terminal=True, markup=False)
    render(console)
    console.save_svg(path, title=title)
