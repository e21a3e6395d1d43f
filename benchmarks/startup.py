"""Start-up time: `auth0link --help` and `--version` against `python -c "import click"`, in one run.

Prints wall-clock medians over interleaved runs (so machine load affects both sides alike) and
their ratios, for two installs: the editable one of the checkout (``pip install -e``) and a
regular one (the wheel built from the checkout, unpacked and byte-compiled, run through the same
console-script launcher pip writes). Targets (issue #12): ``--help`` <= 1.15 x and ``--version``
<= 1.10 x ``import click``, on both installs.

It also times ``auth0link identities --json`` with a session stored in the OS keyring against a
running emulator, relative to a minimal script doing the same keyring read and one httpx GET
(target <= 1.3x). That part needs the emulator extra and a SecretService: ``make bench`` runs
this script under ``scripts/with-keyring.sh``; without a keyring it is skipped with a note.

Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
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


LAUNCHER = "import re, sys\nfrom auth0link.cli import main\nsys.argv[0] = 'auth0link'\nsys.exit(main())\n"
TARGETS = {"--help": 1.15, "--version": 1.10}


def regular_install(python: str, where: Path) -> tuple[list[str], dict[str, str]]:
    """Build the wheel, unpack it into ``where``, byte-compile it: the launcher and its environment."""
    import zipfile

    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(where),
            str(root),
        ],
        check=True,
    )
    wheel = next(where.glob("auth0link-*.whl"))
    site = where / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    subprocess.run([python, "-m", "compileall", "-q", str(site)], check=True)
    launcher = where / "auth0link-launcher.py"
    launcher.write_text(LAUNCHER, encoding="utf-8")
    return [python, str(launcher)], {**os.environ, "PYTHONPATH": str(site)}


def report(label: str, python: str, launcher: list[str], env: dict[str, str] | None, runs: int) -> None:
    """Median start-up of --help and --version against import click, for one install."""
    commands = {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import click"': [python, "-c", "import click"],
        "auth0link --help": [*launcher, "--help"],
        "auth0link --version": [*launcher, "--version"],
    }
    medians = measure(commands, runs, env=env)
    width = max(len(k) for k in medians)
    print(f"start-up, {label} install, median of {runs} interleaved runs:")
    for name, ms in medians.items():
        print(f"  {name:<{width}}  {ms:7.1f} ms")
    baseline = medians['python -c "import click"']
    for flag, target in TARGETS.items():
        ratio = medians[f"auth0link {flag}"] / baseline
        verdict = "OK" if ratio <= target else "OVER TARGET"
        print(f"  ratio auth0link {flag} / import click = {ratio:.2f}x (target <= {target:.2f}x) {verdict}")


def main() -> None:
    """Print the figures."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    python = sys.executable
    script = shutil.which("auth0link", path=str(Path(python).parent)) or "auth0link"
    # Measure an installed tool as pip leaves it: byte-compiled. In an editable checkout with
    # PYTHONDONTWRITEBYTECODE set (as on CI machines) a stale .pyc would be recompiled on every
    # start, which measures the compiler, not auth0link.
    import auth0link

    package_dir = str(Path(auth0link.__file__).parent)
    subprocess.run([python, "-m", "compileall", "-q", package_dir], check=True)
    report("editable", python, [script], None, args.runs)
    with tempfile.TemporaryDirectory(prefix="auth0link-wheel-") as tmp:
        launcher, env = regular_install(python, Path(tmp))
        report("regular (wheel)", python, launcher, env, args.runs)
    identities(python, script, max(10, args.runs // 2))


MINIMAL = """
import json, ssl, sys
import httpx, keyring
service, key, base, ca = sys.argv[1:5]
head = json.loads(keyring.get_password(service, key))
chunks = [keyring.get_password(service, f"{key}#{head['gen']}#{i}") for i in range(head["chunks"])]
record = json.loads("".join(chunks))
user = record["user_id"].replace("|", "%7C")
headers = {"Authorization": "Bearer " + record["access_token"]}
trust = ssl.create_default_context(cafile=ca)
response = httpx.get(f"{base}/api/v2/users/{user}", headers=headers, verify=trust)
response.raise_for_status()
print(json.dumps(response.json()["identities"]))
"""


def identities(python: str, script: str, runs: int) -> None:
    """``auth0link identities --json`` vs. a minimal keyring read + one GET, same session."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("identities: skipped (no SecretService; run under scripts/with-keyring.sh, as make bench does)")
        return
    import tempfile

    tmp = tempfile.mkdtemp(prefix="auth0link-bench-")
    emulator = subprocess.Popen(  # HTTPS, its CA kept in the temporary data dir
        [python, "-m", "auth0link", "emulator", "--json", "--port", "0", "--skip-callback-confirmation"],
        env={**os.environ, "AUTH0LINK_DATA_DIR": f"{tmp}/data"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert emulator.stdout is not None
        info = json.loads(emulator.stdout.readline())
        env = {
            **os.environ,
            "AUTH0LINK_DOMAIN": info["domain"],  # bare 127.0.0.1:PORT, as for a real tenant
            "AUTH0LINK_CLIENT_ID": info["client_id"],
            "AUTH0LINK_CA_BUNDLE": info["ca_bundle"],
            "AUTH0LINK_CONFIG_DIR": f"{tmp}/config",
            "AUTH0LINK_DATA_DIR": f"{tmp}/data",
        }
        agent = [python, "-m", "auth0link.emulator.agent", "--email", "alice@example.com"]
        agent += ["--password", "correct-horse-alice", "--connection", "Username-Password-Authentication"]
        login_env = {**env, "BROWSER": shlex.join(agent) + " %s"}
        subprocess.run([script, "login"], env=login_env, check=True, capture_output=True)
        key = f"default:{info['base_url']}:{info['client_id']}"
        commands = {
            "minimal keyring read + httpx GET": [
                *(python, "-c", MINIMAL, "auth0link", key, info["base_url"], info["ca_bundle"]),
            ],
            "auth0link identities --json": [script, "identities", "--json"],
        }
        medians = measure(commands, runs, env=env)
    finally:
        emulator.terminate()
        emulator.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    width = max(len(k) for k in medians)
    print(f"identities with a stored session (SecretService), median of {runs} interleaved runs:")
    for name, ms in medians.items():
        print(f"  {name:<{width}}  {ms:7.1f} ms")
    ratio = medians["auth0link identities --json"] / medians["minimal keyring read + httpx GET"]
    verdict = "OK" if ratio <= 1.3 else "OVER TARGET"
    print(f"ratio auth0link identities --json / minimal script = {ratio:.2f}x (target <= 1.3x) {verdict}")


if __name__ == "__main__":
    main()
