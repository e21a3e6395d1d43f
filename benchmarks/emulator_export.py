"""Emulator at admin scale: loading a 100,000-user export, and a users-export job of 100,000 users.

Run: ``.venv/bin/python benchmarks/emulator_export.py [--users 100000]`` (about half a minute).

What it prints:

1. **Loading** — a generated users export (NDJSON, gzipped, as Auth0's ``location`` serves it:
   user_id, email, email_verified, name, created_at, identities, user_metadata) is loaded in
   process (``--users`` reading and the directory, timed alone), then by a real emulator
   (``python -m auth0link.emulator --users FILE``): time from the start to its JSON line.
2. **Export job** — against that emulator, over real HTTPS (its CA in a temporary folder):
   ``POST /api/v2/jobs/users-exports`` (json, the fields ``suggest`` needs),
   ``GET /api/v2/jobs/{id}`` every 0.25 s until ``completed``, then the download of the
   ``location``: time from the POST to the end of the download, the gzipped file's size and
   line count, and the emulator's peak RSS (``VmHWM``) before and after. The job is never
   completed before 2 s on the tenant clock (the emulator's pending/processing floor), which is
   part of the time reported.

Figures only; nothing is asserted. Linux (``/proc``) for the RSS figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402 - after the path set-up
from tests.support.rss import vm_hwm_mb  # noqa: E402
from tests.support.tenants import write_users_export  # noqa: E402

from auth0link.emulator.mgmt.export_file import parse_fields, write_export  # noqa: E402
from auth0link.emulator.state.persistence import build_tenant, read_users_file  # noqa: E402

FIELDS = [{"name": "user_id"}, {"name": "email"}, {"name": "email_verified"}, {"name": "identities"}]


def start(users: Path, tls_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str], float]:
    """Start the emulator (HTTPS, its CA in ``tls_dir``) on ``users``: process, JSON line, start time."""
    started = time.perf_counter()
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
            str(users),
            "--tls-dir",
            str(tls_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    info: dict[str, str] = json.loads(process.stdout.readline())
    return process, info, time.perf_counter() - started


def trust(info: dict[str, str]) -> ssl.SSLContext:
    """An SSL context trusting the emulator's CA (from its JSON line)."""
    return ssl.create_default_context(cafile=info["ca_bundle"])


def token(info: dict[str, str]) -> str:
    """An M2M Management API token."""
    reply = httpx.post(
        info["base_url"] + "/oauth/token",
        verify=trust(info),
        json={
            "grant_type": "client_credentials",
            "client_id": info["m2m_client_id"],
            "client_secret": info["m2m_client_secret"],
            "audience": info["base_url"] + "/api/v2/",
        },
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def export(info: dict[str, str], bearer: str, out: Path) -> tuple[float, int]:
    """POST a job, poll it, download the file to ``out``; (seconds, GETs of the job)."""
    headers = {"authorization": f"Bearer {bearer}"}
    base = info["base_url"]
    with httpx.Client(headers=headers, timeout=60, verify=trust(info)) as client:
        started = time.perf_counter()
        job = client.post(f"{base}/api/v2/jobs/users-exports", json={"format": "json", "fields": FIELDS})
        job.raise_for_status()
        polls = 0
        while True:
            polls += 1
            body = client.get(f"{base}/api/v2/jobs/{job.json()['id']}").json()
            if body["status"] == "completed":
                break
            time.sleep(0.25)
        with httpx.stream("GET", body["location"], verify=trust(info)) as reply, out.open("wb") as file:
            for chunk in reply.iter_bytes():
                file.write(chunk)
        return time.perf_counter() - started, polls


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=100_000, help="users in the tenant (even)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "tenant.json.gz"
        write_users_export(source, args.users // 2)
        source_mb = source.stat().st_size / 1e6
        began = time.perf_counter()
        tenant = build_tenant("http://127.0.0.1:1", users=read_users_file(source))
        loaded, count = time.perf_counter() - began, len(tenant.users)
        began = time.perf_counter()
        write_export(
            Path(tmp) / "alone.json.gz",
            list(tenant.users.values()),
            parse_fields(FIELDS, "json"),
            "json",
            progress=lambda _done: None,
            cancelled=threading.Event(),
        )
        written = time.perf_counter() - began
        del tenant
        process, info, startup = start(source, Path(tmp) / "tls")
        try:
            before = vm_hwm_mb(process.pid)
            seconds, polls = export(info, token(info), Path(tmp) / "export.json.gz")
            peak = vm_hwm_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            if process.stdout is not None:
                process.stdout.close()
        size = (Path(tmp) / "export.json.gz").stat().st_size
        with gzip.open(Path(tmp) / "export.json.gz", "rt", encoding="utf-8") as lines:
            exported = sum(1 for _ in lines)
    print(f"emulator at admin scale ({count:,} users)")
    print(f"load a users export ({source_mb:.1f} MB gzipped NDJSON):")
    print(f"  in process: {loaded:.1f} s ({count / loaded:,.0f} users/s)")
    print(f"  emulator start to its JSON line: {startup:.1f} s; peak RSS {before:.0f} MB")
    print(f"export job of {exported:,} users (json, {len(FIELDS)} fields)")
    print(f"  the file alone, in process: {written:.1f} s ({count / written:,.0f} users/s)")
    print(f"  POST to downloaded (2 s floor included): {seconds:.1f} s")
    print(f"  {polls} GETs of the job; file {size / 1e6:.1f} MB gzipped; emulator peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
