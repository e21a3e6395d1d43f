"""Start-up time of auth0link on a regular wheel install, against baselines measured in the same run.

Prints wall-clock medians over interleaved runs (so machine load affects both sides alike) and
their ratios, for two installs: the editable one of the checkout (``pip install -e``) and a
regular one: the wheel built from the checkout (``pip wheel --no-deps``), installed with its
dependencies into a fresh virtual environment and run through the console script pip writes.
Targets (issue #20): ``auth0link --help`` <= 1.10 x and ``--version`` <= 1.05 x
``python -c "import click"``, on both installs.

It then times, on the wheel install, ``auth0link identities --user ID --json`` with an M2M token
in ``AUTH0LINK_ACCESS_TOKEN`` against a running emulator (HTTPS, bare ``host:port`` domain),
relative to a python + httpx script doing the same GET with certifi's roots plus the emulator's
CA (target <= 1.15 x). Both need the emulator extra in the checkout's environment (the emulator
runs from there; the measured commands run in the wheel's environment).

Last, with a SecretService (``make bench`` runs this script under ``scripts/with-keyring.sh``),
``auth0link identities --json`` with a session stored in the OS keyring against a minimal keyring
read + one httpx GET (target <= 1.3 x); without a keyring that part is skipped with a note.

Every measured command runs on one CPU (``--cpu``, default 0; the emulator is not pinned), so
that a process moving between CPUs, or landing on one the host shares, does not decide a ratio.

Usage: python benchmarks/startup.py [--runs N] [--cpu N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple


class Samples(NamedTuple):
    """One command's runs: wall-clock times and CPU times (user + system) in ms."""

    wall: list[float]
    cpu: list[float]


#: the CPU every measured command runs on (``--cpu``); None: wherever the scheduler puts it
PINNED: set[int] | None = None


def _pin() -> None:
    """In the child before it runs: stay on the chosen CPU (both sides alike, see --cpu)."""
    if PINNED is not None:
        os.sched_setaffinity(0, PINNED)


