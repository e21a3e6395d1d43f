"""The README and the documentation site: short README, links that resolve, a strict site build."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_the_readme_starts_with_make_demo_and_make_test_and_stays_short() -> None:
    """README: the first code block is `make demo` then `make test`; the manual lives in docs/."""
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first_block[:2]] == [["make", "demo"], ["make", "test"]]
    assert len(text.splitlines()) < 120
    for heading in ("## Install", "## Quick start", "## Documentation"):
        assert heading in text


def test_every_relative_link_in_the_readme_points_at_a_file() -> None:
    """README: each relative link (docs pages, CHANGELOG) names a file or folder of the checkout."""
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    relative = [link for link in links if "://" not in link]
    assert relative
    missing = [link for link in relative if not (ROOT / link).exists()]
    assert missing == []


@pytest.mark.skipif(
    shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None, reason="docs group"
)
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` succeeds: no broken link or anchor, every page in the nav, the CLI reference renders."""
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "mkdocs"),
            "build",
            "--strict",
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reference = (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
    for command in ("login", "link", "unlink", "batch-link", "status", "doctor"):
        assert f'id="auth0link-{command}"' in reference
