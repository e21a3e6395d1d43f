"""Serve the emulator: check the options, bind, build the tenant, print the banner, run uvicorn.

:func:`.command.main` parses the command line into an :class:`~.options.EmulatorOptions` and
calls :func:`run`, which serves until SIGINT/SIGTERM and then saves ``--state``.
:class:`EmulatorThread` serves the same app from a background thread for in-process tests over
real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TextIO

import uvicorn

from auth0link.emulator import EmulatorError, demo
from auth0link.emulator.app import Emulator, create_app
from auth0link.emulator.faults import FaultRule, hide_drop_tracebacks, parse_faults
from auth0link.emulator.options import EmulatorOptions
from auth0link.emulator.persistence import build_tenant, load_state, read_users_file, save_state
from auth0link.emulator.ratelimit import parse_rate_limit

if TYPE_CHECKING:
    from collections.abc import Generator
    from types import FrameType

    from auth0link.emulator.applications import Client

LOG = logging.getLogger("auth0link.emulator")
MAX_PORT = 65535
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class _Prepared:
    sock: socket.socket
    base_url: str
    emulator: Emulator


def _check_host(host: str) -> str:
    """Return the address to bind, refusing anything that is not loopback."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise EmulatorError(
            f"refusing to listen on {host!r}: the emulator binds loopback only; "
            "use --host 127.0.0.1, ::1 or localhost"
        )
    return str(address)


def _validate(options: EmulatorOptions) -> tuple[str, tuple[float, int] | None, list[FaultRule]]:
    address = _check_host(options.host)
    if not 0 <= options.port <= MAX_PORT:
        raise EmulatorError(f"invalid --port {options.port}: use 0 (any free port) to 65535")
    if options.token_ttl < 1:
        raise EmulatorError("invalid --token-ttl: use a positive number of seconds")
    if options.device_interval < 1:
        raise EmulatorError("invalid --device-interval: use a positive number of seconds")
    known = demo.CONNECTIONS.get(options.users_connection)
    if not options.users_connection.strip() or (known is not None and known[0] != "auth0"):
        raise EmulatorError(
            f"invalid --users-connection {options.users_connection!r}: name a database connection, "
            f"e.g. {demo.DATABASE}"
        )
    rate = parse_rate_limit(options.rate_limit) if options.rate_limit else None
    specs = (options.faults,) if isinstance(options.faults, str) else options.faults
    faults = [rule for spec in specs for rule in parse_faults(spec)]
    return address, rate, faults


def prepare(options: EmulatorOptions) -> _Prepared:
    """Validate the options, bind the socket, build the tenant and the app."""
    address, rate, faults = _validate(options)
    users = (
        read_users_file(options.users_file, database=options.users_connection) if options.users_file else None
    )
    state = load_state(options.state_file) if options.state_file else None
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # proto says TCP; without it every response waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((address, options.port))
    except OSError as exc:
        sock.close()
        raise EmulatorError(
            f"cannot listen on {address}:{options.port} ({exc.strerror}); "
            "choose another --port or use --port 0"
        ) from exc
    port = sock.getsockname()[1]
    host_in_url = f"[{address}]" if family == socket.AF_INET6 else address
    base_url = f"http://{host_in_url}:{port}"
    try:
        tenant = build_tenant(
            base_url,
            users=users,
            state=state,
            tenant_file=options.tenant_file,
            token_ttl=options.token_ttl,
            device_interval=options.device_interval,
            skip_callback_confirmation=options.skip_callback_confirmation,
        )
    except BaseException:
        sock.close()
        raise
    emulator = create_app(tenant, rate_limit=rate, faults=faults, access_log=options.access_log)
    return _Prepared(sock=sock, base_url=base_url, emulator=emulator)


