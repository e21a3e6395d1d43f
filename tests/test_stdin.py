"""Reading stdin: closed, non-UTF-8 or NUL stdin is one usage error (exit 2) for every reader."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from auth0link import _stdin
from auth0link.errors import UsageError
from tests.support.idp import unsigned_jwt

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner


def _stdin_of(data: bytes) -> io.TextIOWrapper:
    """A text stdin over ``data``, as the interpreter builds one."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_read_text_decodes_utf8_and_normalises_newlines() -> None:
    """UTF-8 bytes come back as text, with CRLF and CR read as LF (as text mode does)."""
    text = _stdin.read_text(_stdin_of("héllo\r\nwörld\rend\n".encode()), what="x", hint="h")
    assert text == "héllo\nwörld\nend\n"


def test_read_text_refuses_a_closed_stdin() -> None:
    """No stdin at all (fd 0 closed) and a closed stream are both 'stdin is closed'."""
    with pytest.raises(UsageError, match=r"stdin is closed \(expected an ID token\)\."):
        _stdin.read_text(None, what="an ID token", hint="pipe it in")
    closed = _stdin_of(b"")
    closed.close()
    with pytest.raises(UsageError, match="stdin is closed") as info:
        _stdin.read_text(closed, what="a client secret", hint="pipe it in")
    assert info.value.hint == "pipe it in"


@pytest.mark.parametrize(
    ("stream", "fragment"),
    [
        (_stdin_of(b"eyJ\xff\xfe.x.y"), "not UTF-8 text"),
        (_stdin_of("caf\u00e9".encode("latin-1")), "not UTF-8 text"),
        (io.StringIO("secret\udcff"), "not UTF-8 text"),  # surrogate-escaped bytes (UTF-8 mode)
        (_stdin_of(b"eyJ.x.y\x00"), "NUL bytes"),
    ],
)
def test_read_text_refuses_binary_without_echoing_it(stream: io.TextIOBase, fragment: str) -> None:
    """Undecodable bytes or NUL bytes are refused, and nothing read is put into the message."""
    with pytest.raises(UsageError, match=fragment) as info:
        _stdin.read_text(stream, what="a client secret", hint="copy it again")  # type: ignore[arg-type]
    assert "(expected a client secret)" in info.value.message
    assert "eyJ" not in str(info.value)
    assert "secret\\" not in str(info.value)


def test_iter_lines_refuses_a_closed_stdin_before_iterating() -> None:
    """iter_lines raises at once for a closed stdin (before a batch creates its journal)."""
    with pytest.raises(UsageError, match="stdin is closed"):
        _stdin.iter_lines(None, what="lines", hint="h")
    assert list(_stdin.iter_lines(_stdin_of(b"a\n\xff\n"), what="lines", hint="h")) == [b"a\n", b"\xff\n"]


# -- through the CLI ----------------------------------------------------------------------------


def test_unlink_dash_with_binary_stdin_is_exit_2(cli: Runner) -> None:
    """unlink - with non-UTF-8 stdin: one line naming stdin and the fix, exit 2."""
    result = cli("--domain", "tenant.example.com", "unlink", "-", "--yes", input=b"github\t\xff\xfe\n")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: stdin is not UTF-8 text (expected provider<TAB>user_id lines).",
        "hint: pipe them in: auth0link identities --secondary-only | auth0link unlink - --yes",
    ]


def test_machine_login_with_binary_secret_on_stdin_is_exit_2(cli: Runner) -> None:
    """login --machine --client-secret - with non-UTF-8 stdin: exit 2, the bytes never shown."""
    result = cli(
        "--domain",
        "tenant.example.com",
        "login",
        "--machine",
        "--client-id",
        "m2m-app",
        "--client-secret",
        "-",
        input=b"s3cr\xe9t-\xff",
    )
    assert result.exit_code == 2, result.stderr
    assert "stdin is not UTF-8 text (expected a client secret)." in result.stderr
    assert "s3cr" not in result.stderr


@pytest.mark.parametrize("from_file", [False, True])
def test_batch_link_reports_a_non_utf8_line_as_invalid(
    cli: Runner, tmp_path: Path, *, from_file: bool
) -> None:
    """batch-link (stdin or file) reports a non-UTF-8 line as invalid by number and plans the rest."""
    data = b"auth0|p1\tgoogle-oauth2|g1\nauth0|p2\tgoogle-oauth2|g\xe92\n"
    source = "-"
    if from_file:
        source = str(tmp_path / "pairs.tsv")
        (tmp_path / "pairs.tsv").write_bytes(data)
    result = cli(
        "--domain", "tenant.example.com", "batch-link", "--dry-run", source, input=None if from_file else data
    )
    assert result.exit_code == 1, result.stderr
    assert "line 2: not UTF-8 text (skipped)" in result.stderr
    assert result.stdout.splitlines() == ["auth0|p1\tgoogle-oauth2|g1\twould link"]


@pytest.mark.parametrize(
    "argv",
    [
        ["unlink", "-", "--yes"],
        ["login", "--machine", "--client-id", "m2m-app", "--client-secret", "-"],
        ["batch-link", "--dry-run", "-"],
        ["link", "--id-token", "-", "--no-merge-metadata", "--yes"],
    ],
)
def test_closed_stdin_in_a_real_process_is_exit_2(tmp_path: Path, argv: list[str]) -> None:
    """With file descriptor 0 closed (sys.stdin is None), every stdin reader says so: exit 2."""
    env = {
        **os.environ,
        "AUTH0LINK_CONFIG_DIR": str(tmp_path / "cfg"),
        "AUTH0LINK_DATA_DIR": str(tmp_path / "data"),
        "AUTH0LINK_DOMAIN": "tenant.example.com",
        "AUTH0LINK_CLIENT_ID": "native-app",
        "AUTH0LINK_ACCESS_TOKEN": unsigned_jwt({"sub": "auth0|p1", "exp": 4_000_000_000}),
        "AUTH0LINK_TIMEOUT": "2",
    }
    proc = subprocess.run(
        ["/bin/sh", "-c", 'exec "$0" -m auth0link "$@" <&-', sys.executable, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: stdin is closed (expected ")
    assert len(proc.stderr.splitlines()) == 2  # the error and its hint
    assert not (tmp_path / "data" / "journals").exists()