def measure(
    commands: dict[str, list[str]], runs: int, env: dict[str, str] | None = None
) -> dict[str, Samples]:
    """Wall and CPU times (ms) per command, interleaving the commands run by run."""
    samples = {name: Samples([], []) for name in commands}
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    for argv in commands.values():  # warm-up: page cache, .pyc files
        for _ in range(3):
            subprocess.run(argv, check=True, preexec_fn=_pin, **quiet)
    for _ in range(runs):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(argv, check=True, preexec_fn=_pin, **quiet)
            samples[name].wall.append((time.perf_counter() - started) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            samples[name].cpu.append(used * 1000)
    return samples


def show(title: str, samples: dict[str, Samples], baseline: str, targets: dict[str, float]) -> None:
    """Print each command's median and fastest wall time and median CPU time, and the ratios.

    The verdict is on the median wall times. On a loaded machine (see the load average) the
    fastest run and the CPU time are the steadier estimates of what each command costs by itself,
    so their ratios are printed next to it.
    """
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    runs = len(next(iter(samples.values())).wall)
    print(f"{title}, {runs} interleaved runs (load average {load}): median wall / fastest wall / median CPU")
    width = max(len(name) for name in samples)
    median = {name: statistics.median(s.wall) for name, s in samples.items()}
    fastest = {name: min(s.wall) for name, s in samples.items()}
    cpu = {name: statistics.median(s.cpu) for name, s in samples.items()}
    for name in samples:
        print(f"  {name:<{width}}  {median[name]:7.1f} / {fastest[name]:7.1f} / {cpu[name]:7.1f} ms")
    for name, target in targets.items():
        ratios = [which[name] / which[baseline] for which in (median, fastest, cpu)]
        verdict = "OK" if ratios[0] <= target else "OVER TARGET"
        shown = " / ".join(f"{ratio:.2f}x" for ratio in ratios)
        print(f"  ratio {name} / {baseline} = {shown} (target <= {target:.2f}x) {verdict}")
    if BARE_CLICK in samples:
        shown = " / ".join(f"{which[BARE_CLICK] / which[baseline]:.2f}x" for which in (median, fastest, cpu))
        print(f"  ratio {BARE_CLICK} / {baseline} = {shown} (reference: click printing that page)")


TARGETS = {"--help": 1.10, "--version": 1.05}
IDENTITIES_TARGET = 1.15


def regular_install(python: str, where: Path, *, extras: str = "") -> tuple[str, str]:
    """Build the wheel, install it with its dependencies into a new venv: (its python, its script).

    ``extras`` (e.g. ``"emulator"``) installs the wheel with those extras.
    """
    root = Path(__file__).resolve().parents[1]
    wheels = where / "wheel"
    subprocess.run(
        [python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(root)], check=True
    )
    wheel = next(wheels.glob("auth0link-*.whl"))
    venv = where / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    venv_python = str(bin_dir / "python")
    # pip byte-compiles what it installs, as for any user's install.
    target = f"{wheel}[{extras}]" if extras else str(wheel)
    subprocess.run([venv_python, "-m", "pip", "install", "-q", target], check=True)
    return venv_python, str(bin_dir / "auth0link")


BARE_CLICK = "a bare click group, same help page"


def bare_click_app(where: Path) -> Path:
    """A click app with nothing but auth0link's root help page: its options, text and command rows.

    A reference for ``auth0link --help``: what click itself costs to print that page.
    """
    import click

    from auth0link.cli import COMMANDS, main

    options = [
        (list(param.opts), param.metavar, param.help, getattr(param, "is_flag", False))
        for param in main.params
        if isinstance(param, click.Option)
    ]
    rows = [(name, short) for name, (_, short) in COMMANDS.items()]
    script = where / "bare_click_help.py"
    script.write_text(
        "import click\n"
        "class Group(click.Group):\n"
        "    def list_commands(self, ctx):\n"
        "        return list(self.commands)\n"
        f"group = Group('auth0link', help={main.help!r}, context_settings={main.context_settings!r})\n"
        f"for decls, metavar, text, flag in {options!r}:\n"
        "    group.params.append(click.Option(decls, metavar=metavar, help=text, is_flag=flag or None))\n"
        f"for name, short in {rows!r}:\n"
        "    group.add_command(click.Command(name, short_help=short))\n"
        "group(prog_name='auth0link')\n",
        encoding="utf-8",
    )
    return script


def report(label: str, python: str, launcher: list[str], env: dict[str, str] | None, runs: int) -> None:
    """Median start-up of --help and --version against import click, for one install."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="auth0link-bare-") as tmp:
        module = bare_click_app(Path(tmp))  # imported, so that it runs from its .pyc as auth0link does
        code = f"import sys; sys.path.insert(0, {tmp!r}); import {module.stem}"
        bare = [python, "-c", code, "--help"]
        same = subprocess.run(bare, capture_output=True, text=True, check=True).stdout
        ours = subprocess.run([*launcher, "--help"], capture_output=True, text=True, check=True).stdout
        commands = {
            "python -c pass": [python, "-c", "pass"],
            'python -c "import click"': [python, "-c", "import click"],
            "auth0link --help": [*launcher, "--help"],
            "auth0link --version": [*launcher, "--version"],
        }
        if same == ours:  # the same page, so the same work for click
            commands[BARE_CLICK] = bare
        else:
            print(f"(the reference app printed another page; {BARE_CLICK!r} is left out)")
        targets = {f"auth0link {flag}": target for flag, target in TARGETS.items()}
        samples = measure(commands, runs, env=env)
    show(f"start-up, {label} install", samples, 'python -c "import click"', targets)


def main() -> None:
    """Print the figures."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        help="run every measured command on this CPU (-1: anywhere). On a small VM a process that "
        "migrates between CPUs, or lands on one shared with the host, varies by 20 %% from run to run",
    )
    args = parser.parse_args()
    global PINNED  # noqa: PLW0603 - one setting for the whole run, read in the children
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    PINNED = {args.cpu} if args.cpu >= 0 and args.cpu in usable else None
    print(f"measured commands run on CPU {args.cpu}" if PINNED else "measured commands run on any CPU")
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
        wheel_python, wheel_script = regular_install(python, Path(tmp))
        report("regular (wheel)", wheel_python, [wheel_script], None, args.runs)
        token_identities(python, wheel_python, wheel_script, args.runs)
    identities(python, script, max(10, args.runs // 2))


BASELINE_GET = """
import json, ssl, sys
import certifi, httpx
url, token, ca = sys.argv[1:4]
trust = ssl.create_default_context(cafile=certifi.where())
trust.load_verify_locations(cafile=ca)
response = httpx.get(url, headers={"Authorization": "Bearer " + token}, verify=trust)
response.raise_for_status()
print(json.dumps(response.json(), indent=2))
"""


def start_emulator(python: str, data_dir: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """An HTTPS emulator on a free port (its CA kept in ``data_dir``) and what it printed."""
    emulator = subprocess.Popen(
        [python, "-m", "auth0link", "emulator", "--json", "--port", "0", "--skip-callback-confirmation"],
        env={**os.environ, "AUTH0LINK_DATA_DIR": data_dir},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    assert emulator.stdout is not None
    return emulator, json.loads(emulator.stdout.readline())


def machine_token(python: str, info: dict[str, Any]) -> str:
    """A Management API token for the emulator's M2M application (client credentials)."""
    code = (
        "import json, sys, httpx\n"
        "info = json.loads(sys.argv[1])\n"
        "reply = httpx.post(info['base_url'] + '/oauth/token', verify=info['ca_bundle'], json={\n"
        "    'grant_type': 'client_credentials', 'client_id': info['m2m_client_id'],\n"
        "    'client_secret': info['m2m_client_secret'], 'audience': info['audience']})\n"
        "reply.raise_for_status()\n"
        "print(reply.json()['access_token'])\n"
    )
    done = subprocess.run([python, "-c", code, json.dumps(info)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def token_identities(python: str, wheel_python: str, wheel_script: str, runs: int) -> None:
    """Wheel install: ``identities --user ID --json`` with a token in the environment vs. httpx."""
    import tempfile
    from urllib.parse import quote

    tmp = tempfile.mkdtemp(prefix="auth0link-bench-")
    emulator, info = start_emulator(python, f"{tmp}/data")
    try:
        user = str(info["users"][0]["user_id"])
        token = machine_token(python, info)
        env = {
            **os.environ,
            "AUTH0LINK_DOMAIN": info["domain"],  # bare 127.0.0.1:PORT, as for a real tenant
            "AUTH0LINK_CA_BUNDLE": info["ca_bundle"],
            "AUTH0LINK_ACCESS_TOKEN": token,
            "AUTH0LINK_CONFIG_DIR": f"{tmp}/config",
            "AUTH0LINK_DATA_DIR": f"{tmp}/cli-data",
        }
        url = f"{info['base_url']}/api/v2/users/{quote(user, safe='')}"
        commands = {
            "python + httpx GET (certifi + emulator CA)": [
                *(wheel_python, "-c", BASELINE_GET, url, token, info["ca_bundle"]),
            ],
            "auth0link identities --user ID --json": [wheel_script, "identities", "--user", user, "--json"],
        }
        samples = measure(commands, runs, env=env)
    finally:
        emulator.terminate()
        emulator.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    baseline, ours = list(commands)
    show(
        "identities with AUTH0LINK_ACCESS_TOKEN, wheel install", samples, baseline, {ours: IDENTITIES_TARGET}
    )


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
    emulator, info = start_emulator(python, f"{tmp}/data")
    try:
        env = {
            **os.environ,
            "AUTH0LINK_DOMAIN": info["domain"],  # bare 127.0.0.1:PORT, as for a real tenant
            "AUTH0LINK_CLIENT_ID": info["client_id"],
            "AUTH0LINK_CA_BUNDLE": info["ca_bundle"],
            "AUTH0LINK_CONFIG_DIR": f"{tmp}/config",
            "AUTH0LINK_DATA_DIR": f"{tmp}/data",
        }
        agent = [python, "-m", "auth0link.emulator.testing.agent", "--email", "alice@example.com"]
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
        samples = measure(commands, runs, env=env)
    finally:
        emulator.terminate()
        emulator.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    targets = {"auth0link identities --json": 1.3}
    show(
        "identities with a stored session (SecretService)",
        samples,
        "minimal keyring read + httpx GET",
        targets,
    )


if __name__ == "__main__":
    main()
