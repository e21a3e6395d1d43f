"""Users-export jobs: the job object, pending → processing → completed, the location, its expiry."""

from __future__ import annotations

import gzip
import json
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from auth0link.emulator.mgmt.downloads import ACCESS_DENIED
from auth0link.emulator.mgmt.export_file import DEFAULT_FIELDS
from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE
from tests.emulator.test_mgmtapi import error_of
from tests.support.demo_ids import ALICE, GITHUB, GOOGLE
from tests.support.emulator import start_emulator
from tests.support.tenants import write_users_export

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.emulator.conftest import Ctx
    from tests.support.emulator import RunningEmulator

LOCATION = re.compile(
    re.escape(BASE)
    + r"/user-exports/(job_[A-Za-z0-9]{16})/emulator\.(json|csv)\.gz\?Expires=(\d+)&Signature=\w+"
)


def create(ctx: Ctx, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    """POST /api/v2/jobs/users-exports."""
    return ctx.api("POST", "/jobs/users-exports", token or ctx.m2m_token(), json=body)


def job(ctx: Ctx, job_id: str) -> dict[str, Any]:
    """GET /api/v2/jobs/{id} (200 expected)."""
    reply = ctx.api("GET", f"/jobs/{job_id}", ctx.m2m_token())
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def completed(ctx: Ctx, job_id: str) -> dict[str, Any]:
    """Let the worker finish and the clock pass the job's minimum; the completed job."""
    assert ctx.tenant.exports.wait(30)
    ctx.advance(2)
    body = job(ctx, job_id)
    assert body["status"] == "completed", body
    return body


def download(ctx: Ctx, location: str) -> httpx.Response:
    """GET the location (no token: it is a pre-signed URL)."""
    parts = urlsplit(location)
    return ctx.client.get(f"{parts.path}?{parts.query}")


def lines(reply: httpx.Response) -> list[str]:
    """The lines of a downloaded gzipped export."""
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/gzip"
    return gzip.decompress(reply.content).decode().splitlines()


def test_a_job_goes_pending_then_processing_then_completed(ctx: Ctx) -> None:
    """POST answers Auth0's job (200, pending); GETs follow the clock and the work to a location."""
    reply = create(ctx, {"format": "json"})
    # 200 and this content type, as a real tenant (auth0/go-auth0 TestJobManager_ExportUsers.yaml).
    assert (reply.status_code, reply.headers["content-type"]) == (200, "application/json; charset=utf-8")
    created = reply.json()
    assert list(created) == ["type", "status", "format", "fields", "created_at", "id"]
    assert (created["type"], created["status"], created["format"]) == ("users_export", "pending", "json")
    assert re.fullmatch(r"job_[A-Za-z0-9]{16}", created["id"])
    assert created["created_at"] == "2027-01-15T08:00:00.000Z"
    assert [f["name"] for f in created["fields"]] == list(DEFAULT_FIELDS)
    assert job(ctx, created["id"]) == created
    ctx.advance(1)
    processing = job(ctx, created["id"])
    assert processing["status"] == "processing"
    assert 0 <= processing["percentage_done"] <= 99
    assert processing["time_left_seconds"] >= 1
    assert "location" not in processing
    done = completed(ctx, created["id"])
    match = LOCATION.fullmatch(done["location"])
    assert match is not None
    assert (match[1], match[2], int(match[3])) == (created["id"], "json", int(ctx.clock[0]) + 60)
    exported = [json.loads(line) for line in lines(download(ctx, done["location"]))]
    assert [u["user_id"] for u in exported] == [u["user_id"] for u in demo.DEMO_USERS]
    alice = exported[0]
    shown = ["user_id", "email", "email_verified", "name", "nickname", "picture", "created_at", "updated_at"]
    assert list(alice) == shown  # no given/family name, last_login or logins_count: alice has none
    assert "identities" not in alice
    assert "user_metadata" not in alice


def test_fields_export_as_identities_and_metadata_when_asked(ctx: Ctx) -> None:
    """json: named roots come whole, paths reach inside, export_as renames, missing keys are left out."""
    fields = [
        {"name": "user_id"},
        {"name": "identities"},
        {"name": "user_metadata"},
        {"name": "app_metadata.plan"},
        {"name": "identities[0].connection", "export_as": "connection"},
        {"name": "identities[1].provider", "export_as": "second"},
    ]
    ctx.tenant.users.link(ALICE, "google-oauth2", GOOGLE.split("|")[1])
    created = create(ctx, {"format": "json", "fields": fields}).json()
    assert created["fields"] == fields
    exported = [json.loads(line) for line in lines(download(ctx, completed(ctx, created["id"])["location"]))]
    alice = exported[0]
    assert [i["provider"] for i in alice["identities"]] == ["auth0", "google-oauth2"]
    assert alice["identities"][1]["profileData"]["email"] == "alice@example.com"
    assert (alice["user_metadata"], alice["app_metadata.plan"]) == (
        {"theme": "light", "newsletter": True},
        "pro",
    )
    assert (alice["connection"], alice["second"]) == ("Username-Password-Authentication", "google-oauth2")
    github = next(u for u in exported if u["user_id"] == GITHUB)
    assert set(github) == {"user_id", "identities", "connection"}


def test_csv_escapes_strings_as_auth0_does(ctx: Ctx) -> None:
    """csv: header of export_as/names; strings '-prefixed and quoted, inner quotes doubled; dates bare."""
    ctx.tenant.users.patch(ctx.tenant.users[GITHUB], {"name": 'Al "Ace", =1+1'})
    fields = [
        {"name": "user_id", "export_as": "id"},
        {"name": "name"},
        {"name": "email_verified"},
        {"name": "logins_count"},
        {"name": "created_at"},
        {"name": "user_metadata.theme"},
    ]
    created = create(ctx, {"format": "csv", "fields": fields, "limit": 3}).json()
    rows = lines(download(ctx, completed(ctx, created["id"])["location"]))
    assert rows[0] == "id,name,email_verified,logins_count,created_at,user_metadata.theme"
    assert len(rows) == 4
    assert (
        rows[1]
        == '''"'auth0|65f0a11ce0000000000000a1","'Alice Example",true,,2027-01-15T08:00:00.000Z,"'light"'''
    )
    assert rows[3] == """"'github|4242424","'Al ""Ace"", =1+1",false,,2027-01-15T08:00:00.000Z,"""


def test_connection_id_and_limit_select_the_users(ctx: Ctx) -> None:
    """connection_id exports that connection's users (echoed with its name); limit caps the count."""
    created = create(ctx, {"connection_id": "con_Emu1atorDatabase", "limit": 1}).json()
    assert (created["connection_id"], created["connection"], created["limit"]) == (
        "con_Emu1atorDatabase",
        "Username-Password-Authentication",
        1,
    )
    assert list(created)[:5] == ["type", "status", "connection_id", "format", "limit"]
    exported = lines(download(ctx, completed(ctx, created["id"])["location"]))
    assert [json.loads(line)["user_id"] for line in exported] == [ALICE]
    everyone = create(ctx, {"connection_id": "con_Emu1atorDatabase"}).json()
    assert len(lines(download(ctx, completed(ctx, everyone["id"])["location"]))) == 2


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (
            {"format": "xml"},
            400,
            "invalid_body",
            """Payload validation error: 'No enum match for: "xml"' on property format.""",
        ),
        (
            {"limit": 0},
            400,
            "invalid_body",
            "Payload validation error: 'Value 0 is less than minimum 1' on property limit.",
        ),
        (
            {"limit": "5"},
            400,
            "invalid_body",
            "Payload validation error: 'Expected type integer but found type string' on property limit.",
        ),
        (
            {"fields": {"name": "email"}},
            400,
            "invalid_body",
            "Payload validation error: 'Expected type array but found type object' on property fields.",
        ),
        (
            {"fields": [{"export_as": "x"}]},
            400,
            "invalid_body",
            "Payload validation error: 'Missing required property: name' on property fields[0].",
        ),
        (
            {"fields": [{"name": "email", "as": "x"}]},
            400,
            "invalid_body",
            "Payload validation error: 'Additional properties not allowed: as' on property fields[0].",
        ),
        (
            {"fields": [{"name": "a..b"}]},
            400,
            "invalid_body",
            "Payload validation error: 'Invalid field name: a..b' on property fields.",
        ),
        (
            {"format": "csv", "fields": [{"name": f"f{i}"} for i in range(31)]},
            400,
            "invalid_body",
            "Payload validation error: 'Array is too long (31), maximum 30' on property fields.",
        ),
        (
            {"format": "csv", "fields": [{"name": "app_metadata"}]},
            400,
            "invalid_body",
            "Payload validation error: 'app_metadata cannot be exported whole in CSV: name its fields (app_metadata.FIELD) or use json' on property fields.",
        ),
        (
            {"connection_id": "Username-Password-Authentication"},
            400,
            "invalid_body",
            "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$: Username-Password-Authentication' on property connection_id.",
        ),
        (
            {"connection_id": "con_0000000000000001"},
            404,
            "inexistent_connection",
            "The connection does not exist.",
        ),
        (
            {"users": []},
            400,
            "invalid_body",
            "Payload validation error: 'Additional properties not allowed: users'.",
        ),
    ],
)
def test_bad_job_bodies_are_refused_like_auth0(
    ctx: Ctx, body: dict[str, Any], status: int, code: str, message: str
) -> None:
    """Enum, minimum, types, field items, the CSV limits and unknown connections: Auth0's error bodies."""
    assert error_of(create(ctx, body)) == (status, code, message)


