"""Serve the emulator: check the options, bind, build the tenant, print the banner, run uvicorn.

HTTPS by default (the certificate and its local CA come from :mod:`.tls`), plain HTTP with
``--http``; either way only on a loopback address.

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
import os
import shlex
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TextIO
from urllib.parse import urlsplit

import uvicorn

from .. import EmulatorError
from ..protocol.rate_limit import parse_rate_limit
from ..state import demo
from ..state.persistence import build_tenant, load_state, read_users_file, save_state
from ..state.work_dirs import sweep_stale_exports
from ..web.app import Emulator, create_app
from ..web.faults import FaultRule, hide_drop_tracebacks, parse_faults
from ..web.guard import TOKEN_ENV
from ..web.limits import TimedH11Protocol
from .options import EmulatorOptions
from .readiness import ReadyFiles
from .tls import ServerTls, default_folder, prepare_tls

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Generator
    from pathlib import Path
    from types import FrameType

    from ..protocol.keys import SigningKey
    from ..state.applications import Client

LOG = logging.getLogger("auth0link.emulator")
MAX_PORT = 65535
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class _Prepared:
    sock: socket.socket
    base_url: str
    emulator: Emulator
    tls: ServerTls | None = None  # None with --http


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


def _tls_for(options: EmulatorOptions, address: str) -> ServerTls | None:
    """The CA and this start's server certificate (``None`` with ``--http``)."""
    if not options.tls:
        return None
    if options.tls_dir is not None:
        return prepare_tls(options.tls_dir, address, own_folder=False)
    if options.state_file is not None:
        return prepare_tls(options.state_file.absolute().parent, address, own_folder=False)
    return prepare_tls(default_folder(os.environ), address, own_folder=True)


def prepare(options: EmulatorOptions, *, fresh_key: Callable[[], SigningKey] | None = None) -> _Prepared:
    """Validate the options, bind the socket, build the tenant, make the TLS files and the app.

    ``fresh_key`` makes the signing key when ``--state`` holds none (default: now).
    """
    address, rate, faults = _validate(options)
    sweep_stale_exports()  # a killed emulator's export files (personal data) go now, not later
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
        # Listen now: a client that reads the banner may connect before uvicorn has loaded the
        # certificate; it waits in the backlog instead of being refused.
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise EmulatorError(
            f"cannot listen on {address}:{options.port} ({exc.strerror}); "
            "choose another --port or use --port 0"
        ) from exc
    port = sock.getsockname()[1]
    host_in_url = f"[{address}]" if family == socket.AF_INET6 else address
    base_url = f"{'https' if options.tls else 'http'}://{host_in_url}:{port}"
    try:
        tenant = build_tenant(
            base_url,
            users=users,
            state=state,
            tenant_file=options.tenant_file,
            fresh_key=fresh_key,
            token_ttl=options.token_ttl,
            device_interval=options.device_interval,
            skip_callback_confirmation=options.skip_callback_confirmation,
        )
        tls = _tls_for(options, address)  # after the users file: a bad one leaves no CA behind
    except BaseException:
        sock.close()
        raise
    access_log = options.access_log if options.access_log is not None else stderr_in_foreground()
    emulator = create_app(tenant, rate_limit=rate, faults=faults, access_log=access_log)
    return _Prepared(sock=sock, base_url=base_url, emulator=emulator, tls=tls)


def stderr_in_foreground() -> bool:
    """Whether stderr is a terminal this process has in the foreground (the access log's default).

    ``auth0link emulator &`` in a shell runs in a background process group: its per-request log
    would be mixed into what the user types next, so it stays off (``--access-log`` turns it on).
    """
    try:
        fd = sys.stderr.fileno()
        return os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def domain_of(base_url: str) -> str:
    """What a user sets as the domain: a bare ``host:port`` for HTTPS (as a real tenant), else the URL."""
    parts = urlsplit(base_url)
    return parts.netloc if parts.scheme == "https" else base_url


