"""The emulator's options: one dataclass and the one command-line parser that fills it.

``auth0link emulator ARGS`` and ``python -m auth0link.emulator ARGS`` both parse ``ARGS`` here
(:func:`parse_options`), so they cannot drift apart. A new option is one field of
:class:`EmulatorOptions` (its default lives only there) and one ``add_argument`` whose ``dest``
is the field's name; :func:`.serve.prepare` checks the values. This module imports only the
standard library, so ``--help`` works without the ``emulator`` extra.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from .. import DEMO_USERS_HELP
from ..state.demo import DATABASE

PROG = "auth0link emulator"


@dataclass(frozen=True)
class EmulatorOptions:
    """Everything the emulator accepts (see the field comments for the flags)."""

    host: str = "127.0.0.1"  # --host: loopback only (127.0.0.0/8, ::1, localhost)
    port: int = 0  # --port: 0 picks a free port
    users_file: Path | None = None  # --users FILE: users replacing the demo set (see emulator.userfiles)
    users_connection: str = DATABASE  # --users-connection NAME: database of imported and auth0| users
    tenant_file: Path | None = None  # --tenant FILE: deploy-cli YAML clients and connections
    rate_limit: str | None = None  # --rate-limit N/s or N/s:BURST (default: unlimited)
    state_file: Path | None = None  # --state FILE: load at start, save atomically on stop
    as_json: bool = False  # --json: one JSON line on stdout instead of export lines
    ready_file: Path | None = None  # --ready-file FILE: the JSON line, written once serving (see .readiness)
    pid_file: Path | None = None  # --pid-file FILE: the process ID, written once serving
    token_ttl: int = 86400  # --token-ttl SECONDS: access-token lifetime
    device_interval: int = 5  # --device-interval SECONDS: device-flow polling interval
    skip_callback_confirmation: bool = False  # --skip-callback-confirmation
    faults: tuple[str, ...] | str = ()  # --faults SPEC (repeatable; see emulator.faults)
    # --access-log / --no-access-log: the per-request log on stderr. Unset: only when stderr is a
    # terminal the emulator has in the foreground (not `auth0link emulator &`, not a pipe or file).
    access_log: bool | None = None
    tls: bool = True  # --http serves plain HTTP instead of HTTPS
    tls_dir: Path | None = None  # --tls-dir DIR: the CA's folder (default: --state's, else the data dir)


_DEFAULTS = EmulatorOptions()


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is one ``error:`` line with the next step (exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``error: MESSAGE; see auth0link emulator --help`` and exit 2."""
        self.exit(2, f"error: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    """The one parser of ``auth0link emulator`` / ``python -m auth0link.emulator``."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Run a local Auth0 tenant on loopback (needs the 'emulator' extra).\n\n"
            "It serves HTTPS with a certificate from a local CA it makes once and keeps\n"
            "(emulator-ca.pem in --tls-dir, else the --state file's folder, else the data\n"
            "directory), prints the AUTH0LINK_DOMAIN, AUTH0LINK_CLIENT_ID and\n"
            "AUTH0LINK_CA_BUNDLE to use (or one JSON line with --json) and serves until\n"
            "Ctrl-C or SIGTERM (exit 0, saving --state first and removing --ready-file\n"
            "and --pid-file).\n"
            "Bad options, files or a busy port: one error: line and exit 2."
        ),
        epilog=DEMO_USERS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS,  # an option not given keeps the dataclass default
        allow_abbrev=False,
    )
    _add_server_options(parser)
    _add_tenant_options(parser)
    return parser


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    """Where and how it serves: address, output, access log, rate limit, faults."""
    add = parser.add_argument
    add("--host", help=f"Loopback address to bind; others are refused (default: {_DEFAULTS.host}).")
    add("--port", type=int, help=f"Port to bind; 0 picks a free one (default: {_DEFAULTS.port}).")
    add(
        "--json",
        dest="as_json",
        action="store_true",
        help="Print one JSON line (URL, clients, demo users) instead of export lines.",
    )
    add(
        "--ready-file",
        type=Path,
        metavar="FILE",
        help="Once it answers requests, write the --json line to FILE (atomically, 0600); removed on stop.",
    )
    add(
        "--pid-file",
        type=Path,
        metavar="FILE",
        help="Once it answers requests, write its process ID to FILE; removed on stop.",
    )
    add(
        "--access-log",
        dest="access_log",
        action="store_true",
        help="Log each request on stderr (default: only in the foreground of a terminal, "
        "not in the background with & nor to a pipe or file).",
    )
    add("--no-access-log", dest="access_log", action="store_false", help="Do not log each request on stderr.")
    add("--http", dest="tls", action="store_false", help="Serve plain HTTP instead of HTTPS.")
    add(
        "--tls-dir",
        type=Path,
        metavar="DIR",
        help="Folder of the local CA and server certificate (default: --state's folder, else the data dir).",
    )
    add(
        "--rate-limit",
        metavar="N/s[:BURST]",
        help="Management API token bucket, e.g. 50/s (burst 50) or 16/s:50 (default: unlimited).",
    )
    add(
        "--faults",
        action="append",
        metavar="SPEC",
        help="Inject faults, e.g. 'GET /api/v2/users/*=503x2' (repeatable; see docs/emulator.md).",
    )


def _add_tenant_options(parser: argparse.ArgumentParser) -> None:
    """What it serves: users, clients and connections, saved state, lifetimes, the confirmation screen."""
    add = parser.add_argument
    add(
        "--users",
        dest="users_file",
        type=Path,
        metavar="FILE",
        help=(
            "Users replacing the demo set: a JSON list, Auth0's bulk-import JSON or a users "
            "export (NDJSON, gzipped or not), detected by content."
        ),
    )
    add(
        "--users-connection",
        metavar="NAME",
        help=(
            "Database connection of bulk-import and auth0| users in --users "
            f"(default: {_DEFAULTS.users_connection})."
        ),
    )
    add(
        "--tenant",
        dest="tenant_file",
        type=Path,
        metavar="FILE",
        help="auth0-deploy-cli tenant YAML: clients, connections, client grants added to the demo tenant.",
    )
    add(
        "--state",
        dest="state_file",
        type=Path,
        metavar="FILE",
        help="Load state from FILE at start, save it on stop.",
    )
    add(
        "--token-ttl",
        type=int,
        metavar="SECONDS",
        help=f"Access token lifetime (default: {_DEFAULTS.token_ttl}).",
    )
    add(
        "--device-interval",
        type=int,
        metavar="SECONDS",
        help=f"Device flow polling interval (default: {_DEFAULTS.device_interval}).",
    )
    add(
        "--skip-callback-confirmation",
        action="store_true",
        help="Turn off the non-verifiable callback URI confirmation screen.",
    )


def parse_options(argv: list[str] | None = None) -> EmulatorOptions:
    """Parse ``argv`` (default: ``sys.argv[1:]``); exits 0 after ``--help``, 2 on a usage error."""
    values = vars(build_parser().parse_args(sys.argv[1:] if argv is None else argv))
    if "faults" in values:
        values["faults"] = tuple(values["faults"])
    return dataclasses.replace(_DEFAULTS, **values)
