"""A pytest plugin: a local Auth0 tenant for your tests (enable it with ``-p`` or ``pytest_plugins``).

Enabled explicitly, never by installing::

    # conftest.py (the top-level one)
    pytest_plugins = ["auth0link.emulator.pytest_plugin"]

Fixtures:

- ``auth0_emulator`` (session): one :class:`~auth0link.emulator.testing.tenant.EmulatedTenant`
  for the run, started on first use (in a fraction of a second): HTTPS on a free loopback port (``domain``,
  ``base_url``, ``ca_file``, ``ca_env()``) and in process (``http_client()``,
  ``requests_session()``, ``transport()``); demo ``clients`` and ``users``; ``outbox``,
  ``clock``, ``faults`` and ``reset()``.
- ``auth0_tenant`` (function): the same tenant, reset before the test (users back to the start,
  no sessions, codes, tokens, outbox messages, faults or clock moves): the one most tests want.

Options (command line, or the ini option of the same name with underscores; relative ini paths
are from the ini file's folder):

- ``--auth0-emulator-tenant FILE``: an auth0-deploy-cli tenant YAML (clients, connections,
  client grants added to the demo tenant), as ``auth0link emulator --tenant``.
- ``--auth0-emulator-users FILE``: users replacing the demo set (JSON list, bulk-import JSON or a
  users export), as ``auth0link emulator --users``.
- ``auth0_emulator_args`` (ini only): more ``auth0link emulator`` options, e.g.
  ``--token-ttl 60 --rate-limit 50/s``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from . import EmulatorError
from .server.options import EmulatorOptions, parse_options

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .testing.tenant import EmulatedTenant

_FILES = {
    "tenant_file": ("--auth0-emulator-tenant", "auth0_emulator_tenant", "auth0-deploy-cli tenant YAML"),
    "users_file": ("--auth0-emulator-users", "auth0_emulator_users", "users file replacing the demo users"),
}
_ARGS_INI = "auth0_emulator_args"
_OPTIONS = pytest.StashKey[EmulatorOptions]()
_FORCED = ("--port", "--host", "--json", "--ready-file", "--pid-file", "--tls-dir", "--http")


def pytest_addoption(parser: pytest.Parser) -> None:
    """The tenant and users files (flag or ini) and extra emulator options (ini)."""
    group = parser.getgroup("auth0-emulator", "Auth0 emulator (auth0link)")
    for dest, (flag, ini, what) in _FILES.items():
        group.addoption(flag, dest=f"auth0_emulator_{dest}", metavar="FILE", help=f"The emulator's {what}.")
        parser.addini(ini, f"The emulator's {what} (relative to the ini file).", default="")
    parser.addini(_ARGS_INI, "More `auth0link emulator` options, e.g. --token-ttl 60.", default="")


def pytest_configure(config: pytest.Config) -> None:
    """Check the emulator options now: a bad one is a usage error before any test runs."""
    config.stash[_OPTIONS] = emulator_options(config)


def emulator_options(config: pytest.Config) -> EmulatorOptions:
    """The options the session's emulator starts with (``pytest.UsageError`` if they are bad)."""
    args = shlex.split(str(config.getini(_ARGS_INI)))
    forced = sorted({arg.split("=")[0] for arg in args} & set(_FORCED))
    if forced:
        raise pytest.UsageError(f"{_ARGS_INI}: {', '.join(forced)} is chosen by the plugin; remove it")
    try:
        options = parse_options([*args, "--no-access-log"])
    except SystemExit as exc:  # argparse printed the error line
        raise pytest.UsageError(f"{_ARGS_INI}: invalid emulator options {args}") from exc
    return dataclasses.replace(  # the plugin's options win over --tenant/--users in the args
        options,
        tenant_file=_file(config, "tenant_file") or options.tenant_file,
        users_file=_file(config, "users_file") or options.users_file,
    )


def _file(config: pytest.Config, dest: str) -> Path | None:
    """The file the flag names (from the current folder), else the ini option (from its file's folder)."""
    _flag, ini, _what = _FILES[dest]
    given = config.getoption(f"auth0_emulator_{dest}")
    if given:
        return Path(given).absolute()
    if config.getini(ini):
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return base / str(config.getini(ini))
    return None


@pytest.fixture(scope="session")
def auth0_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmulatedTenant]:
    """A local Auth0 tenant for the whole run: HTTPS on a free port and in process."""
    from .testing.tenant import start_tenant, tenant_options

    options = tenant_options(
        request.config.stash[_OPTIONS], tls_dir=tmp_path_factory.mktemp("auth0-emulator-tls")
    )
    with contextlib.ExitStack() as stack:
        try:
            tenant = stack.enter_context(start_tenant(options))
        except EmulatorError as exc:
            pytest.fail(f"the Auth0 emulator did not start: {exc}", pytrace=False)
        yield tenant


@pytest.fixture
def auth0_tenant(auth0_emulator: EmulatedTenant) -> EmulatedTenant:
    """The session's tenant, reset to its start before this test."""
    auth0_emulator.reset()
    return auth0_emulator