def banner(emulator: Emulator, *, as_json: bool) -> str:
    """The start-up output: ``export`` lines, or one JSON line with ``--json``."""
    tenant = emulator.tenant
    if not as_json:
        return (
            f"export AUTH0LINK_DOMAIN={tenant.base_url}\nexport AUTH0LINK_CLIENT_ID={demo.NATIVE_CLIENT_ID}\n"
        )
    users: list[dict[str, Any]] = []
    for user in tenant.users.values():
        primary = user.identities[0]
        entry: dict[str, Any] = {
            "user_id": user.user_id,
            "email": user.email,
            "connection": primary.connection,
            "email_verified": user.email_verified,
        }
        if user.phone_number is not None:
            entry["phone_number"] = user.phone_number
        password = tenant.users.password(user.user_id)
        if password is not None:
            entry["password"] = password
        users.append(entry)
    line = {
        "base_url": tenant.base_url,
        "domain": tenant.base_url,
        "client_id": demo.NATIVE_CLIENT_ID,
        "m2m_client_id": demo.M2M_CLIENT_ID,
        "m2m_client_secret": demo.M2M_CLIENT_SECRET,
        "spa_client_id": demo.SPA_CLIENT_ID,
        "web_client_id": demo.WEB_CLIENT_ID,
        "web_client_secret": demo.WEB_CLIENT_SECRET,
        "audience": tenant.api_audience,
        "callback_urls": list(demo.CALLBACK_URLS),
        "clients": [_client_entry(client) for client in tenant.clients.values()],
        "users": users,
    }
    return json.dumps(line) + "\n"


def _client_entry(client: Client) -> dict[str, Any]:
    """A client in the ``--json`` line (with its secret: every one here unlocks only the emulator)."""
    entry: dict[str, Any] = {"client_id": client.client_id, "name": client.name, "app_type": client.app_type}
    if client.client_secret is not None:
        entry["client_secret"] = client.client_secret
    return entry


class _Server(uvicorn.Server):
    """uvicorn's server, minus re-raising the captured signal after a graceful stop.

    uvicorn re-raises SIGINT/SIGTERM once it has shut down, which would kill the process before
    ``--state`` is saved; the emulator returns normally instead and exits 0. A signal that
    arrives between the banner and uvicorn's start (``remember``) stops it as soon as it starts.
    """

    early_signal: int | None = None

    def remember(self, sig: int, _frame: FrameType | None) -> None:
        """Signal handler used before uvicorn takes over."""
        self.early_signal = sig

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install uvicorn's exit handler for SIGINT/SIGTERM; restore the previous ones after."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in _SIGNALS}
        if self.early_signal is not None:
            self.handle_exit(self.early_signal, None)
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _configure_logging() -> None:
    logger = logging.getLogger("auth0link.emulator")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("emulator: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    hide_drop_tracebacks()


def _uvicorn_config(emulator: Emulator) -> uvicorn.Config:
    return uvicorn.Config(
        emulator,
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
        server_header=False,
    )


def run(options: EmulatorOptions, *, stdout: TextIO | None = None) -> None:
    """Serve until SIGINT/SIGTERM, then stop cleanly (saving ``--state`` if given).

    Raises :class:`~auth0link.emulator.EmulatorError` for invalid options, before anything
    is printed.
    """
    prepared = prepare(options)
    _configure_logging()
    server = _Server(_uvicorn_config(prepared.emulator))
    main_thread = threading.current_thread() is threading.main_thread()
    original = {sig: signal.signal(sig, server.remember) for sig in _SIGNALS} if main_thread else {}
    try:
        out = stdout or sys.stdout
        out.write(banner(prepared.emulator, as_json=options.as_json))
        out.flush()
        server.run(sockets=[prepared.sock])
    finally:
        for sig, handler in original.items():
            signal.signal(sig, handler)
        prepared.sock.close()
        if options.state_file is not None:
            save_state(options.state_file, prepared.emulator.tenant)
            LOG.info("state saved to %s", options.state_file)
        prepared.emulator.tenant.close()


class EmulatorThread:
    """The emulator on a background thread (for tests over real HTTP, in process).

    ``with EmulatorThread(EmulatorOptions()) as emu: httpx.get(emu.base_url + …)``.
    """

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        """Bind and build now; serve on :meth:`start`."""
        self.options = options or EmulatorOptions(access_log=False)
        self._prepared = prepare(self.options)
        self.base_url = self._prepared.base_url
        self.emulator = self._prepared.emulator
        self._server = _Server(_uvicorn_config(self.emulator))
        self._thread = threading.Thread(target=self._serve, name="emulator", daemon=True)

    def _serve(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._prepared.sock]))

    def start(self) -> Self:
        """Start serving; return once the server accepts connections."""
        hide_drop_tracebacks()
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread; save ``--state`` if configured."""
        self._server.should_exit = True
        self._thread.join(10)
        self._prepared.sock.close()
        if self.options.state_file is not None:
            save_state(self.options.state_file, self.emulator.tenant)
        self.emulator.tenant.close()

    def __enter__(self) -> Self:
        """Start."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop."""
        self.stop()