def test_jobs_need_their_scopes_and_unknown_jobs_are_404(ctx: Ctx) -> None:
    """A user token cannot export or read a job; an unknown job is 404 inexistent_job."""
    user = ctx.login()["access_token"]
    assert error_of(create(ctx, {}, user)) == (
        403,
        "insufficient_scope",
        "Insufficient scope, expected any of: read:users",
    )
    created = create(ctx, {}).json()
    assert error_of(ctx.api("GET", f"/jobs/{created['id']}", user)) == (
        403,
        "insufficient_scope",
        "Insufficient scope, expected any of: create:users,read:users,create:passwords_checking_job",
    )
    assert error_of(ctx.api("GET", "/jobs/job_0000000000000000", ctx.m2m_token())) == (
        404,
        "inexistent_job",
        "The job does not exist.",
    )
    assert ctx.api("POST", "/jobs/users-exports", None, json={}).status_code == 401


def test_the_location_lasts_60_seconds_and_each_get_mints_a_new_one(ctx: Ctx) -> None:
    """Past 60 s (or with a wrong signature) the URL is 403 AccessDenied; the next GET gives a fresh one."""
    created = create(ctx, {}).json()
    first = completed(ctx, created["id"])["location"]
    assert download(ctx, first).status_code == 200
    ctx.advance(61)
    stale = download(ctx, first)
    assert (stale.status_code, stale.text) == (403, ACCESS_DENIED)
    fresh = job(ctx, created["id"])["location"]
    assert fresh != first
    assert len(lines(download(ctx, fresh))) == len(demo.DEMO_USERS)
    signature = fresh.split("Signature=")[1][:1]
    flipped = "1" if signature == "0" else "0"  # a different first character, whatever it was
    tampered = fresh.replace(f"Signature={signature}", f"Signature={flipped}")
    assert tampered != fresh
    assert download(ctx, tampered).status_code == 403
    assert download(ctx, fresh.replace("emulator.json.gz", "emulator.csv.gz")).status_code == 403


