"""Bad input never crashes the CLI: random argv, stdin and environment values.

Properties (issue #8): no traceback, an exit code from the documented set, and nothing written
outside the config and data directories. The network is refused at the transport (these tests
are about input handling; fault handling runs against the emulator elsewhere), and commands that
open a browser or serve forever are left out of the vocabulary.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth0link.errors import ExitCode

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner

DOCUMENTED = {int(code) for code in ExitCode}

COMMANDS = [
    ["identities"],
    ["identities", "--json"],
    ["identities", "--secondary-only", "--no-header"],
    ["config", "set"],
    ["config", "get"],
    ["config", "list"],
    ["config", "unset"],
    ["completion"],
    ["status"],
    ["status", "--json"],
    ["status", "--offline"],
    ["profiles", "list"],
    ["profiles", "switch"],
    ["token"],
    ["logout"],
    ["unlink"],
    ["unlink", "-", "--yes"],
    ["backups", "list"],
    ["suggest", "--email"],
    ["batch-link", "--dry-run", "-"],
    ["link", "--id-token", "-", "--no-merge-metadata", "--yes"],
    ["login", "--machine", "--client-id", "m2m", "--client-secret", "-"],
]

NASTY = st.sampled_from(
    [
        "../../etc/passwd",
        "..",
        "/",
        "-",
        "--",
        "",
        " ",
        "\x00",
        "\x1b[31mred",
        "a" * 5000,
        "auth0|abc/def",
        "http://evil.example.com",
        "https://t.example.com/path?x=1",
        "http://127.0.0.1:1",
        "domain",
        "client_id",
        "callback_ports",
        "storage",
        "file",
        "google-oauth2",
        "é\u202e\ufeff",
        "%2e%2e%2f",
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ]
)
ARG = st.one_of(NASTY, st.text(max_size=40))
GLOBAL = st.lists(
    st.sampled_from(["--profile", "--domain", "--client-id", "--debug", "--no-input"]).flatmap(
        lambda opt: st.just([opt]) if opt in {"--debug", "--no-input"} else ARG.map(lambda v: [opt, v])
    ),
    max_size=3,
).map(lambda groups: [item for group in groups for item in group])
ENV_KEYS = [
    "AUTH0LINK_DOMAIN",
    "AUTH0LINK_CLIENT_ID",
    "AUTH0LINK_PROFILE",
    "AUTH0LINK_TIMEOUT",
    "AUTH0LINK_SCOPES",
    "AUTH0LINK_CALLBACK_PORTS",
    "AUTH0LINK_STORAGE",
    "AUTH0LINK_ACCESS_TOKEN",
    "AUTH0LINK_KEYRING_TIMEOUT",
]
ENV = st.dictionaries(
    st.sampled_from(ENV_KEYS),
    st.one_of(NASTY, st.text(max_size=30)).filter(lambda v: "\x00" not in v),
    max_size=4,
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every HTTP request fails to connect (no traffic leaves the process)."""

    def refuse(self: Any, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network disabled in this test", request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


def _files_under(root: Path) -> set[Path]:
    return set(root.rglob("*")) if root.exists() else set()


@settings(
    max_examples=int(os.environ.get("AUTH0LINK_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(COMMANDS),
    extra=st.lists(ARG, max_size=3),
    global_opts=GLOBAL,
    env=ENV,
    stdin=st.one_of(
        st.none(),
        st.text(max_size=200),
        st.binary(max_size=200),  # not UTF-8, NUL bytes, torn characters
        st.sampled_from(["provider\tuser_id\n", "github\t1\n\n\tx\n"]),
    ),
)
def test_random_input_never_crashes(
    cli: Runner,
    no_network: None,
    isolated_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    extra: list[str],
    global_opts: list[str],
    env: dict[str, str],
    stdin: str | bytes | None,
) -> None:
    """Any argv/env/stdin combination exits with a documented code and (without --debug) no traceback."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)
    before_home = _files_under(tmp_path / "nonexistent-home")
    result = cli(*global_opts, *command, *extra, input=stdin, env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(f"unexpected {type(result.exception).__name__}: {result.exception!r}")
    assert result.exit_code in DOCUMENTED, (result.exit_code, result.stderr[-300:])
    if "--debug" not in global_opts:  # --debug shows tracebacks on purpose
        assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    assert not any(work.iterdir()), "the CLI wrote into the working directory"
    assert _files_under(tmp_path / "nonexistent-home") == before_home


def test_non_utf8_argv_and_env_in_a_real_process(tmp_path: Path) -> None:
    """Undecodable bytes in argv and env give a clean error, not a UnicodeError traceback."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "AUTH0LINK_CONFIG_DIR": str(tmp_path / "cfg"),
        "AUTH0LINK_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env_bytes = {k.encode(): v.encode() for k, v in env.items()}
    env_bytes[b"AUTH0LINK_DOMAIN"] = b"tenant\xff\xfe.example.com"
    for argv in (
        [b"--profile", b"bad\xffname", b"config", b"list"],
        [b"config", b"set", b"domain", b"\xc3\x28.example.com"],
        [b"identities"],
    ):
        proc = subprocess.run(
            [os.fsencode(sys.executable), b"-m", b"auth0link", *argv],
            env=env_bytes,
            capture_output=True,
            check=False,
            timeout=60,
        )
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode in DOCUMENTED
        assert proc.returncode != 0
        assert "Traceback" not in stderr
        assert stderr.startswith("error: ") or "Error:" in stderr
