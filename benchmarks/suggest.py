"""Benchmark ``suggest`` over big users exports: wall time, users/s, peak RSS, 100,000 vs 1,000,000 users.

Run: ``.venv/bin/python benchmarks/suggest.py [--sizes 100000,1000000]`` (about a minute: most
of it writes the 1,000,000-user file).

For each size, a users export is generated as Auth0's export job writes it (gzipped NDJSON, as
the job's ``location`` serves it; user_id, email, email_verified, name, created_at, identities,
user_metadata; half the users are the database twin of the other half's Google account, so
every second user is in a pair), then ``python -m auth0link suggest --from-export FILE
--no-header`` runs as a fresh process with stdout counted through a pipe. Reported: the pairs
printed (checked against the size), wall time, users read per second, and the process's peak
RSS (``VmHWM``, sampled: ``tests/support/rss.py`` says why not ``ru_maxrss``), beside the peak
RSS of ``python -m auth0link --version`` (the interpreter and the CLI, doing nothing) for scale.

``suggest --all`` reads the file an export job downloads with the same code, so these figures
are its scan as well (the job's wait and the download depend on the tenant and the network).
Figures only; nothing is asserted. Targets (issue #15): under 150 MB, flat from 100,000 to
1,000,000 users.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.rss import PeakRss  # noqa: E402
from tests.support.tenants import write_users_export  # noqa: E402

TARGET_MB = 150.0


def run(args: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """Run ``auth0link ARGS``; (stdout lines, wall seconds, peak RSS in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "auth0link", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None
    assert process.stderr is not None
    with PeakRss(process) as peak:
        lines = sum(1 for _ in process.stdout)
        errors = process.stderr.read().decode(errors="replace")
        process.wait()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"auth0link {' '.join(args)} failed ({process.returncode}): {errors[-500:]}")
    return lines, wall, peak.mb


def main() -> None:
    """Generate the exports, run suggest on each, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="users per export, comma separated")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "NO_COLOR": "1"}
    print(
        f"# suggest --from-export benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f})"
    )
    _, _, floor = run(["--version"], env)
    print(f"floor : python -m auth0link --version: peak RSS {floor:.1f} MB")
    peaks: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-suggest-") as folder:
        for users in sizes:
            export = Path(folder) / f"users-{users}.json.gz"
            started = time.perf_counter()
            write_users_export(export, users // 2)
            written = time.perf_counter() - started
            size_mb = export.stat().st_size / 1e6
            pairs, wall, rss = run(["suggest", "--from-export", str(export), "--no-header"], env)
            assert pairs == users // 2, f"{pairs} pairs for {users} users"
            peaks.append(rss)
            print(
                f"suggest: {users:>9,} users ({size_mb:.1f} MB gzipped, written in {written:.1f} s) -> "
                f"{pairs:,} pairs in {wall:.1f} s = {users / wall:,.0f} users/s; peak RSS {rss:.1f} MB "
                f"(target < {TARGET_MB:.0f} MB)"
            )
    if len(peaks) > 1:
        print(
            f"flat  : peak RSS at {sizes[-1]:,} users / at {sizes[0]:,} users = {peaks[-1] / peaks[0]:.2f}x"
        )


if __name__ == "__main__":
    main()
