"""Shared fixtures: an isolated environment for every test, a CliRunner wrapper, a real keyring."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Final

import pytest
from click.testing import CliRunner, Result

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator, Mapping
    from pathlib import Path

    from tests.support.keyring_service import SecretService
    from tests.support.tenant import LocalTenant

# Imported here so that it reads CI before the autouse fixture below removes it from os.environ.
from tests.support.keyring_service import IN_CI  # noqa: F401

# Variables of the developer's own shell that would change the CLI's behaviour under test.
_FOREIGN_VARS: Final = (
    "CI",  # the runner's CI must not change the CLI behaviour under test (tests set it explicitly)
    "NO_COLOR",
    "FORCE_COLOR",
    "BROWSER",
    "GNOME_KEYRING_CONTROL",
)
# The XDG base directories: each is pointed into the test's own temporary folder.
XDG_HOMES: Final = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def our_variables(environ: Mapping[str, str]) -> frozenset[str]:
    """Every ``AUTH0LINK_*`` name: the project's constants, plus any other set in ``environ``."""
    from auth0link import _constants

    declared = {v for k, v in vars(_constants).items() if k.startswith("ENV_") and isinstance(v, str)}
    return frozenset(declared | {name for name in environ if name.startswith("AUTH0LINK_")})


def isolate(
    environ: Mapping[str, str], root: Path, setenv: Callable[[str, str], None], delenv: Callable[[str], None]
) -> Path:
    """Clear our and the shell's variables, poison HOME and point every XDG and data dir under ``root``.

    Returns the folder that stands for the user's home (``config`` and ``data`` below it).
    """
    xdg = {n for n in environ if n.startswith("XDG_") and n != "XDG_RUNTIME_DIR"}  # the run's own (below)
    for name in sorted(our_variables(environ) | xdg):
        delenv(name)
    for name in _FOREIGN_VARS:
        delenv(name)
    home = root / "home"
    setenv("HOME", str(root / "nonexistent-home"))
    for name in XDG_HOMES:
        setenv(name, str(root / "xdg" / name.removeprefix("XDG_").removesuffix("_HOME").lower()))
    setenv("AUTH0LINK_CONFIG_DIR", str(home / "config"))
    setenv("AUTH0LINK_DATA_DIR", str(home / "data"))
    # Unless a test starts a real keyring, keyring must not find one on the developer's machine,
    # and nothing may reach the developer's own session bus (their keyring lives there).
    setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + str(root / "no-session-bus"))
    return home


@pytest.fixture(scope="session", autouse=True)
def _hermetic_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """For the whole run (session fixtures, the emulators and keyrings they start), the same isolation.

    Function-scoped :func:`isolated_env` then gives each test folders of its own.
    """
    root = tmp_path_factory.mktemp("session-env")
    with pytest.MonkeyPatch.context() as patch:
        runtime = root / "xdg-runtime"
        runtime.mkdir(mode=0o700)
        isolate(os.environ, root, patch.setenv, lambda name: patch.delenv(name, raising=False))
        patch.setenv("XDG_RUNTIME_DIR", str(runtime))
        yield


#: how many real signing keys the in-process tenants of one worker take turns with
KEY_POOL: Final = 4


