"""Emulator throughput: sustained GET /api/v2/users/{id} per second and link+unlink cycles.

Starts the emulator as a real subprocess (``python -m auth0link.emulator``, access log
off; HTTPS, as by default, its CA trusted through ``SSL_CERT_FILE``), then drives it over real
HTTPS with a few concurrent keep-alive httpx clients. Client worker
*processes* are used so the measurement is not capped by one client interpreter's GIL; they
share the machine's cores with the server, as a CLI benchmark would. Bounded: about 20 s total.

Usage: ``python benchmarks/emulator.py [--seconds 6] [--workers 3]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

PAIRS = 8  # one primary/secondary pair per link+unlink worker


def users_file(directory: Path) -> Path:
    """Benchmark users: one demo-like primary and one GitHub secondary per worker."""
    users = []
    for index in range(PAIRS):
        users.append(
            {"user_id": f"auth0|bench{index:04d}", "email": f"p{index}@example.com", "password": "pw"}
        )
        users.append({"user_id": f"github|{9000 + index}", "email": f"p{index}@example.com"})
    path = directory / "users.json"
    path.write_text(json.dumps(users), encoding="utf-8")
    return path


def start(directory: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """Start the emulator; return the process and its JSON start-up line."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auth0link.emulator",
            "--json",
            "--port",
            "0",
            "--no-access-log",
            "--users",
            str(users_file(directory)),
            "--tls-dir",  # HTTPS (the default); its CA in the temporary directory
            str(directory / "tls"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    info: dict[str, str] = json.loads(process.stdout.readline())
    return process, info


def token(info: dict[str, str]) -> str:
    """An M2M Management API token."""
    reply = httpx.post(
        info["base_url"] + "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": info["m2m_client_id"],
            "client_secret": info["m2m_client_secret"],
            "audience": info["base_url"] + "/api/v2/",
        },
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def get_worker(
    base: str, bearer: str, user: str, until: float, out: multiprocessing.Queue[tuple[int, int]]
) -> None:
    """GET one user repeatedly until ``until``; report (ok, errors)."""
    ok = errors = 0
    url = f"{base}/api/v2/users/{quote(user, safe='')}"
    with httpx.Client(headers={"authorization": f"Bearer {bearer}"}) as client:
        while time.time() < until:
            if client.get(url).status_code == 200:
                ok += 1
            else:
                errors += 1
    out.put((ok, errors))


def link_worker(
    base: str, bearer: str, index: int, until: float, out: multiprocessing.Queue[tuple[int, int]]
) -> None:
    """Link then unlink this worker's pair until ``until``; report (cycles, errors)."""
    ok = errors = 0
    primary = quote(f"auth0|bench{index:04d}", safe="")
    secondary = str(9000 + index)
    with httpx.Client(headers={"authorization": f"Bearer {bearer}"}) as client:
        while time.time() < until:
            linked = client.post(
                f"{base}/api/v2/users/{primary}/identities", json={"provider": "github", "user_id": secondary}
            )
            unlinked = client.delete(f"{base}/api/v2/users/{primary}/identities/github/{secondary}")
            if linked.status_code == 201 and unlinked.status_code == 200:
                ok += 1
            else:
                errors += 1
    out.put((ok, errors))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_phase(target: object, args_for: list[tuple[object, ...]], seconds: float) -> tuple[float, int]:
    """Run worker processes for ``seconds``; return (per second, errors)."""
    queue: multiprocessing.Queue[tuple[int, int]] = multiprocessing.Queue()
    until = time.time() + 0.5 + seconds
    procs = [multiprocessing.Process(target=target, args=(*args, until, queue)) for args in args_for]  # type: ignore[arg-type] # worker functions
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 30) for _ in procs]
    for proc in procs:
        proc.join(10)
    ok = sum(r[0] for r in results)
    return ok / seconds, sum(r[1] for r in results)


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, info = start(Path(tmp))
        # Every httpx client here (and in the worker processes) trusts the emulator's CA.
        os.environ["SSL_CERT_FILE"] = info["ca_bundle"]
        try:
            bearer = token(info)
            base = info["base_url"]
            workers = max(1, min(args.workers, PAIRS))
            cpu_before = cpu_seconds(process.pid)
            get_rate, get_errors = run_phase(
                get_worker, [(base, bearer, "auth0|bench0000")] * workers, args.seconds
            )
            server_cpu = cpu_seconds(process.pid) - cpu_before
            cycle_rate, cycle_errors = run_phase(
                link_worker, [(base, bearer, index) for index in range(workers)], args.seconds
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
            if process.stdout is not None:
                process.stdout.close()
    cores = os.cpu_count()
    print(f"emulator benchmark ({workers} client processes, {args.seconds:.0f} s per phase, {cores} cores)")
    print(f"GET /api/v2/users/{{id}}: {get_rate:,.0f} requests/s ({get_errors} errors; target >= 1,000)")
    if server_cpu > 0 and get_rate > 0:
        per_request = server_cpu / (get_rate * args.seconds)
        print(
            f"  server CPU {per_request * 1000:.2f} ms per GET: one core serves about "
            f"{1 / per_request:,.0f} GET/s when the clients run elsewhere"
        )
    print(
        f"link+unlink cycles: {cycle_rate:,.0f} cycles/s "
        f"= {2 * cycle_rate:,.0f} requests/s ({cycle_errors} errors)"
    )
    return 0 if get_errors == 0 and cycle_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