def banner(emulator: Emulator, *, as_json: bool, ca_file: Path | None = None) -> str:
    """The start-up output: ``export`` lines, or one JSON line with ``--json``."""
    tenant = emulator.tenant
    domain = domain_of(tenant.base_url)
    if not as_json:
        lines = [f"AUTH0LINK_DOMAIN={domain}", f"AUTH0LINK_CLIENT_ID={demo.NATIVE_CLIENT_ID}"]
        if ca_file is not None:
            lines.append(f"AUTH0LINK_CA_BUNDLE={shlex.quote(str(ca_file))}")
        lines.append(f"{TOKEN_ENV}={emulator.control_token}")
        return "".join(f"export {line}\n" for line in lines)
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
        password = tenant.users.passwords.get(user.user_id)
        if password is not None:
            entry["password"] = password
        users.append(entry)
    line = {
        "base_url": tenant.base_url,
        "domain": domain,
        "ca_bundle": str(ca_file) if ca_file is not None else None,
        "control_token": emulator.control_token,
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
    on_ready: Callable[[], None] | None = None  # called once serving (``--ready-file``)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start serving, then call :attr:`on_ready`: from now on, requests are answered."""
        await super().startup(sockets=sockets)
        if self.started and self.on_ready is not None:
            self.on_ready()

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


def _uvicorn_config(prepared: _Prepared) -> uvicorn.Config:
    # The server file holds the key and the chain, so one atomic write keeps them a pair.
    certfile = str(prepared.tls.server_file) if prepared.tls else None
    return uvicorn.Config(
        prepared.emulator,
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
        server_header=False,
        ssl_certfile=certfile,
        http=TimedH11Protocol,  # request headers within limits.HEADER_TIMEOUT
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
    )


def run(
    options: EmulatorOptions,
    *,
    stdout: TextIO | None = None,
    fresh_key: Callable[[], SigningKey] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM, then stop cleanly (saving ``--state`` if given).

    Raises :class:`~auth0link.emulator.EmulatorError` for invalid options, before anything
    is printed.
    """
    _configure_logging()
    ready = ReadyFiles(options.ready_file, options.pid_file)
    ready.clear_stale()
    prepared = prepare(options, fresh_key=fresh_key)
    server = _Server(_uvicorn_config(prepared))
    main_thread = threading.current_thread() is threading.main_thread()
    original = {sig: signal.signal(sig, server.remember) for sig in _SIGNALS} if main_thread else {}
    try:
        out = stdout or sys.stdout
        ca_file = prepared.tls.ca_file if prepared.tls else None
        line = banner(prepared.emulator, as_json=True, ca_file=ca_file) if ready.ready_file else ""
        if options.as_json:
            out.write(line or banner(prepared.emulator, as_json=True, ca_file=ca_file))
        else:
            out.write(banner(prepared.emulator, as_json=False, ca_file=ca_file))
        out.flush()
        server.on_ready = lambda: ready.publish(line)
        server.run(sockets=[prepared.sock])
    finally:
        for sig, handler in original.items():
            signal.signal(sig, handler)
        prepared.sock.close()
        try:
            if options.state_file is not None:
                save_state(options.state_file, prepared.emulator.tenant)
                LOG.info("state saved to %s", options.state_file)
            prepared.emulator.tenant.close()
        finally:
            ready.remove()


class EmulatorThread:
    """The emulator on a background thread (for tests over real HTTPS, in process).

    ``with EmulatorThread(EmulatorOptions()) as emu: httpx.get(emu.base_url + …, verify=emu.verify)``.
    """

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        """Bind and build now; serve on :meth:`start`."""
        self.options = options or EmulatorOptions(access_log=False)
        self._prepared = prepare(self.options)
        self.base_url = self._prepared.base_url
        self.domain = domain_of(self.base_url)
        self.emulator = self._prepared.emulator
        #: the secret ``/__emulator/*`` calls send (``X-Emulator-Token``)
        self.control_token = self.emulator.control_token
        #: the CA certificate to trust (``None`` with ``--http``)
        self.ca_file = self._prepared.tls.ca_file if self._prepared.tls else None
        self._server = _Server(_uvicorn_config(self._prepared))
        self._thread = threading.Thread(target=self._serve, name="emulator", daemon=True)
        #: the event loop serving the app (set once started): the one thread that changes the tenant
        self.loop: asyncio.AbstractEventLoop | None = None

    def _serve(self) -> None:
        asyncio.run(self._serve_here())

    async def _serve_here(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self._server.serve(sockets=[self._prepared.sock])

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """For httpx's ``verify=``: a context trusting the emulator's CA (``True`` with ``--http``)."""
        return self._prepared.tls.client_context() if self._prepared.tls else True

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