@pytest.fixture(scope="session", autouse=True)
def _signing_key_pool() -> Iterator[None]:
    """In-process tenants sign with real RSA-2048 keys from a pool made once per worker.

    Each tenant made a fresh key (about 50 ms, 800 tenants a run: 19 s of the suite's wall time).
    The pool's keys are made by the emulator itself and handed out in turn, so the tenants of one
    test never share a key (a token of one is refused by another) while a run makes four. The
    emulators the end-to-end tests start as processes still make their own.
    """
    from itertools import cycle

    from auth0link.emulator.protocol import keys

    made: list[keys.SigningKey] = []
    turns: Iterator[keys.SigningKey] | None = None
    fresh = keys.SigningKey.generate

    def generate(cls: type[keys.SigningKey]) -> keys.SigningKey:
        nonlocal turns
        if len(made) < KEY_POOL:
            made.append(fresh())
            return made[-1]
        turns = turns or cycle(made)
        return next(turns)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys.SigningKey, "generate", classmethod(generate))
        yield


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config/data/XDG dirs at a temp dir, poison HOME, and clear our variables (llm, twine).

    Subprocesses inherit ``os.environ``, so the CLIs and emulators a test starts are isolated too.
    """
    return isolate(
        os.environ, tmp_path, monkeypatch.setenv, lambda name: monkeypatch.delenv(name, raising=False)
    )


class Runner:
    """CliRunner with ``catch_exceptions=False`` by default (hatch's pattern)."""

    def __init__(self) -> None:
        """Separate stdout and stderr, as a terminal user sees them."""
        self._runner = CliRunner()

    def __call__(
        self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None, **kw: Any
    ) -> Result:
        """Invoke ``auth0link ARGS``."""
        from auth0link.cli import main

        kw.setdefault("catch_exceptions", False)
        return self._runner.invoke(main, list(args), input=input, env=env, **kw)


@pytest.fixture
def cli() -> Runner:
    """Run the CLI in-process."""
    return Runner()


@pytest.fixture(scope="session")
def secret_service_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    """One gnome-keyring on a private D-Bus for the whole run."""
    from tests.support.keyring_service import secret_service

    with secret_service(tmp_path_factory.mktemp("keyring")) as service:
        yield service


@pytest.fixture
def real_keyring(secret_service_session: SecretService, monkeypatch: pytest.MonkeyPatch) -> SecretService:
    """Make this test (and its subprocesses, via ``os.environ``) use the real SecretService."""
    for key, value in secret_service_session.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    import keyring
    import keyring.backends.SecretService

    keyring.set_keyring(keyring.backends.SecretService.Keyring())  # type: ignore[no-untyped-call]
    return secret_service_session


@pytest.fixture(autouse=True)
def _reset_keyring_backend() -> Iterator[None]:
    """Each test starts with keyring's backend chosen afresh from the environment."""
    yield
    import sys

    if "keyring" in sys.modules:
        import keyring.core

        keyring.core._keyring_backend = None


@pytest.fixture(autouse=True)
def _fresh_tls_context() -> Iterator[None]:
    """Each test builds the CLI's SSL context afresh (it is cached per process and bundle)."""
    yield
    import sys

    tls = sys.modules.get("auth0link.client._tls")
    if tls is not None:
        tls.ssl_context.cache_clear()


def _cli_children() -> dict[int, str]:
    """This process's child processes that run the CLI (not an emulator): pid → command line."""
    import os
    from pathlib import Path

    found: dict[int, str] = {}
    me = str(os.getpid())
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] != me:
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if "auth0link" in command and "emulator" not in command:
            found[int(entry.name)] = command
    return found


@pytest.fixture(autouse=True)
def _no_cli_left_running() -> Iterator[None]:
    """A CLI subprocess a failed test left behind (a login on a callback port) is killed after it.

    Left running, it holds the callback ports 8484-8486 for its whole timeout and later tests that
    need them fail for a reason of their own.
    """
    import os
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        yield
        return
    before = set(_cli_children())
    yield
    for pid in set(_cli_children()) - before:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


# -- parallel runs (pytest-xdist) --------------------------------------------------------------

