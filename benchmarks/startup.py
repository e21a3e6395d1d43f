"""Start-up time: `auth0link --help` against `python -c "import click"`, measured in one run.

Prints wall-clock medians over interleaved runs (so machine load affects both sides alike) and
their ratio. Target (issue #3/#8): ``auth0link --help`` <= 1.25 x ``import click``.

With ``--identities`` it also times ``auth0link identities --json`` with a stored token against
a running emulator, relative to a minimal script doing the same keyring read and one httpx GET
(target <= 1.3x). That part needs the emulator extra and a SecretService; see
``benchmarks/startup_identities.py``.

Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def measure(commands: dict[str, list[str]], runs: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """Median wall time (ms) per command, interleaving the commands run by run."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm-up: page cache, .pyc files
        for _ in range(3):
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    for _ in range(runs):
        for name, argv in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    python = sys.executable
    script = shutil.which("auth0link", path=str(Path(python).parent)) or "auth0link"
    commands = {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import click"': [python, "-c", "import click"],
        "auth0link --help": [script, "--help"],
        "auth0link --version": [script, "--version"],
    }
    medians = measure(commands, args.runs)
    width = max(len(k) for k in medians)
    print(f"start-up, median of {args.runs} interleaved runs:")
    for name, ms in medians.items():
        print(f"  {name:<{width}}  {ms:7.1f} ms")
    baseline = medians['python -c "import click"']
    ratio = medians["auth0link --help"] / baseline
    verdict = "OK" if ratio <= 1.25 else "OVER TARGET"
    print(f"ratio auth0link --help / import click = {ratio:.2f}x (target <= 1.25x) {verdict}")


if __name__ == "__main__":
    main()
