"""Benchmark the whole pipeline at scale: ``suggest --all | batch-link -`` on 5,000 duplicate pairs.

Run: ``.venv/bin/python benchmarks/batch_pipeline.py [PAIRS]`` (about 40 s on 2 cores; part of
``make bench``). The test suite runs the same pipeline on 200 pairs
(``tests/e2e/test_batch_e2e.py``); this run shows it holds at 10,000 users, past the search
window, through the users-export job, with every pair linked once and its metadata merged.
It prints pairs, wall seconds and pairs/s, and exits non-zero when a pair is not linked.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pipeline import assert_all_linked, link_all  # noqa: E402 - after the path set-up

PAIRS = 5000


def main() -> None:
    """Run the pipeline once on isolated config and data folders and print its figures."""
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else PAIRS
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.update(
            AUTH0LINK_CONFIG_DIR=str(tmp / "config"),
            AUTH0LINK_DATA_DIR=str(tmp / "data"),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        run = link_all(tmp, pairs)
        assert run.summary["linked"] == pairs, run.summary
        assert run.summary["failed"] == 0, run.summary
        assert_all_linked(run.users, pairs)
    rate = pairs / run.seconds
    print(f"suggest --all | batch-link -: {pairs} pairs in {run.seconds:.1f} s ({rate:.0f} pairs/s)")


if __name__ == "__main__":
    main()
