"""The users-export job against the emulator in process: polling, pacing, the download and its failures."""

from __future__ import annotations

import gzip
import json
import stat
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from auth0link.client import Auth0Client
from auth0link.errors import ExportFailed
from auth0link.infra.export_job import DOWNLOAD_ATTEMPTS, FIELDS, ExportRun
from auth0link.infra.pacer import Pacer
from tests.support.tenant import BASE, LocalTenant
from tests.support.tenants import duplicate_pairs

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class Dropping(httpx.SyncByteStream):
    """A body that breaks after its first bytes (a connection reset mid-download)."""

    def __init__(self, head: bytes) -> None:
        """Send ``head``, then fail."""
        self.head = head

    def __iter__(self) -> Iterator[bytes]:
        """The head, then a ReadError."""
        yield self.head
        raise httpx.ReadError("connection reset by peer")


class Recording(httpx.BaseTransport):
    """Records every request (with headers and full URL) before the tenant; can break downloads."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        """Forward to ``inner``."""
        self.inner = inner
        self.seen: list[httpx.Request] = []
        self.drop_downloads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Record, forward, and break the body of the next ``drop_downloads`` downloads."""
        self.seen.append(request)
        response = self.inner.handle_request(request)
        if self.drop_downloads and request.url.path.startswith("/user-exports/"):
            self.drop_downloads -= 1
            return httpx.Response(200, stream=Dropping(response.content[:50]), request=request)
        return response

    def paths(self) -> list[str]:
        """``METHOD /path`` of each request, job and file IDs elided."""
        return [f"{r.method} {r.url.path.split('/job_')[0]}" for r in self.seen]

    def downloads(self) -> list[httpx.Request]:
        """The requests for the location."""
        return [r for r in self.seen if r.url.path.startswith("/user-exports/")]


@pytest.fixture
def tenant() -> Iterator[LocalTenant]:
    """An emulator tenant of three duplicate pairs."""
    made = LocalTenant(users=duplicate_pairs(3))
    yield made
    made.close()


def run_for(tenant: LocalTenant, **kw: Any) -> tuple[ExportRun, Recording, list[float]]:
    """An ExportRun whose sleeps move the tenant clock (jobs follow it) instead of waiting."""
    recording = Recording(tenant.transport)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        assert tenant.emulator.tenant.exports.wait(30)  # the worker's file is written: no race
        tenant.emulator.tenant.clock.advance(seconds)

    client = Auth0Client(BASE, access_token=tenant.m2m_token(), transport=recording, max_rate_limit_retries=0)
    return ExportRun(client, Pacer(), sleep=sleep, **kw), recording, slept


def lines(path: Path) -> list[dict[str, Any]]:
    """The users of a gzipped NDJSON export."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_fetch_polls_with_backoff_and_downloads_a_private_file(tenant: LocalTenant, tmp_path: Path) -> None:
    """POST, GET with doubling waits until completed, then the location streamed into a 0600 file."""
    events: list[tuple[str, int, int | None, str]] = []
    run, recording, slept = run_for(tenant, on_progress=lambda *event: events.append(event))
    job = run.fetch(tmp_path / "users.json.gz")
    users = lines(tmp_path / "users.json.gz")
    assert job.status == "completed"
    assert len(users) == 6
    assert {key for user in users for key in user} == set(FIELDS)
    assert stat.S_IMODE((tmp_path / "users.json.gz").stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [tmp_path / "users.json.gz"]  # no .part left
    assert slept == [1.0, 2.0]
    assert recording.paths() == [
        "POST /api/v2/jobs/users-exports",
        "GET /api/v2/jobs",
        "GET /api/v2/jobs",
        "GET /user-exports",
    ]
    (download,) = recording.downloads()
    assert "authorization" not in download.headers
    assert download.url.host == "tenant.test"
    phases = [event[0] for event in events]
    assert phases[:3] == ["export job", "export job", "export job"]
    assert phases[-1] == "download"
    assert events[2][1:3] == (100, 100)


def test_a_failed_job_is_export_failed(
    tenant: LocalTenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job the tenant could not write ends as ExportFailed (exit 5) with Auth0's reason and the fix."""

    def full_disk(*args: Any, **kwargs: Any) -> bool:
        del args, kwargs
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("auth0link.emulator.mgmt.export_jobs.write_export", full_disk)
    run, _, _ = run_for(tenant)
    with pytest.raises(ExportFailed) as caught:
        run.fetch(tmp_path / "users.json.gz")
    assert "failed: The export could not be written (No space left on device)" in caught.value.message
    assert "--from-export" in (caught.value.hint or "")
    assert list(tmp_path.iterdir()) == []