CALLBACK_PORTS_LOCK: Final = "auth0link-tests-callback-ports.lock"  # in the machine's temp folder
_LOCK_WAIT: Final = 300.0  # seconds a test waits for another run's login to free the ports


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--test-budget SECONDS``: a test whose call takes longer fails (scaled to the machine's load)."""
    parser.addoption(
        "--test-budget",
        type=float,
        default=10.0,
        help="fail a test whose call phase takes longer than SECONDS (default 10; 0: no limit). "
        "Slower work belongs in benchmarks/ (make bench).",
    )
    parser.addoption(
        "--no-load-scaling",
        action="store_true",
        help="compare a test's wall time with the budget as it is, even on a machine busy with other work",
    )


def _callback_port_files(root: Path) -> frozenset[str]:
    """The test files (rootdir-relative, as in node IDs) that mark tests ``callback_ports``."""
    return frozenset(
        path.relative_to(root).as_posix()
        for path in (root / "tests").rglob("test_*.py")
        if "mark.callback_ports" in path.read_text(encoding="utf-8")
    )


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``: every test file on the fixed callback ports runs on one worker.

    pytest-xdist 3.8's own ``xdist_group`` grouping does not work with pytest 9.2 (it rewrites
    ``item._nodeid``, which pytest no longer reads), so the group is decided here, from the files.
    Every other test is scheduled on its own, as ``--dist load`` does.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    files = _callback_port_files(config.rootpath)

    class CallbackPortsScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
        def _split_scope(self, nodeid: str) -> str:
            return "callback-ports" if nodeid.split("::", 1)[0] in files else nodeid

    return CallbackPortsScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, the callback-port files come first (their order kept).

    Their group is the longest unit of work: one worker starts on it while the other takes the rest.
    """
    if getattr(config.option, "loadgroup", False):
        files = _callback_port_files(config.rootpath)
        items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in files)


@pytest.fixture(autouse=True)
def _callback_ports_lock(request: pytest.FixtureRequest) -> Iterator[None]:
    """A ``callback_ports`` test holds a machine-wide lock on 8484-8486 for its whole run.

    Within one run its worker group already keeps such tests apart; the lock also keeps apart two
    runs on one machine (two checkouts, or ``make test`` beside a ``pytest`` of one module).
    """
    if request.node.get_closest_marker("callback_ports") is None:
        yield
        return
    import fcntl
    import tempfile
    import time
    from pathlib import Path

    with (Path(tempfile.gettempdir()) / CALLBACK_PORTS_LOCK).open("a") as lock:
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"callback ports 8484-8486 stayed locked by another test run for {_LOCK_WAIT:g} s"
                    )
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _idle_share() -> tuple[float, float]:
    """(share of the machine a test had, the load it is reckoned with); 1.0 on an idle machine.

    The load is the 1-minute load average, but at least one more than the xdist workers: the
    workers run tests side by side, and an end-to-end test keeps more than one core busy (the CLI,
    the emulator, a browser), while the load average lags behind a run that just started.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    load = max(os.getloadavg()[0], workers + 1.0 if workers > 1 else 0.0)
    cores = os.cpu_count() or 1
    return (min(1.0, cores / load) if load > 0 else 1.0), load


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A passing test whose call took longer than ``--test-budget`` fails, naming its time.

    The wall time is first scaled by the share of the CPU the machine had for it (cores / load
    average, at most 1): on a machine oversubscribed by other work, a test is compared with the
    budget as it would run on the machine alone, so a busy machine cannot fail a run that is fine
    on its own (such tests are listed in the summary). ``--no-load-scaling`` compares wall time.
    """
    report = yield
    budget: float = item.config.getoption("--test-budget")
    if call.when != "call" or not report.passed or not budget or call.duration <= budget:
        return report
    share, load = (1.0, 0.0) if item.config.getoption("--no-load-scaling") else _idle_share()
    message = f"{item.nodeid} took {call.duration:.1f} s, over the {budget:g} s budget of a test"
    if call.duration * share <= budget:
        scaled = f"load {load:.1f}: about {call.duration * share:.1f} s on this machine alone; not failed"
        report.user_properties.append(("over_budget", f"{message} ({scaled})"))
        return report
    report.outcome = "failed"
    report.longrepr = f"{message}: make it faster, or move the measurement to benchmarks/ (make bench)"
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the tests that were over budget on an overloaded machine (they were not failed)."""
    over = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "over_budget"
    ]
    if over:
        terminalreporter.section("over the time budget on a busy machine")
        for line in over:
            terminalreporter.write_line(str(line))


@pytest.fixture
def tenant(request: pytest.FixtureRequest) -> Iterator[LocalTenant]:
    """The emulator's demo tenant in process (Alice, her Google and GitHub users, Bob, …).

    A test passes other users indirectly: ``@pytest.mark.parametrize("tenant", [users], indirect=True)``.
    A module that needs the tenant in another state overrides this fixture and asks for it.
    """
    from tests.support.tenant import LocalTenant

    local = LocalTenant(users=getattr(request, "param", None))
    yield local
    local.close()
