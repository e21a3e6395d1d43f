"""A running emulator for tests, in process: :func:`start_tenant` and the :class:`EmulatedTenant` handle.

``with start_tenant() as tenant:`` serves a fresh demo tenant over real HTTPS on a free loopback
port (for subprocesses, browsers and SDKs that build ``https://`` + domain themselves) and, on
the same event loop, in process (``tenant.http_client()``, ``tenant.requests_session()``: no
socket, for httpx- and requests-based code). Its CA lives in a private temporary folder unless
the options name one, so nothing is written to the user's data directory. The pytest plugin
(:mod:`auth0link.emulator.pytest_plugin`) is a thin layer over this.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ..server.options import EmulatorOptions
from ..server.serve import EmulatorThread, banner
from ..state import demo
from .control import Clock, EmulatorControl, Faults, Outbox
from .transport import InProcessTransport, requests_adapter

if TYPE_CHECKING:
    import ssl
    from collections.abc import Iterator, Mapping

    from ..web.app import Emulator


class EmulatedTenant:
    """A started emulator: where it is, its demo clients and users, and handles to steer it.

    ``info`` is the line ``auth0link emulator --json`` prints (and ``--ready-file`` holds);
    the properties read it. ``outbox``, ``clock`` and ``faults`` go through :attr:`control`.
    """

    def __init__(self, thread: EmulatorThread, *, control_headers: Mapping[str, str] | None = None) -> None:
        """Wrap a started :class:`~auth0link.emulator.server.serve.EmulatorThread`."""
        assert thread.loop is not None, "start the EmulatorThread first"
        self._thread = thread
        self.emulator: Emulator = thread.emulator
        self.base_url = thread.base_url
        self.domain = thread.domain
        self.ca_file: Path | None = thread.ca_file
        self.info: dict[str, Any] = json.loads(banner(thread.emulator, as_json=True, ca_file=thread.ca_file))
        self._transport = InProcessTransport(thread.emulator, thread.loop)
        #: the per-start secret of ``/__emulator/*`` (sent with every control request)
        self.control_token: str = thread.emulator.control_token
        headers = {"x-emulator-token": self.control_token, **(control_headers or {})}
        self.control = EmulatorControl(self.base_url, headers=headers, transport=self._transport)
        self.outbox = Outbox(self.control)
        self.clock = Clock(self.control)
        self.faults = Faults(self.control)

    # -- where it is ------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """``https://127.0.0.1:PORT/`` (with the slash, as Auth0's ``iss``)."""
        return self.base_url + "/"

    @property
    def management_audience(self) -> str:
        """The Management API audience, ``https://127.0.0.1:PORT/api/v2/``."""
        return str(self.info["audience"])

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """The ``verify=`` for httpx, trusting the emulator's CA (only)."""
        return self._thread.verify

    def ca_env(self) -> dict[str, str]:
        """Variables that make requests, urllib/httpx and Node trust the CA (empty over plain HTTP).

        ``SSL_CERT_FILE`` and ``REQUESTS_CA_BUNDLE`` replace the default trust store for the
        process that reads them; set them in a subprocess's environment or with ``monkeypatch``.
        """
        if self.ca_file is None:
            return {}
        ca = str(self.ca_file)
        return {"SSL_CERT_FILE": ca, "REQUESTS_CA_BUNDLE": ca, "NODE_EXTRA_CA_CERTS": ca}

    # -- who is in it -----------------------------------------------------------------------------

    @property
    def clients(self) -> list[dict[str, Any]]:
        """Every client: ``{"client_id", "name", "app_type"[, "client_secret"]}``."""
        return list(self.info["clients"])

    @property
    def users(self) -> list[dict[str, Any]]:
        """The users at start: ``{"user_id", "email", "connection", "email_verified"[, "password"]}``."""
        return list(self.info["users"])

    native_client_id = demo.NATIVE_CLIENT_ID
    spa_client_id = demo.SPA_CLIENT_ID
    web_client_id = demo.WEB_CLIENT_ID
    web_client_secret = demo.WEB_CLIENT_SECRET
    m2m_client_id = demo.M2M_CLIENT_ID
    m2m_client_secret = demo.M2M_CLIENT_SECRET

    # -- how to reach it --------------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """The in-process httpx transport (no socket); share it between clients freely."""
        return self._transport

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client in process, ``base_url`` set (close it, or use ``with``)."""
        return httpx.Client(transport=self._transport, base_url=self.base_url, **kwargs)

    def https_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client over real HTTPS, trusting the CA, ``base_url`` set."""
        return httpx.Client(base_url=self.base_url, verify=self.verify, **kwargs)

    def requests_session(self) -> Any:
        """A ``requests.Session`` whose requests to this tenant go in process (no cookie jar)."""
        import requests

        session = requests.Session()
        session.mount(self.base_url + "/", requests_adapter(self._transport))
        return session

    def m2m_token(self, scope: str | None = None) -> str:
        """A client-credentials access token for the Management API (the demo M2M client)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.m2m_client_id,
            "client_secret": self.m2m_client_secret,
            "audience": self.management_audience,
        }
        if scope is not None:
            form["scope"] = scope
        with self.http_client() as client:
            reply = client.post("/oauth/token", data=form)
        reply.raise_for_status()
        return str(reply.json()["access_token"])

    # -- steering it ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the users at start; forget sessions, codes, tokens, outbox, faults, clock moves."""
        self.control.reset()

    def close(self) -> None:
        """Close the control client (the server stops with :func:`start_tenant`'s block)."""
        self.control.close()


def tenant_options(options: EmulatorOptions | None = None, **fields: Any) -> EmulatorOptions:
    """``options`` (default: the command line's defaults) with ``fields``, no access log by default."""
    base = options or EmulatorOptions(access_log=False)
    return dataclasses.replace(base, **fields)


@contextlib.contextmanager
def start_tenant(
    options: EmulatorOptions | None = None, *, control_headers: Mapping[str, str] | None = None
) -> Iterator[EmulatedTenant]:
    """Serve a tenant for the ``with`` block (HTTPS on a free port, and in process).

    ``options`` are the emulator's own (``tenant_options(tenant_file=…, users_file=…)``); with
    neither ``tls_dir`` nor ``state_file`` the CA goes to a temporary folder removed afterwards.
    Raises :class:`~auth0link.emulator.EmulatorError` for bad options or files.
    """
    options = options or tenant_options()
    with contextlib.ExitStack() as stack:
        if options.tls and options.tls_dir is None and options.state_file is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth0-emulator-"))
            options = dataclasses.replace(options, tls_dir=Path(folder))
        thread = EmulatorThread(options)
        stack.enter_context(thread)
        tenant = EmulatedTenant(thread, control_headers=control_headers)
        stack.callback(tenant.close)
        yield tenant
