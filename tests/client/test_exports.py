"""Users-export jobs and their download: the job calls, the location rules, streaming, redaction."""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING

import httpx
import pytest

from auth0link.client import Auth0Client, location_host
from auth0link.errors import ApiError, NetworkError, Refused
from tests.support import recorded

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BASE = "https://tenant.example.com"
LOCATION = "https://user-exports.example.net/job_abc/tenant.json.gz?Expires=99&Signature=s3cr3tsig"
JOB = recorded.export_job("job_abc")  # as a real tenant answers the POST


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> Auth0Client:
    """A client whose requests go to ``handler``."""
    return Auth0Client(
        BASE,
        access_token="at-123",
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
        **kw,  # type: ignore[arg-type]
    )


class Chunks(httpx.SyncByteStream):
    """A response body produced chunk by chunk (``events`` records each one; ``fail_after`` drops)."""

    def __init__(self, chunks: list[bytes], events: list[str], fail_after: int | None = None) -> None:
        """Serve ``chunks``; raise a ReadError after ``fail_after`` of them."""
        self.chunks = chunks
        self.events = events
        self.fail_after = fail_after

    def __iter__(self) -> Iterator[bytes]:
        """Yield the chunks, recording each."""
        for index, chunk in enumerate(self.chunks):
            if self.fail_after is not None and index == self.fail_after:
                raise httpx.ReadError("connection reset")
            self.events.append(f"sent {index}")
            yield chunk


class Recorder(io.BytesIO):
    """A file that records when each write happens, beside the stream's events."""

    def __init__(self, events: list[str]) -> None:
        """Share the event list."""
        super().__init__()
        self.events = events

    def write(self, data: object) -> int:
        """Record and write."""
        self.events.append("written")
        assert isinstance(data, bytes)
        return super().write(data)


@pytest.mark.parametrize("created_status", [200, 201])
def test_create_and_get_job(created_status: int) -> None:
    """POST jobs/users-exports (200 as a real tenant, or the reference's 201); GET parses the location."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(created_status, json=JOB, headers=recorded.JSON_HEADERS)
        return httpx.Response(200, json={**JOB, "status": "completed", "location": LOCATION})

    with client_for(handler) as client:
        job = client.create_users_export(["user_id", "email"])
        done = client.get_job(job.id)
    assert json.loads(seen[0].content) == {
        "format": "json",
        "fields": [{"name": "user_id"}, {"name": "email"}],
    }
    assert seen[0].url.path == "/api/v2/jobs/users-exports"
    assert seen[1].url.path == "/api/v2/jobs/job_abc"
    assert (job.status, done.status, done.location) == ("pending", "completed", LOCATION)
    assert "s3cr3tsig" not in repr(done)


def test_download_streams_without_the_token() -> None:
    """The file is written chunk by chunk as it arrives, with no Authorization header, progress by bytes."""
    events: list[str] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"content-length": "6"}, stream=Chunks([b"ab", b"cd", b"ef"], events)
        )

    progress: list[tuple[int, int | None]] = []
    out = Recorder(events)
    with client_for(handler, debug=True) as client:
        written = client.download(LOCATION, out, on_bytes=lambda n, total: progress.append((n, total)))
    assert (written, out.getvalue()) == (6, b"abcdef")
    assert events == ["sent 0", "written", "sent 1", "written", "sent 2", "written"]
    assert "authorization" not in seen[0].headers
    assert seen[0].url.host == "user-exports.example.net"
    assert progress == [(2, 6), (4, 6), (6, 6)]


@pytest.mark.parametrize(
    "url",
    [
        "http://user-exports.example.net/f.json.gz",
        "ftp://127.0.0.1/f.json.gz",
        "file:///etc/passwd",
        "/user-exports/job/f.json.gz",
    ],
)
def test_a_location_that_is_not_https_is_refused_before_any_request(url: str) -> None:
    """Only https (or loopback http) locations are fetched; anything else is refused, nothing sent."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with client_for(handler) as client, pytest.raises(Refused) as caught:
        client.download(url, io.BytesIO())
    assert seen == []
    assert "--from-export" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/f", "http://[::1]:9/f", "http://localhost/f", LOCATION]
)
def test_https_and_loopback_http_locations_are_allowed(url: str) -> None:
    """https to any host, and plain http to a loopback address (the emulator), may be fetched."""
    assert location_host(url)


def test_a_refused_download_names_the_host_not_the_url() -> None:
    """A 403 (an expired location) is a NetworkError naming the host, never the signature."""

    def handler(request: httpx.Request) -> httpx.Response:
        del request
        return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")

    with client_for(handler) as client, pytest.raises(NetworkError) as caught:
        client.download(LOCATION, io.BytesIO())
    assert "user-exports.example.net" in caught.value.message
    assert "HTTP 403" in caught.value.message
    assert "s3cr3tsig" not in str(caught.value)


def test_a_download_dropped_midway_is_a_network_error() -> None:
    """A connection that breaks mid-body is a NetworkError (not retried here: the location may be stale)."""
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        del request
        attempts.append(1)
        return httpx.Response(200, stream=Chunks([b"ab", b"cd"], [], fail_after=1))

    with client_for(handler) as client, pytest.raises(NetworkError, match=r"user-exports\.example\.net"):
        client.download(LOCATION, io.BytesIO())
    assert attempts == [1]


def test_a_truncated_download_is_a_network_error() -> None:
    """Fewer bytes than Content-Length announced is a NetworkError, not a silently short file."""

    def handler(request: httpx.Request) -> httpx.Response:
        del request
        return httpx.Response(200, headers={"content-length": "10"}, stream=Chunks([b"ab"], []))

    with client_for(handler) as client, pytest.raises(NetworkError, match="cut short"):
        client.download(LOCATION, io.BytesIO())


def test_debug_log_hides_the_location_signature(caplog: pytest.LogCaptureFixture) -> None:
    """--debug shows the job and the download, with the pre-signed URL's signature redacted."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "user-exports.example.net":
            return httpx.Response(200, content=b"data")
        return httpx.Response(200, json={**JOB, "status": "completed", "location": LOCATION})

    caplog.set_level(logging.DEBUG, logger="auth0link.http")
    with client_for(handler, debug=True) as client:
        client.download(client.get_job("job_abc").location or "", io.BytesIO())
    assert "user-exports.example.net" in caplog.text
    assert "s3cr3tsig" not in caplog.text


def test_paging_past_the_search_window_names_the_export_commands() -> None:
    """Auth0's invalid_paging 400 becomes an ApiError whose hint names suggest --all / --from-export."""

    def handler(request: httpx.Request) -> httpx.Response:
        del request
        body = {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "You can only page through the first 1000 records. See https://auth0.com/docs/…",
            "errorCode": "invalid_paging",
        }
        return httpx.Response(400, json=body)

    with client_for(handler) as client, pytest.raises(ApiError) as caught:
        client.search_users("email:*", page=10, per_page=100)
    assert caught.value.error_code == "invalid_paging"
    assert "first 1,000 results" in caught.value.message
    assert "suggest --all" in (caught.value.hint or "")
    assert "--from-export" in (caught.value.hint or "")
