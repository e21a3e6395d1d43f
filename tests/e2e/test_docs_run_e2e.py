"""The docs' shell recipes run as written: the README quick start, the rehearsal, the CI recipe.

A Markdown page marks a block ``<!-- docs-test: run -->`` (run it) or ``<!-- docs-test: serve -->``
(a terminal that serves the emulator until the end). A page's marked blocks become one bash
script (``set -euo pipefail``), run in a fresh folder with a fresh HOME, as a new user would type
them, with only these differences, each what a person does by hand:

* a ``serve`` block and a line ``auth0link emulator … &`` run in the background, and the script
  waits until the port answers (a person waits for the ``export`` lines);
* port 8080 becomes a free port (tests run side by side);
* ``$BROWSER`` is the scripted user (``python -m auth0link.emulator.testing.agent``) signing in as Alice,
  and there is no OS keyring (``AUTH0LINK_STORAGE=file``);
* the README's quick start runs on a terminal (a pseudo-terminal), where the test answers ``y``
  to each ``[y/N]`` question, as the person trying it would;
* for the rehearsal, ``tenant-users.json.gz`` (a users export with duplicate accounts) is there,
  as step 1 leaves it.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKED = re.compile(r"<!-- docs-test: (run|serve) -->\n```sh\n(.*?)```", re.DOTALL)
WAIT = """wait_port() {
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "docs-test: nothing listens on port $1" >&2; return 1
}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
"""

pytestmark = [pytest.mark.e2e, pytest.mark.callback_ports]  # the quick start logs in on 8484-8486


def script_of(page: Path, port: int) -> str:
    """The page's marked blocks as one bash script (the rules in the module docstring)."""
    parts = ["set -euo pipefail", WAIT]
    blocks = MARKED.findall(page.read_text(encoding="utf-8"))
    assert blocks, f"{page.name} has no docs-test block"
    for kind, body in blocks:
        if kind == "serve":
            parts.append(f"{body.strip()} > serve.out 2> serve.err &\nwait_port 8080\n")
            continue
        for line in body.splitlines():
            parts.append(line)
            if re.match(r"^auth0link emulator\b.*&\s*(#.*)?$", line):
                parts.append("wait_port 8080")
    return "\n".join(parts).replace("8080", str(port)) + "\n"


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_on_a_terminal(argv: list[str], folder: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """``argv`` on a pseudo-terminal, answering ``y`` to each ``[y/N]``; (exit code, what it showed)."""
    import pty

    main, child = pty.openpty()
    process = subprocess.Popen(argv, cwd=folder, env=env, stdin=child, stdout=child, stderr=child)
    os.close(child)
    shown, answered = b"", 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal closed: every process on it has exited
                    break
                shown += chunk
                if shown.count(b"[y/N]") > answered:
                    answered += 1
                    os.write(main, b"y\r")
            elif process.poll() is not None:
                break
    finally:
        os.close(main)
        if process.poll() is None:
            process.kill()
    return process.wait(), shown.decode(errors="replace").replace("\r\n", "\n")


def page_env(folder: Path) -> dict[str, str]:
    """The environment of a new user's shell: a fresh HOME, the venv's auth0link on PATH, no keyring."""
    home = folder / "home"
    home.mkdir()
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "HOME": str(home),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "AUTH0LINK_STORAGE": "file",
            "BROWSER": f"{sys.executable} -m auth0link.emulator.testing.agent %s",
            "AUTH0LINK_AGENT_EMAIL": "alice@example.com",
            "AUTH0LINK_AGENT_PASSWORD": "correct-horse-alice",
            "COLUMNS": "200",
        }
    )
    return env


def run_page(page: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the page's script in ``folder`` with a fresh HOME; (exit code, stdout, stderr)."""
    env = page_env(folder)
    script = folder / "recipe.sh"
    script.write_text(script_of(page, free_port()), encoding="utf-8")
    return subprocess.run(
        ["bash", str(script)],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_the_readme_quick_start_runs_as_written(tmp_path: Path) -> None:
    """README quick start on a terminal: emulator &, exports, login, link Google, identities, unlink, kill."""
    script = tmp_path / "recipe.sh"
    script.write_text(script_of(ROOT / "README.md", free_port()), encoding="utf-8")
    code, shown = run_on_a_terminal(["bash", str(script)], tmp_path, page_env(tmp_path), timeout=60)
    assert code == 0, shown[-4000:]
    assert "Linked google-oauth2|109876543210987654321 into auth0|65f0a11ce0000000000000a1" in shown
    assert "Unlinked google-oauth2|109876543210987654321" in shown
    assert "emulator: GET" not in shown  # `auth0link emulator &` keeps its access log out of the terminal
    linked, unlinked = shown.split("Unlinked google-oauth2|109876543210987654321", 1)
    assert "Alice Example (Google)" in linked.rsplit("Merge and link now? [y/N]: y", 1)[1]  # `identities`
    assert "Alice Example (Google)" not in unlinked


def export_line(user_id: str, email: str, created: str) -> dict[str, object]:
    """One users-export record as the export job writes it."""
    provider, _, ident = user_id.partition("|")
    connection = "Username-Password-Authentication" if provider == "auth0" else provider
    return {
        "user_id": user_id,
        "email": email,
        "email_verified": True,
        "created_at": created,
        "identities": [{"provider": provider, "user_id": ident, "connection": connection, "isSocial": False}],
        "user_metadata": {"from": provider},
    }


def test_the_rehearsal_on_a_copy_runs_as_written(tmp_path: Path) -> None:
    """docs/admin.md, Rehearse on a copy: serve the export over HTTPS, suggest, batch-link, identities --user."""
    users = [
        export_line(f"auth0|{n:024x}", f"user{n}@example.com", f"2024-01-0{1 + n % 5}T00:00:00.000Z")
        for n in range(1, 4)
    ] + [
        export_line(f"google-oauth2|10{n:019d}", f"user{n}@example.com", "2025-02-01T00:00:00.000Z")
        for n in range(1, 4)
    ]
    with gzip.open(tmp_path / "tenant-users.json.gz", "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(user) + "\n" for user in users)
    done = run_page(ROOT / "docs" / "admin.md", tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    pairs = (tmp_path / "pairs.tsv").read_text(encoding="utf-8").splitlines()
    assert len(pairs) == 4  # a header and three pairs
    assert "linked 3" in done.stderr
    assert "google-oauth2\t100000000000000000001\t" in done.stdout  # the first primary's identities


def test_the_ci_recipe_runs_as_written(tmp_path: Path) -> None:
    """docs/scripting.md, In CI: machine credentials from the environment, status, suggest, a dry run."""
    done = run_page(ROOT / "docs" / "scripting.md", tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    status = json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))
    assert status["machines"]
    assert len((tmp_path / "pairs.tsv").read_text(encoding="utf-8").splitlines()) >= 2