def test_after_24_hours_the_job_is_expired_and_its_file_gone(ctx: Ctx) -> None:
    """24 h after creation: status expired, no location, the old URL refused, the file deleted."""
    created = create(ctx, {}).json()
    location = completed(ctx, created["id"])["location"]
    path = ctx.tenant.exports._jobs[created["id"]].path
    assert path.exists()
    ctx.advance(24 * 3600)
    expired = job(ctx, created["id"])
    assert expired["status"] == "expired"
    assert "location" not in expired
    assert not path.exists()
    assert download(ctx, location).status_code == 403


def test_jobs_count_against_the_rate_limit_but_downloads_do_not(make_ctx: Callable[..., Ctx]) -> None:
    """POST and GET /jobs take tokens (429 past the burst); the location is served past the limit."""
    local = make_ctx(rate_limit=(0.001, 3))
    token = local.m2m_token()
    created = create(local, {}, token).json()
    assert local.tenant.exports.wait(30)
    local.advance(2)
    reply = local.api("GET", f"/jobs/{created['id']}", token)
    assert reply.headers["x-ratelimit-remaining"] == "1"
    location = reply.json()["location"]
    assert local.api("GET", f"/jobs/{created['id']}", token).status_code == 200
    limited = local.api("GET", f"/jobs/{created['id']}", token)
    assert error_of(limited) == (429, "too_many_requests", "Global limit has been reached")
    assert all(download(local, location).status_code == 200 for _ in range(3))


