"""Helpers for testing apps against the emulator (not part of Auth0's API).

- :mod:`.tenant`: :func:`~.tenant.start_tenant` serves a tenant over HTTPS and in process;
  :class:`~.tenant.EmulatedTenant` says where it is, who is in it, and steers it.
- :mod:`.control`: :class:`~.control.EmulatorControl`, the one client of ``/__emulator/*``, and
  the outbox, clock and fault handles built on it.
- :mod:`.transport`: the in-process transports for httpx and requests, and
  :class:`~.transport.SyncASGITransport` (an app on a private event loop, no server thread).
- :mod:`.forms`: a PKCE challenge and the demo M2M client's machine-token request.
- :mod:`.agent` with :mod:`.page_reader`: a scripted user that reads and submits the real pages.

The pytest plugin :mod:`auth0link.emulator.pytest_plugin` gives these as fixtures.
"""
