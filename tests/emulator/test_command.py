"""The one command line: python -m auth0link.emulator, auth0link emulator (forwarding), exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Literal

import httpx
import pytest

from auth0link.emulator import DEMO_USERS_HELP
from auth0link.emulator.server.command import main
from auth0link.emulator.server.options import EmulatorOptions, parse_options
from auth0link.emulator.state import demo
from tests.support.emulator import launch, start_emulator


def test_demo_users_help_lists_every_demo_user() -> None:
    """DEMO_USERS_HELP (for --help) names every demo user, every client ID and the secrets."""
    for user in demo.DEMO_USERS:
        assert user["user_id"] in DEMO_USERS_HELP
    for value in (
        demo.NATIVE_CLIENT_ID,
        demo.M2M_CLIENT_ID,
        demo.M2M_CLIENT_SECRET,
        demo.SPA_CLIENT_ID,
        demo.WEB_CLIENT_ID,
        demo.WEB_CLIENT_SECRET,
        demo.ALICE_PASSWORD,
        *demo.APP_ORIGINS,
    ):
        assert value in DEMO_USERS_HELP


def test_module_main_reports_configuration_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """python -m auth0link.emulator prints one error line and returns 2 on bad options."""
    assert main(["--host", "0.0.0.0"]) == 2  # noqa: S104 - refused on purpose
    err = capsys.readouterr().err
    assert err.startswith("error: refusing to listen")
    assert err.count("\n") == 1


@pytest.mark.e2e
def test_cli_command_starts_the_emulator() -> None:
    """`python -m auth0link emulator --json --port 0` starts the same server."""
    with start_emulator("--device-interval", "1", via="cli") as emu:
        reply = httpx.post(
            emu.base_url + "/oauth/device/code", data={"client_id": emu.client_id}, verify=emu.verify
        )
        assert reply.json()["interval"] == 1


def test_import_light_modules_do_not_import_starlette() -> None:
    """auth0link.emulator and its agent import neither starlette nor uvicorn.

    (click and rich may come in through httpx's own CLI; that is httpx's doing.)
    """
    code = (
        "import sys, auth0link.emulator, auth0link.emulator.testing.agent;"
        "print(any(m.split('.')[0] in ('starlette', 'uvicorn') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}
    )
    assert out.stdout.strip() == "False"


@pytest.mark.e2e
def test_cli_bad_options_exit_2_with_one_line() -> None:
    """`auth0link emulator` with a bad option exits 2 with one error line and no traceback."""
    for args in (["--host", "0.0.0.0"], ["--rate-limit", "lots"], ["--faults", "nonsense"]):  # noqa: S104 - refused on purpose
        done = subprocess.run(
            [sys.executable, "-m", "auth0link", "emulator", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert done.stderr.startswith("error: ")
        assert "Traceback" not in done.stderr


def _run(*argv: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m auth0link ARGV`` (or ``python -c CODE``) and capture its output."""
    command = [sys.executable, "-c", code] if code is not None else [sys.executable, "-m", "auth0link", *argv]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, env={**os.environ}
    )