def test_reset_forgets_jobs_and_close_removes_the_folder(ctx: Ctx) -> None:
    """/__emulator/reset drops every job and its file; closing the tenant deletes the folder."""
    created = create(ctx, {}).json()
    assert ctx.tenant.exports.wait(30)
    path = ctx.tenant.exports._jobs[created["id"]].path
    assert path.exists()
    assert ctx.client.post("/__emulator/reset").status_code == 204
    assert error_of(ctx.api("GET", f"/jobs/{created['id']}", ctx.m2m_token()))[1] == "inexistent_job"
    assert not path.exists()
    ctx.tenant.close()
    assert not path.parent.exists()


def test_the_export_holds_the_users_of_the_moment_it_was_created(ctx: Ctx) -> None:
    """Users created after the POST are not in the file; a user deleted meanwhile still is (as it was)."""
    created = create(ctx, {"fields": [{"name": "user_id"}]}).json()
    ctx.tenant.users.add({"user_id": "github|999", "email": "late@example.com"})
    exported = [
        json.loads(line)["user_id"]
        for line in lines(download(ctx, completed(ctx, created["id"])["location"]))
    ]
    assert exported == [u["user_id"] for u in demo.DEMO_USERS]


def _poll_completed(emu: RunningEmulator, job_id: str, token: str) -> dict[str, Any]:
    """Poll GET /jobs/{id} as a client does (a few times a second) until completed."""
    statuses: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reply = httpx.get(
            f"{emu.base_url}/api/v2/jobs/{job_id}",
            headers={"authorization": f"Bearer {token}"},
            verify=emu.verify,
        )
        body: dict[str, Any] = reply.json()
        statuses.append(body["status"])
        if body["status"] == "completed":
            assert statuses[0] == "pending"
            return body
        time.sleep(0.2)
    raise AssertionError(f"the job did not complete: {statuses}")


@pytest.mark.e2e
def test_a_real_emulator_exports_a_loaded_export_that_another_one_loads(tmp_path: Path) -> None:
    """Subprocess: load an export, hit the search window, export over HTTP, load the file in a second one."""
    write_users_export(tmp_path / "tenant.json.gz", 1000)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with start_emulator("--users", str(tmp_path / "tenant.json.gz"), env={"TMPDIR": str(scratch)}) as emu:
        token = emu.m2m_token()
        auth = {"authorization": f"Bearer {token}"}
        capped = httpx.get(
            f"{emu.base_url}/api/v2/users",
            params={"page": "10", "per_page": "100"},
            headers=auth,
            verify=emu.verify,
        )
        assert (capped.status_code, capped.json()["errorCode"]) == (400, "invalid_paging")
        fields = [{"name": "user_id"}, {"name": "email"}, {"name": "email_verified"}, {"name": "identities"}]
        created = httpx.post(
            f"{emu.base_url}/api/v2/jobs/users-exports",
            json={"fields": fields},
            headers=auth,
            verify=emu.verify,
        )
        assert created.status_code == 200
        done = _poll_completed(emu, created.json()["id"], token)
        downloaded = httpx.get(done["location"], verify=emu.verify)
        assert downloaded.status_code == 200
        (tmp_path / "copy.json.gz").write_bytes(downloaded.content)
        assert len(gzip.decompress(downloaded.content).splitlines()) == 2000
        assert list(scratch.iterdir()) != []
    assert list(scratch.iterdir()) == []  # the export folder went with the emulator
    with start_emulator("--users", str(tmp_path / "copy.json.gz")) as copy:
        users = copy.users
        assert len(users) == 2000
        assert users[1] == {
            "user_id": "google-oauth2|000000000000000000000",
            "email": "user000000@example.com",
            "connection": "google-oauth2",
            "email_verified": True,
        }
