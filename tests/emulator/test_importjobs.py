"""Users-import jobs: multipart POST, job status and summary, errors, upsert, limits, scopes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from auth0link.emulator.state import demo
from tests.emulator.conftest import ALICE_ENC

if TYPE_CHECKING:
    import httpx

    from tests.emulator.conftest import Ctx

DB_ID = "con_Emu1atorDatabase"


def post_import(ctx: Ctx, users: Any, token: str | None = None, **fields: str) -> httpx.Response:
    """POST /jobs/users-imports as the Node SDK sends it (multipart, the file part named users)."""
    content = users if isinstance(users, bytes) else json.dumps(users).encode()
    data = {"connection_id": DB_ID, **fields}
    return ctx.api(
        "POST",
        "/jobs/users-imports",
        token or ctx.m2m_token(),
        files={"users": ("users.json", content, "application/json")},
        data=data,
    )


def test_import_inserts_users_and_completes_with_a_summary(ctx: Ctx) -> None:
    """202 pending users_import; a second later completed with {inserted, total}; the user exists."""
    users = [
        {
            "email": "carol@example.com",
            "email_verified": True,
            "given_name": "Carol",
            "user_metadata": {"plan": "pro"},
            "password_hash": "$2b$10$" + "a" * 53,
        }
    ]
    reply = post_import(ctx, users, external_id="rehearsal-1", send_completion_email="false")
    assert reply.status_code == 202, reply.text
    job = reply.json()
    assert (job["type"], job["status"], job["connection"], job["external_id"]) == (
        "users_import",
        "pending",
        demo.DATABASE,
        "rehearsal-1",
    )
    assert job["id"].startswith("job_")
    ctx.advance(1.5)
    done = ctx.api("GET", f"/jobs/{job['id']}", ctx.m2m_token()).json()
    assert done["status"] == "completed"
    assert done["summary"] == {"failed": 0, "updated": 0, "inserted": 1, "total": 1}
    [carol] = ctx.api("GET", "/users-by-email?email=carol@example.com", ctx.m2m_token()).json()
    assert (carol["given_name"], carol["user_metadata"]) == ("Carol", {"plan": "pro"})
    assert ctx.api("GET", f"/jobs/{job['id']}/errors", ctx.m2m_token()).status_code == 204


def test_duplicates_fail_without_upsert_and_update_with_it(ctx: Ctx) -> None:
    """An existing email: DUPLICATED_USER in /errors; with upsert=true the user is updated."""
    alice = [{"email": "alice@example.com", "user_metadata": {"theme": "dark"}}]
    job = post_import(ctx, alice).json()
    ctx.advance(1.5)
    assert ctx.api("GET", f"/jobs/{job['id']}", ctx.m2m_token()).json()["summary"]["failed"] == 1
    [failure] = ctx.api("GET", f"/jobs/{job['id']}/errors", ctx.m2m_token()).json()
    assert failure["user"] == alice[0]
    assert failure["errors"][0]["code"] == "DUPLICATED_USER"
    updated = post_import(ctx, alice, upsert="true").json()
    ctx.advance(1.5)
    assert ctx.api("GET", f"/jobs/{updated['id']}", ctx.m2m_token()).json()["summary"]["updated"] == 1
    assert ctx.api("GET", f"/users/{ALICE_ENC}", ctx.m2m_token()).json()["user_metadata"]["theme"] == "dark"


def test_a_record_outside_the_schema_fails_alone(ctx: Ctx) -> None:
    """One bad record is INVALID_FORMAT; the good one is inserted."""
    job = post_import(
        ctx, [{"email": "dan@example.com"}, {"email": "eve@example.com", "shoe_size": 9}]
    ).json()
    ctx.advance(1.5)
    assert ctx.api("GET", f"/jobs/{job['id']}", ctx.m2m_token()).json()["summary"] == {
        "failed": 1,
        "updated": 0,
        "inserted": 1,
        "total": 2,
    }
    [failure] = ctx.api("GET", f"/jobs/{job['id']}/errors", ctx.m2m_token()).json()
    assert failure["errors"][0]["code"] == "INVALID_FORMAT"


def test_bad_requests_limits_and_scope(ctx: Ctx) -> None:
    """No file or connection: 400; not JSON: 400; over 500 KB: 413; a social connection: 400; no create:users: 403."""
    assert post_import(ctx, b"not json").status_code == 400
    too_big = post_import(ctx, [{"email": f"u{i}@example.com", "name": "x" * 100} for i in range(5000)])
    assert (too_big.status_code, too_big.json()["message"]) == (
        413,
        "Payload content length greater than maximum allowed: 512000",
    )
    assert post_import(ctx, [], connection_id="con_Emu1atorGoogle00").status_code == 400
    assert post_import(ctx, [], connection_id="con_nope000000000000").status_code == 404
    no_file = ctx.api("POST", "/jobs/users-imports", ctx.m2m_token(), files={"x": ("a", b"[]")}, data={})
    assert no_file.status_code == 400
    forbidden = post_import(ctx, [], token=ctx.m2m_token("read:users"))
    assert forbidden.json()["message"] == "Insufficient scope, expected any of: create:users"


def test_completion_email_goes_to_the_outbox(ctx: Ctx) -> None:
    """send_completion_email (default true): a completion message for the tenant owners."""
    post_import(ctx, [{"email": "fay@example.com"}])
    [message] = ctx.client.get("/__emulator/outbox", params={"to": "tenant-owners"}).json()["messages"]
    assert "Import user job" in message["text"]