@pytest.mark.e2e
def test_cli_help_is_the_emulators_own_help() -> None:
    """`auth0link emulator --help` prints the emulator parser's help (all options, demo users), exit 0."""
    done = _run("emulator", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: auth0link emulator ")
    for text in ("--no-access-log", "--faults SPEC", "--tenant FILE", "Demo users:", demo.SPA_CLIENT_ID):
        assert text in done.stdout
    module = subprocess.run(
        [sys.executable, "-m", "auth0link.emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert module.stdout == done.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("via", ["cli", "module"])
def test_unknown_option_exits_2_with_one_error_line(via: str) -> None:
    """An unknown option is one `error:` line naming it and pointing at --help, exit 2, nothing on stdout."""
    command = (
        [sys.executable, "-m", "auth0link", "emulator"]
        if via == "cli"
        else [sys.executable, "-m", "auth0link.emulator"]
    )
    done = subprocess.run([*command, "--bad"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "error: unrecognized arguments: --bad; see auth0link emulator --help\n"


def test_parse_options_fills_the_one_dataclass() -> None:
    """No arguments give the dataclass defaults; every flag lands in its field."""
    assert parse_options([]) == EmulatorOptions()
    options = parse_options(
        [
            *("--host", "::1", "--port", "8080", "--users", "u.json", "--rate-limit", "5/s"),
            *("--state", "s.json", "--json", "--token-ttl", "60", "--device-interval", "1"),
            *("--skip-callback-confirmation", "--faults", "a=500", "--faults", "b=503", "--no-access-log"),
            *("--http", "--tls-dir", "tls"),
        ]
    )
    assert options == EmulatorOptions(
        host="::1",
        port=8080,
        users_file=Path("u.json"),
        rate_limit="5/s",
        state_file=Path("s.json"),
        as_json=True,
        token_ttl=60,
        device_interval=1,
        skip_callback_confirmation=True,
        faults=("a=500", "b=503"),
        access_log=False,
        tls=False,
        tls_dir=Path("tls"),
    )


def test_usage_errors_are_returned_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    """main() returns 2 for a bad value and 0 for --help (argparse's SystemExit stays inside)."""
    assert main(["--port", "eighty"]) == 2
    assert (
        capsys.readouterr().err
        == "error: argument --port: invalid int value: 'eighty'; see auth0link emulator --help\n"
    )
    assert main(["--help"]) == 0
    assert "usage: auth0link emulator" in capsys.readouterr().out


def _log_of_one_request(*flags: str, via: Literal["cli", "module"] = "cli", access_log: bool = True) -> str:
    """Start the emulator, send it one health check, stop it (exit 0 checked): its stderr."""
    emu = launch(*flags, via=via, access_log=access_log)
    try:
        assert httpx.get(emu.base_url + "/__emulator/health", verify=emu.verify).status_code == 200
    finally:
        code = emu.stop()
        log = emu.stderr_text()
        emu.stderr_path.unlink()
    assert code == 0
    return log


@pytest.mark.e2e
@pytest.mark.parametrize("via", ["cli", "module"])
def test_no_access_log_silences_the_request_log(via: Literal["cli", "module"]) -> None:
    """--no-access-log (now on both command lines) leaves no request lines on stderr."""
    assert "/__emulator/health" not in _log_of_one_request("--no-access-log", via=via)


@pytest.mark.e2e
@pytest.mark.parametrize(("flags", "logged"), [((), False), (("--access-log",), True)])
def test_the_access_log_is_off_unless_asked_for_when_stderr_is_not_a_foreground_terminal(
    flags: tuple[str, ...], logged: bool
) -> None:
    """stderr to a file (or `emulator &`): no per-request lines by default; --access-log turns them on."""
    log = _log_of_one_request(*flags, access_log=False)
    assert ("GET /__emulator/health 200" in log) is logged


def test_the_access_log_default_needs_a_terminal_in_the_foreground() -> None:
    """stderr_in_foreground: False for a file and for a terminal that is not this process's own."""
    import os
    import pty
    import sys

    from auth0link.emulator.server.serve import stderr_in_foreground

    main_fd, child_fd = pty.openpty()
    saved = sys.stderr
    try:
        with open(child_fd, "w", closefd=False) as tty:
            sys.stderr = tty
            assert os.isatty(child_fd)
            assert not stderr_in_foreground()  # a terminal, but not the controlling one of this process
        with Path(os.devnull).open("w") as devnull:
            sys.stderr = devnull
            assert not stderr_in_foreground()
    finally:
        sys.stderr = saved
        os.close(main_fd)
        os.close(child_fd)


@pytest.mark.e2e
def test_missing_extra_is_one_line_with_the_pip_hint() -> None:
    """Without uvicorn/starlette, `auth0link emulator` says which is missing and how to install it (exit 2)."""
    code = "import sys; sys.modules['uvicorn'] = None; from auth0link.cli import main; main(['emulator', '--port', '0'])"
    done = _run(code=code)
    assert done.returncode == 2
    assert done.stderr == (
        "error: the emulator is not installed (uvicorn is missing); pip install 'auth0link[emulator]'\n"
    )


def test_cli_start_up_imports_no_emulator_module() -> None:
    """Importing the CLI loads no emulator module, argparse, starlette or uvicorn (imports happen in the command)."""
    code = (
        "import sys; import auth0link.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('auth0link.emulator') "
        "or m in ('argparse', 'starlette', 'uvicorn')))"
    )
    done = _run(code=code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
