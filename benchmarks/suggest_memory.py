"""Benchmark suggest's Python memory: a 100,000-user export is held by the e-mail index, not in Python.

Run: ``.venv/bin/python benchmarks/suggest_memory.py [PAIRS]`` (about 30 s; part of ``make bench``).
It scans a users export of PAIRS duplicate pairs (default 50,000: 100,000 users) with
:func:`auth0link.usecases.suggest.suggest_from_export`, checks every pair it yields, and prints
the peak of Python's own allocations (tracemalloc; SQLite's page cache is not Python's and is
capped). A dict of every user's compact record (the scan before the index) peaks at about 40 MB
for these users; the target is under 16 MB, and the run exits non-zero above it.
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.tenants import pair_email, primary_id, secondary_id, write_users_export  # noqa: E402

from auth0link.infra.export_file import ExportReader  # noqa: E402 - after the path set-up
from auth0link.usecases.suggest import suggest_from_export  # noqa: E402

PAIRS = 50_000
LIMIT_MB = 16


def main() -> None:
    """Scan once, check every pair, print the peak and fail above the target."""
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else PAIRS
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        write_users_export(tmp / "export.json.gz", pairs)
        tracemalloc.start()
        try:
            count = 0
            for suggestion in suggest_from_export(ExportReader(tmp / "export.json.gz"), workdir=tmp):
                assert suggestion.primary_id == primary_id(count)
                assert suggestion.secondary_id == secondary_id(count)
                assert suggestion.email == pair_email(count)
                count += 1
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert count == pairs, f"{count} pairs found, {pairs} expected"
    print(f"suggest over {2 * pairs} users: {count} pairs, peak Python allocations {peak / 1e6:.1f} MB")
    if peak >= LIMIT_MB * 1024 * 1024:
        sys.exit(f"over the {LIMIT_MB} MB target")


if __name__ == "__main__":
    main()