def test_an_expired_job_is_export_failed(tenant: LocalTenant, tmp_path: Path) -> None:
    """A job past its 24 hours is expired: ExportFailed saying to run again, no file."""
    run, _, _ = run_for(tenant)

    def a_day_later(seconds: float) -> None:
        del seconds
        tenant.emulator.tenant.clock.advance(25 * 3600)
        run.client.access_token = tenant.m2m_token()  # the first token expired meanwhile

    run.sleep = a_day_later
    with pytest.raises(ExportFailed, match="expired before its file was downloaded"):
        run.fetch(tmp_path / "users.json.gz")
    assert list(tmp_path.iterdir()) == []


def test_a_refused_location_is_replaced_not_retried(tenant: LocalTenant, tmp_path: Path) -> None:
    """A 403 on the location (expired URL): the job is read again and its fresh location downloaded."""
    tenant.faults.fail("GET", "/user-exports/*", "403")
    run, recording, _ = run_for(tenant)
    run.fetch(tmp_path / "users.json.gz")
    assert recording.paths()[-4:] == [
        "GET /api/v2/jobs",
        "GET /user-exports",
        "GET /api/v2/jobs",
        "GET /user-exports",
    ]
    first, second = recording.downloads()
    assert first.url != second.url  # a fresh location, not the stale one again
    assert len(lines(tmp_path / "users.json.gz")) == 6


def test_a_dropped_download_starts_over_from_a_fresh_location(tenant: LocalTenant, tmp_path: Path) -> None:
    """A download cut mid-body is thrown away; the file is the whole export once, not part + whole."""
    run, recording, _ = run_for(tenant)
    recording.drop_downloads = 1
    run.fetch(tmp_path / "users.json.gz")
    assert len(recording.downloads()) == 2
    assert recording.paths()[-2:] == ["GET /api/v2/jobs", "GET /user-exports"]
    assert len(lines(tmp_path / "users.json.gz")) == 6


def test_a_download_that_keeps_failing_is_export_failed(tenant: LocalTenant, tmp_path: Path) -> None:
    """After DOWNLOAD_ATTEMPTS broken downloads (each with a fresh location): ExportFailed, no file left."""
    tenant.faults.fail("GET", "/user-exports/*", "unsent", count=DOWNLOAD_ATTEMPTS)
    run, recording, _ = run_for(tenant)
    with pytest.raises(ExportFailed) as caught:
        run.fetch(tmp_path / "users.json.gz")
    assert f"({DOWNLOAD_ATTEMPTS} tries, each with a fresh location)" in caught.value.message
    assert "tenant.test" in caught.value.message
    assert "Signature" not in str(caught.value)
    assert len(recording.downloads()) == DOWNLOAD_ATTEMPTS
    assert list(tmp_path.iterdir()) == []


def test_a_429_on_the_job_waits_for_the_bucket_and_polls_again(tenant: LocalTenant, tmp_path: Path) -> None:
    """A 429 while polling goes through the pacer (counted, waited out) and the poll is sent again."""
    tenant.faults.fail("GET", "/api/v2/jobs/*", "429")
    run, recording, _ = run_for(tenant)
    run.fetch(tmp_path / "users.json.gz")
    assert run.pacer.limited == 1
    assert recording.paths().count("GET /api/v2/jobs") == 3  # the refused poll, sent again, then done
    assert len(lines(tmp_path / "users.json.gz")) == 6
