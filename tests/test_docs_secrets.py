"""Examples in the docs keep tokens and secrets out of argv (issue 19, item 8).

A token in a command's arguments is visible to every local user in ``ps``; the README's
users-export examples ran ``curl -H "authorization: Bearer $TOKEN"``. Every shell example must
hand headers and secrets over through stdin or a 0600 file (``curl -H @file``, ``-d @-``).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: A bearer token or client secret written into a command's arguments.
IN_ARGV = re.compile(
    r"(?i)(?:-H|--header)\s+[\"']?authorization:\s*bearer\s"
    r"|(?:-d|--data(?:-urlencode|-raw)?)\s+[\"']?client_secret="
    r"|Bearer \$\{?[A-Z_]+"
)


def documents() -> list[Path]:
    """The README and every Markdown or shell file under docs/ and examples/ (not node_modules)."""
    found = [ROOT / "README.md"]
    for folder in ("docs", "examples"):
        for pattern in ("*.md", "*.sh"):
            found += [p for p in (ROOT / folder).rglob(pattern) if "node_modules" not in p.parts]
    return found


def test_no_example_puts_a_token_or_secret_in_argv() -> None:
    """No README/docs/examples line passes a bearer token or client secret as a command argument."""
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in documents()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if IN_ARGV.search(line)
    ]
    assert len(documents()) > 1
    assert not offending, "\n".join(offending)
