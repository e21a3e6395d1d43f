"""Benchmark batch-link: pacing accuracy at the tenant limit, 429s, peak RSS, and the naive way.

Run: ``.venv/bin/python benchmarks/batch.py`` (about 3 minutes; needs the emulator extra).

What it measures, all in one run:

1. **Paced** — ``auth0link batch-link`` (4 workers, the pacer) against ``auth0link emulator
   --rate-limit 50/s`` on PACED_PAIRS pairs: sustained throughput as a fraction of the limit
   (the first bucket-full burst of 50 free requests is excluded) and the 429 count.
2. **Naive** — the same steps (GET secondary, GET primary, PATCH, POST link) one request at a
   time with ``Auth0Client``'s default policy (on 429, sleep until ``x-ratelimit-reset``), on
   other pairs of the same tenant, after the bucket refilled.
3. **Peak RSS** of the batch-link process (``wait4`` rusage): a real 5,000-pair run against the
   emulator at 400/s (at 50/s it would take ~7 minutes), and ``--dry-run`` over 5,000 and 50,000
   pairs (the emulator cannot hold 100,000 users in reasonable time: its user loading is
   quadratic), which streams and parses the input exactly as a real run does but sends nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402 - after the path set-up
from tests.support.emulator import RunningEmulator, start_emulator  # noqa: E402
from tests.support.tenants import write_duplicate_pairs  # noqa: E402

if TYPE_CHECKING:
    import ssl

LIMIT = 50.0
PACED_PAIRS = 400
NAIVE_PAIRS = 200
RSS_PAIRS = 5000


def write_pairs(path: Path, start: int, stop: int) -> None:
    """TSV pairs ``start..stop`` as `suggest` prints them."""
    with path.open("w", encoding="utf-8") as out:
        out.write("primary_id\tsecondary_id\temail\treason\n")
        for i in range(start, stop):
            out.write(f"auth0|db{i:020d}\tgoogle-oauth2|{i:021d}\tuser{i:06d}@example.com\tbench\n")


def env_for(emu: RunningEmulator | None, data_dir: Path) -> dict[str, str]:
    """Admin credentials in the environment; files under data_dir; no keyring."""
    env = {
        **os.environ,
        "AUTH0LINK_DATA_DIR": str(data_dir),
        "AUTH0LINK_CONFIG_DIR": str(data_dir / "config"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "AUTH0LINK_DOMAIN": emu.domain if emu else "127.0.0.1:9",  # bare host:port, as a real tenant
        "AUTH0LINK_CLIENT_ID": "bench",
    }
    if emu is not None and emu.ca_bundle:
        env["AUTH0LINK_CA_BUNDLE"] = emu.ca_bundle
    if emu is not None:
        env["AUTH0LINK_MACHINE_CLIENT_ID"] = emu.m2m_client_id
        env["AUTH0LINK_CLIENT_SECRET"] = emu.m2m_client_secret
    return env


def run_batch(args: list[str], env: dict[str, str]) -> tuple[dict[str, Any] | None, float, float]:
    """Run batch-link; return (summary, wall seconds, peak RSS in MB) via wait4."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "auth0link", "batch-link", *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    lines = [x for x in out.decode().splitlines() if x.startswith("{")]
    summary = json.loads(lines[-1]) if lines else None
    return summary, wall, usage.ru_maxrss / 1024


class Counting(httpx.HTTPTransport):
    """Counts responses and 429s (benchmark instrumentation)."""

    def __init__(self, verify: ssl.SSLContext | bool = True) -> None:
        """Start at zero; ``verify`` trusts the emulator's CA."""
        super().__init__(verify=verify)
        self.responses = 0
        self.limited = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward and count."""
        response = super().handle_request(request)
        self.responses += 1
        self.limited += response.status_code == 429
        return response


def naive(emu: RunningEmulator, start: int, stop: int) -> tuple[float, int, int]:
    """One request at a time, sleeping on 429 until reset; returns (seconds, ok requests, 429s)."""
    from auth0link.client import Auth0Client

    token = httpx.post(
        f"{emu.base_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emu.m2m_client_id,
            "client_secret": emu.m2m_client_secret,
            "audience": f"{emu.base_url}/api/v2/",
        },
        verify=emu.verify,
    ).json()["access_token"]
    transport = Counting(emu.verify)
    client = Auth0Client(emu.base_url, access_token=token, transport=transport, max_rate_limit_retries=100)
    started = time.monotonic()
    for i in range(start, stop):
        primary, secondary = f"auth0|db{i:020d}", f"google-oauth2|{i:021d}"
        s = client.get_user(secondary)
        p = client.get_user(primary)
        patch = {k: v for k, v in s.user_metadata.items() if k not in p.user_metadata}
        if patch:
            client.patch_user_metadata(primary, patch)
        client.link_identity(primary, provider="google-oauth2", user_id=f"{i:021d}")
    elapsed = time.monotonic() - started
    client.close()
    return elapsed, transport.responses - transport.limited, transport.limited


def sustained(ok_requests: int, elapsed: float) -> float:
    """Requests per second beyond the initial full bucket (the burst is free)."""
    return max(0, ok_requests - LIMIT) / elapsed


def main() -> None:
    """Run everything and print the figures."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        total = PACED_PAIRS + NAIVE_PAIRS
        write_duplicate_pairs(tmp / "users.json", total)
        write_pairs(tmp / "paced.tsv", 0, PACED_PAIRS)
        print(
            f"# batch-link benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, Python "
            f"{sys.version.split()[0]})"
        )
        tls = ("--tls-dir", str(tmp / "tls"))  # HTTPS (the default), its CA in the temporary dir
        with start_emulator(
            "--users", str(tmp / "users.json"), "--rate-limit", "50/s", *tls, timeout=120
        ) as emu:
            summary, _, rss = run_batch(
                [str(tmp / "paced.tsv"), "--workers", "4"], env_for(emu, tmp / "paced")
            )
            assert summary is not None
            assert summary["linked"] == PACED_PAIRS, summary
            ok = summary["requests"] - summary["rate_limited"]
            rate = sustained(ok, summary["elapsed"])
            print(
                f"paced : {PACED_PAIRS} pairs, {ok} requests in {summary['elapsed']:.1f} s -> "
                f"{rate:.1f} req/s sustained = {rate / LIMIT:.1%} of 50/s; "
                f"429s: {summary['rate_limited']}; peak RSS {rss:.1f} MB"
            )
            time.sleep(1.5)  # let the bucket refill: both runs start with a full bucket
            elapsed, ok, limited = naive(emu, PACED_PAIRS, total)
            rate = sustained(ok, elapsed)
            print(
                f"naive : {NAIVE_PAIRS} pairs, {ok} requests in {elapsed:.1f} s -> {rate:.1f} req/s "
                f"sustained = {rate / LIMIT:.1%} of 50/s; 429s: {limited}"
            )
        write_duplicate_pairs(tmp / "users5k.json", RSS_PAIRS)
        write_pairs(tmp / "rss5k.tsv", 0, RSS_PAIRS)
        with start_emulator(
            "--users", str(tmp / "users5k.json"), "--rate-limit", "400/s", *tls, timeout=120
        ) as emu:
            summary, wall, rss = run_batch(
                [str(tmp / "rss5k.tsv"), "--workers", "8"], env_for(emu, tmp / "r5")
            )
            assert summary is not None
            print(
                f"RSS   : real run, {summary['linked']} pairs linked at 400/s in {wall:.0f} s: "
                f"peak RSS {rss:.1f} MB ({summary['rate_limited']} 429s)"
            )
        for pairs in (RSS_PAIRS, 50_000):
            write_pairs(tmp / "dry.tsv", 0, pairs)
            summary, wall, rss = run_batch([str(tmp / "dry.tsv"), "--dry-run"], env_for(None, tmp / "dry"))
            assert summary is not None
            print(f"RSS   : --dry-run, {summary['planned']} pairs in {wall:.1f} s: peak RSS {rss:.1f} MB")


if __name__ == "__main__":
    main()
